import Foundation
import Testing
@testable import Cleaning

struct RepairPlanTests {
    static let table = CleaningTable(
        columnNames: ["id", "label", "text", "age"],
        rows: [
            ["1", "ham", "hello  there ", "30"],
            ["2", " SPAM", "mail me at a@b.co", "x"],
            ["3", "ham", "hello  there ", nil],
            ["4", "eggs", "fine", "50"],
            ["5", "ham", "fine", "40"],
        ])

    static let constraints = ConstraintSet {
        AllowedValues("label", ["ham", "spam"]).repair(.standardize([.trim, .lowercase]))
        Parses("age", as: .integer).repair(.impute(.median))
        NotNull("age").repair(.impute(.constant("0")))
        NoPII("text").repair(.redactPII(.redact))
        Unique("text").repair(.keepFirst)
        AllowedValues("label", ["ham", "spam", " SPAM"]).named("label set").repair(.setNull)
    }

    @Test func planProposesRowLevelChangesWithReasons() throws {
        let plan = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        let summaries = plan.changes.map(\.summary)
        #expect(
            summaries == [
                "row 1: set label from \" SPAM\" to \"spam\"",
                "row 1: set age from \"x\" to \"40\"",
                "row 2: set age from null to \"0\"",
                "row 1: set text from \"mail me at a@b.co\" to \"mail me at [EMAIL]\"",
                "row 2: drop row",
                "row 4: drop row",
                "row 3: set label from \"eggs\" to null",
            ])
        #expect(plan.changes[0].reason == "' SPAM' is not an allowed value")
        #expect(plan.changes[4].reason == "duplicate of row 0")
        #expect(Set(plan.changes.map(\.id)).count == plan.changes.count)
        #expect(plan.fingerprint == Self.table.fingerprint)
    }

    @Test func idsAreStableAcrossRuns() throws {
        let first = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        let second = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        #expect(first == second)
        var changed = Self.table
        changed.setCell(row: 3, column: 1, to: "bacon")
        let third = try RepairPlanner.plan(for: changed, constraints: Self.constraints)
        #expect(third.changes.last?.id != first.changes.last?.id)
        #expect(third.changes.first?.id == first.changes.first?.id)
    }

    @Test func applyingAcceptedChangesYieldsANewTableAndLog() throws {
        let plan = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        var decisions = ReviewDecisions(fingerprint: plan.fingerprint)
        decisions.decideAll(in: plan, .accept)
        decisions.decide(plan.changes[2].id, .reject)
        let (cleaned, log) = try plan.apply(to: Self.table, decisions: decisions)
        #expect(cleaned.rowIDs == [0, 1, 3])
        #expect(cleaned.columns[1] == ["ham", "spam", nil])
        #expect(cleaned.columns[2] == ["hello  there ", "mail me at [EMAIL]", "fine"])
        #expect(cleaned.columns[3] == ["30", "40", "50"])
        #expect(log.count == 6 && log.allSatisfy { $0.status == "applied" })
        #expect(Self.table.columns[1][1] == " SPAM")  // the input value is untouched
    }

    @Test func conflictingCellChangesAreSkippedAndLogged() throws {
        let constraints = ConstraintSet {
            AllowedValues("label", ["ham", "spam"]).repair(.standardize([.trim, .lowercase]))
            AllowedValues("label", ["ham", "spam"]).named("again").repair(.setNull)
        }
        let plan = try RepairPlanner.plan(for: Self.table, constraints: constraints)
        var decisions = ReviewDecisions(fingerprint: plan.fingerprint)
        decisions.decideAll(in: plan, .accept)
        let (cleaned, log) = try plan.apply(to: Self.table, decisions: decisions)
        #expect(cleaned.columns[1][1] == "spam" && cleaned.columns[1][3] == nil)
        #expect(log.filter { $0.status.hasPrefix("skipped") }.count == 1)
    }

    @Test func decisionsPersistAndRejectedChangesAreNotProposedAgain() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("decisions-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let plan = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        var decisions = ReviewDecisions(fingerprint: plan.fingerprint)
        decisions.decide(plan.changes[0].id, .reject)
        decisions.decide(constraint: "keep_first", in: plan, .accept)
        decisions.decide(constraint: "unique(text)", in: plan, .accept)
        decisions.record(plan)
        try decisions.save(to: url)
        let loaded = try ReviewDecisions.load(url, expectedFingerprint: Self.table.fingerprint)
        #expect(loaded == decisions)
        let again = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        let pending = loaded.pending(in: again)
        #expect(pending.count == plan.changes.count - 3)
        #expect(!pending.contains { $0.id == plan.changes[0].id })
    }

    @Test func editedConstraintsShowNewGoneAndUnchangedProposals() throws {
        let plan = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        var decisions = ReviewDecisions(fingerprint: plan.fingerprint)
        decisions.record(plan)
        var edited = Self.constraints
        edited.constraints.removeLast()
        edited.constraints.append(Length("text", maximum: 4).repair(.dropRow))
        let next = try RepairPlanner.plan(for: Self.table, constraints: edited)
        let diff = decisions.diff(next)
        #expect(diff.gone == [plan.changes[6].id])
        #expect(diff.unchanged == plan.changes.prefix(6).map(\.id))
        #expect(diff.new.count == 3)  // rows 0, 1 and 2 have more than 4 scalars
    }

    @Test func decisionsForDifferentDataAreRejected() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("decisions-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try ReviewDecisions(fingerprint: "0123").save(to: url)
        #expect(
            throws: CleaningError.decisionsForDifferentData(
                path: url.path, expected: Self.table.fingerprint, found: "0123")
        ) {
            try ReviewDecisions.load(url, expectedFingerprint: Self.table.fingerprint)
        }
        try Data("not json".utf8).write(to: url)
        #expect(throws: CleaningError.self) { try ReviewDecisions.load(url, expectedFingerprint: "x") }
        let plan = try RepairPlanner.plan(for: Self.table, constraints: Self.constraints)
        var other = Self.table
        other.setCell(row: 0, column: 0, to: "9")
        #expect(throws: CleaningError.self) {
            try plan.apply(to: other, decisions: ReviewDecisions(fingerprint: plan.fingerprint))
        }
    }

    @Test func standardizationSteps() {
        #expect(RepairPlanner.standardize("  A  b\t\nC ", [.trim, .collapseWhitespace, .lowercase]) == "a b c")
        #expect(RepairPlanner.standardize("e\u{301}", [.nfc]) == "\u{E9}")
        #expect(RepairPlanner.standardize("e\u{301}", [.nfc]).unicodeScalars.count == 1)
    }

    @Test func imputation() {
        #expect(RepairPlanner.impute(.median, ["1", "2", "10", "x", nil], excluding: [3]) == .some("2"))
        #expect(RepairPlanner.impute(.median, ["1", "2"], excluding: []) == .some("1.5"))
        #expect(RepairPlanner.impute(.mode, ["b", "a", "b", "a", "c"], excluding: []) == .some("a"))
        #expect(RepairPlanner.impute(.median, ["x"], excluding: []) == .some(nil))
    }
}
