import Foundation
import FoundryTestSupport
import Testing

@testable import Cleaning

/// Constraint synthesis on the real UCI SMS Spam Collection: the spec on the reference page is what the suggester
/// writes, and one seed of the benchmark protocol meets the goal of issue 21.
@Suite(.enabled(if: TestData.has("uci_sms_spam_collection"), "the UCI SMS collection is not available"))
struct SuggestionSMSTests {
    /// The collection as `id` (0-based line), `label`, `text`, read as `foundry bench synthesize-constraints` reads it.
    static func table() throws -> CleaningTable {
        let folder = try #require(TestData.dataset("uci_sms_spam_collection"))
        let text = try String(
            contentsOf: folder.appendingPathComponent("SMSSpamCollection.tsv"), encoding: .utf8)
        var labels: [String?] = [], texts: [String?] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            let tab = try #require(line.firstIndex(of: "\t"))
            labels.append(String(line[..<tab]))
            texts.append(String(line[line.index(after: tab)...]))
        }
        return CleaningTable(
            source: "sms", columnNames: ["id", "label", "text"],
            columns: [labels.indices.map { String($0) }, labels, texts])
    }

    @Test func theReferencePageShowsTheSpecOfSeedOne() throws {
        let table = try Self.table()
        #expect(table.rowCount == 5574)
        let profile = TableProfile.profile(try table.sample(rows: 500, seed: 1), populationRows: table.rowCount)
        let written = ConstraintSpecWriter.yaml(
            ConstraintSet(ConstraintSuggester().suggest(profile: profile).map(\.constraint)))
        let page = try String(
            contentsOf: TestData.packageFile("docs/reference/constraint-synthesis.md"), encoding: .utf8)
        let block = try #require(MarkdownCodeBlocks.blocks("yaml", in: page).last)
        #expect(block.code + "\n" == written)
    }

    @Test func seedOneMeetsTheGoal() throws {
        let result = try ConstraintSynthesisEvaluation.run(
            table: try Self.table(), textColumn: "text", labelColumn: "label", sampleRows: 500, seed: 1)
        #expect(result.kinds.allSatisfy { $0.damaged == 111 })
        #expect(result.recall >= 0.9 && result.falsePositiveRate < 0.01)
        // Every false positive is a genuine message shorter than the synthesized minimum length.
        #expect(result.falsePositivesByConstraint.map(\.constraint) == ["length(text)"])
    }
}
