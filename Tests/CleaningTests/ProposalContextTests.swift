import Foundation
import FoundryCore
import FoundryTestSupport
import Testing
@testable import Cleaning

/// The context a proposal carries for review (columns, the row a duplicate repeats, the similarity), and proposal ids
/// that did not move when it was added.
struct ProposalContextTests {
    static let csv =
        "id,label,text\n1,ham,hello there\n2, SPAM,mail me at a@b.co\n3,ham,hello there\n4,spam,hello there!\n"
    static let spec = """
        constraints:
          - kind: allowed_values
            column: label
            values: [ham, spam]
            repair: {standardize: [trim, lowercase]}
          - kind: no_pii
            column: text
            repair: {redact_pii: redact}
          - kind: unique
            columns: [text]
            repair: keep_first
          - kind: near_duplicates
            column: text
            threshold: 0.5
            repair: keep_first
        """

    private func plan() throws -> RepairPlan {
        let directory = TemporaryDirectory()
        let table = try CleaningTable.read(try directory.write("in.csv", Self.csv))
        let spec = try ConstraintSpec.load(try directory.write("spec.yaml", Self.spec))
        return try RepairPlanner.plan(for: table, constraints: spec)
    }

    /// The ids `foundry clean` wrote to a decisions file for this table and spec before proposals carried context
    /// (main at dc4aacd): decisions files written then must still apply.
    @Test func idsAreThoseRecordedBeforeTheContextWasAdded() throws {
        let plan = try plan()
        #expect(plan.fingerprint == "87dce5aeb20f62798bfbdfce7c17d852")
        #expect(
            plan.changes.map(\.id) == [
                "c53140e82ea9ea1adbb3ec0db61c3edd", "da86b8bcb4556fc0f94c9f141a83716b",
                "47fd51c2c05505c004abf96343bd0f57", "5c73819320f4b7b324822b871c9203e0",
                "af28dfdc6a560c272a0b69703f4c5334",
            ])
    }

    @Test func duplicatesNameTheRowTheyRepeatAndNearDuplicatesTheSimilarity() throws {
        let changes = try plan().changes
        #expect(changes.map(\.columns) == [["label"], ["text"], ["text"], ["text"], ["text"]])
        #expect(changes.map(\.duplicateOf) == [nil, nil, 0, 0, 2])
        #expect(changes[0].similarity == nil && changes[2].similarity == nil)
        // "hello there" and "hello there!" share 7 of their 8 five-character shingles: Jaccard 7/8, estimated.
        let similarity = try #require(changes[4].similarity)
        #expect(abs(similarity - 7.0 / 8.0) < 0.15)
        #expect(try #require(changes[3].similarity) == 1)
    }

    @Test func aPlanWrittenBeforeTheContextFieldsStillDecodes() throws {
        let json = """
            {"id":"x","constraint":"unique(text)","row":2,"action":{"dropRow":{}},"reason":"duplicate of row 0"}
            """
        let change = try JSONDecoder().decode(ProposedChange.self, from: Data(json.utf8))
        #expect(
            change
                == ProposedChange(
                    id: "x", constraint: "unique(text)", row: 2, action: .dropRow, reason: "duplicate of row 0"))
        let missingRow = #"{"id":"x","constraint":"c","action":{"dropRow":{}},"reason":"r"}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ProposedChange.self, from: Data(missingRow.utf8))
        }
    }

    @Test func decisionsAreSavedInFoundrysEncodingAndAllOrNothing() throws {
        let directory = TemporaryDirectory()
        let plan = try plan()
        var decisions = ReviewDecisions(fingerprint: plan.fingerprint)
        decisions.decideAll(in: plan, .accept)
        decisions.record(plan)
        let url = directory.file("d.json")
        try decisions.save(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == String(decoding: try FoundryJSON.encoder(pretty: true).encode(decisions), as: UTF8.self))
        #expect(try ReviewDecisions.load(url, expectedFingerprint: plan.fingerprint) == decisions)
        // A save into a missing folder throws, naming the file, and leaves nothing behind.
        let missing = directory.file("nope/d.json")
        #expect {
            try decisions.save(to: missing)
        } throws: { error in
            guard case let CleaningError.invalidDecisions(path, reason) = error else { return false }
            return path == missing.path && reason.contains("does not exist")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["d.json"])
    }
}
