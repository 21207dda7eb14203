import Foundation
import FoundryTestSupport
import Testing

@testable import Labeling

@Suite struct SignedLFMatrixCSVTests {
    @Test func readsTheSignedCodingAndIgnoresNonLFColumns() throws {
        let directory = TemporaryDirectory()
        let url = directory.file("toy_lf_matrix_test.csv")
        try "0,1,2,Label,Snorkel\n0,1,-1,1,0\n-1,0,0,-1,-1\n1.0,1,0,-1,1\n".write(
            to: url, atomically: true, encoding: .utf8)
        let split = try SignedLFMatrixCSV.read(url, split: "test")
        #expect(split.labelMatrix.lfNames == ["0", "1", "2"])
        #expect(split.labelMatrix.denseVotes() == [-1, 1, 0, 0, -1, -1, 1, 1, -1])  // 0 → abstain, +1 → 1, -1 → 0
        #expect(split.goldLabels == [1, 0, 0])
        #expect(split.count == 3)
        #expect(SignedLFMatrixCSV.splitFiles(in: directory.url) == [.test: url])
    }

    @Test func badValuesAndMissingColumnsNameTheProblem() throws {
        let directory = TemporaryDirectory()
        let bad = directory.file("bad_lf_matrix_train.csv")
        try "a,b,Label\n0,1,1\n0,2,1\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect {
            try SignedLFMatrixCSV.read(bad, split: "train")
        } throws: { error in
            "\(error)".contains(":3:") && "\(error)".contains("column 'b'") && "\(error)".contains("'2'")
        }
        let noLabel = directory.file("nolabel_lf_matrix_train.csv")
        try "a,b\n0,1\n".write(to: noLabel, atomically: true, encoding: .utf8)
        #expect { try SignedLFMatrixCSV.read(noLabel, split: "train") } throws: { "\($0)".contains("'Label'") }
    }
}
