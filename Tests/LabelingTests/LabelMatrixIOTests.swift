import Foundation
import FoundryCore
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

struct LabelMatrixIOTests {
    @Test func numPyRoundTripAndBadFiles() throws {
        let folder = TemporaryDirectory()
        let matrix = randomLabelMatrix(rows: 50, lfs: 4, cardinality: 3, coverage: 0.4, seed: 3)
        let url = folder.file("L.npy")
        try matrix.writeNumPy(to: url)
        #expect(try LabelMatrix(numPyFile: url, cardinality: 3) == matrix)
        // A vote ≥ k is rejected, naming row and column.
        try NumPyArray(integers: [0, 1, -1, 2], shape: [2, 2], elementType: .int16).write(to: folder.file("big.npy"))
        #expect {
            try LabelMatrix(numPyFile: folder.file("big.npy"), cardinality: 2)
        } throws: { error in
            guard case let .invalidMatrix(_, reason) = error as? LabelingError else { return false }
            return reason.contains("row 1, column 1")
        }
        try NumPyArray(doubles: [0, 1], shape: [1, 2]).write(to: folder.file("float.npy"))
        #expect(throws: LabelingError.self) { try LabelMatrix(numPyFile: folder.file("float.npy")) }
        try folder.write("garbage.npy", "not numpy at all")
        #expect(throws: (any Error).self) { try LabelMatrix(numPyFile: folder.file("garbage.npy")) }
        #expect(throws: (any Error).self) { try LabelMatrix(numPyFile: folder.file("missing.npy")) }
        #expect(throws: LabelingError.self) {
            try LabelMatrix(denseVotes: [0, 5], rowCount: 1, lfNames: ["a", "b"], classNames: ["x", "y"])
        }
    }

    @Test("rows at chosen indices: a dev subset and its complement, in the order asked for")
    func rowsAtIndices() throws {
        let matrix = randomLabelMatrix(rows: 50, lfs: 4, cardinality: 3, coverage: 0.4, seed: 3)
        let dense = matrix.denseVotes()
        let dev = Array(stride(from: 0, to: 50, by: 7)), rest = (0..<50).filter { $0 % 7 != 0 }
        let picked = matrix.rows(dev + [3, 3])
        #expect(
            picked.rowCount == dev.count + 2 && picked.lfNames == matrix.lfNames
                && picked.classNames == matrix.classNames)
        let expected = (dev + [3, 3]).flatMap { dense[($0 * 4)..<($0 * 4 + 4)] }
        #expect(picked.denseVotes() == expected)
        #expect(matrix.rows(rest).rowCount + matrix.rows(dev).rowCount == 50)
        #expect(matrix.rows(Array(10..<20)) == matrix.rows(10..<20))
        #expect(matrix.rows([Int]()).rowCount == 0)
    }

    /// 10^6 rows × 100 LFs at 25 % coverage: the sparse matrix must stay well under 250 MB.
    ///
    /// Counted from the matrix's own buffers (their capacities), not from the process's resident
    /// size: tests run in parallel, so the process's RSS also moves with whatever else is running,
    /// which made the earlier RSS check fail at random (256 MB once in CI).
    @Test("the vote buffers are the compressed rows: each row's votes, in order")
    func voteBuffersAreTheRows() throws {
        let matrix = randomLabelMatrix(rows: 40, lfs: 5, cardinality: 3, coverage: 0.5, seed: 8)
        let dense = matrix.denseVotes()
        let rebuilt = matrix.withVoteBuffers { offsets, lfs, classes -> [Int] in
            #expect(offsets.count == matrix.rowCount + 1 && lfs.count == matrix.voteCount && classes.count == lfs.count)
            var votes = [Int](repeating: -1, count: matrix.rowCount * matrix.lfCount)
            for row in 0..<matrix.rowCount {
                for index in offsets[row]..<offsets[row + 1] {
                    votes[row * matrix.lfCount + Int(lfs[index])] = Int(classes[index])
                }
            }
            return votes
        }
        #expect(rebuilt == dense && dense.contains { $0 >= 0 })
    }

    @Test func aMillionRowMatrixIsSmall() throws {
        let matrix = randomLabelMatrix(rows: 1_000_000, lfs: 100, cardinality: 2, coverage: 0.25, seed: 11)
        #expect(matrix.voteCount > 24_000_000 && matrix.voteCount < 26_000_000)
        let bytes =
            matrix.rowOffsets.capacity * MemoryLayout<Int>.stride
            + matrix.voteLFs.capacity * MemoryLayout<UInt16>.stride
            + matrix.voteClasses.capacity * MemoryLayout<UInt16>.stride
        let megabytes = Double(bytes) / 1_048_576
        // 25 M votes × (2 + 2) bytes + 1 M row offsets ≈ 103 MB when the buffers are tight.
        #expect(megabytes < 150, "the matrix's buffers hold \(megabytes) MB")
    }
}

struct LabelMatrixFormatTests {
    @Test func csvAndWrenchRoundTrips() throws {
        let folder = TemporaryDirectory()
        let matrix = try LabelMatrix(
            denseVotes: [0, -1, 2, -1, -1, -1, 1, 1, 0], rowCount: 3, lfNames: ["a,b", "c", "d"],
            classNames: ["x", "y", "z"])
        try matrix.writeCSV(to: folder.file("L.csv"))
        let back = try LabelMatrix(csvFile: folder.file("L.csv"), classNames: ["x", "y", "z"])
        #expect(back == matrix)
        try matrix.writeWrench(to: folder.file("train.json"), goldLabels: [0, 1, 2], texts: ["hi \"you\"", "é\n", ""])
        let split = try WrenchDataset.readSplit(folder.file("train.json"), classNames: ["x", "y", "z"])
        #expect(split.labelMatrix.denseVotes() == matrix.denseVotes())
        #expect(split.goldLabels == [0, 1, 2] && split.texts == ["hi \"you\"", "é\n", ""])
        #expect(try LabelMatrix(wrenchFile: folder.file("train.json"), classNames: ["x", "y", "z"]).voteCount == 5)
    }

    @Test func csvRejectsBadVotesWithLineAndColumn() throws {
        let folder = TemporaryDirectory()
        try folder.write("bad.csv", "a,b\n0,1\n1,7\n")
        #expect(
            throws: TabularError.malformedRow(
                path: folder.file("bad.csv").path, line: 3, reason: "column 'b': '7' is not a vote in -1 (abstain) … 1")
        ) {
            try LabelMatrix(csvFile: folder.file("bad.csv"), classNames: ["x", "y"])
        }
    }
}
