import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

@testable import Labeling

struct SpamBenchmarkTests {
    /// `applier_peer.py --rows 100000` (snorkel PandasLFApplier) printed these votes per LF and this SHA-256 of the
    /// int8 label matrix on the 1,956 original comments; our applier must agree exactly.
    @Test(.enabled(if: TestData.has("uci_youtube_spam_collection")))
    func agreesWithThePeerApplier() throws {
        let base = try SpamBenchmark.comments(in: try #require(TestData.dataset("uci_youtube_spam_collection")))
        #expect(base.count == 1956)
        let texts = SpamBenchmark.cycled(base, to: 100_000)
        let result = try LFApplier(SpamBenchmark.labelingFunctions(), classNames: SpamBenchmark.classNames).apply(texts)
        var votes = [Int](repeating: 0, count: 10)
        for lf in result.labelMatrix.voteLFs { votes[Int(lf)] += 1 }
        #expect(votes == [19428, 12679, 10096, 10739, 16086, 22567, 24949, 9423, 11471, 10764])
        let head = result.labelMatrix.rows(0..<1956).numPyArray()
        #expect(head.elementType == .int8)
        #expect(Digest.sha256Hex(head.bytes) == "19679c38c690a7250ccab915f7326716523154a52921fcb1ac2e03e878ffb517")
        #expect(result.totalFaults == 0)
    }
}
