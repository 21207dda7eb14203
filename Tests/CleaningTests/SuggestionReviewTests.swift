import Foundation
import FoundryTestSupport
import Testing

@testable import Cleaning

/// Reviewing suggestions: accept / reject / edit, decisions persisted and re-applied, edits checked.
struct SuggestionReviewTests {
    static let suggestions = ConstraintSuggester().suggest(profile: TableProfile.profile(SuggestionProfileTests.table))

    func review(_ answers: [String], decisions: SuggestionDecisions? = nil) -> (SuggestionDecisions, String) {
        var session = SuggestionReview(
            suggestions: Self.suggestions, decisions: decisions ?? SuggestionDecisions(fingerprint: "f"))
        var input = answers[...]
        var output = ""
        session.run(readLine: { input.popFirst() }, write: { output += $0 })
        return (session.decisions, output)
    }

    @Test func acceptRejectEditAndSkip() throws {
        // 1 not_null(id) yes, 2 parses(id) no, 3 range(id) edit (a bad key, a bad number, then max=100), 4 skip.
        let (decisions, output) = review(["y", "n", "e", "top=3", "max=lots", "max=100", "s", "q"])
        #expect(decisions.entry("not_null(id)")?.decision == .accept)
        #expect(decisions.entry("parses(id as integer)")?.decision == .reject)
        #expect(decisions.entry("range(id)")?.decision == .edit)
        #expect(decisions.entry("unique(id)") == nil)
        #expect(output.contains("cannot edit 'top'") && output.contains("expected a number, found 'lots'"))
        #expect(output.contains("now: kind: range, column: \"id\", min: 0, max: 100"))
        #expect(output.contains("[1/22] not_null(id) — complete") && output.contains("reason: no null in the 20"))
        #expect(output.contains("3 decisions recorded, 19 suggestions still pending."))

        let resolved = try decisions.resolve(Self.suggestions)
        #expect(resolved.count == Self.suggestions.count - 1)
        #expect(!resolved.contains { $0.0.id == "parses(id as integer)" })
        let range = try #require(resolved.first { $0.0.id == "range(id)" })
        #expect(range.0.constraint.kind == .range(column: "id", minimum: 0, maximum: 100) && range.1 == .edit)
        #expect(resolved.first { $0.0.id == "unique(id)" }?.1 == nil)
    }

    @Test func decisionsPersistAndReapply() throws {
        let directory = TemporaryDirectory(prefix: "suggestion-review")
        let (first, _) = review(["y", "n", "e", "max=100", "R"])
        let url = directory.url.appendingPathComponent("decisions.json")
        var saved = first
        saved.record(Self.suggestions, fingerprint: "f")
        try saved.save(to: url)
        let loaded = try SuggestionDecisions.load(url)
        #expect(loaded == saved)
        #expect(loaded.pending(in: Self.suggestions).isEmpty)
        let (_, output) = review(["y"], decisions: loaded)
        #expect(output.contains("0 suggested constraints to review."))
        // Everything after the edit was rejected: only the accepted and the edited constraints are written.
        #expect(try loaded.resolve(Self.suggestions).map(\.0.id) == ["not_null(id)", "range(id)"])
        #expect(
            loaded.diff(Self.suggestions).new.isEmpty
                && loaded.diff(Array(Self.suggestions.dropFirst())).gone == ["not_null(id)"])
    }

    @Test func anAcceptanceOfOtherBoundsIsAskedAgain() throws {
        let (decisions, _) = review(["A"])
        #expect(decisions.pending(in: Self.suggestions).isEmpty)
        var changed = Self.suggestions
        let index = try #require(changed.firstIndex { $0.id == "length(note)" })
        changed[index].constraint.kind = .length(column: "note", minimum: nil, maximum: 40)
        #expect(decisions.pending(in: changed).map(\.id) == ["length(note)"])
        // A rejection and an edit stand whatever the new bounds.
        var other = decisions
        other.decide(changed[index], .reject)
        var again = changed
        again[index].constraint.kind = .length(column: "note", minimum: nil, maximum: 50)
        #expect(other.pending(in: again).isEmpty)
    }

    @Test func malformedDecisionsFilesAreNamed() throws {
        let directory = TemporaryDirectory(prefix: "suggestion-review")
        let bad = try directory.write("bad.json", "{\"fingerprint\": 3}")
        #expect(throws: CleaningError.self) { try SuggestionDecisions.load(bad) }
        do { _ = try SuggestionDecisions.load(bad) } catch {
            #expect("\(error)".contains("bad.json: invalid decisions file"))
        }
        #expect(throws: CleaningError.self) {
            try SuggestionDecisions.load(directory.url.appendingPathComponent("none.json"))
        }
        // An edit whose spec text no longer reads is an error naming the suggestion, not a silent drop.
        var decisions = SuggestionDecisions(fingerprint: "f")
        let suggestion = Self.suggestions[0]
        decisions.decide(suggestion, .edit, edited: suggestion.constraint)
        decisions.entries[0].edited = "  - kind: no_such_kind\n"
        #expect(throws: CleaningError.self) { try decisions.resolve(Self.suggestions, source: "d.json") }
    }

    @Test func editingChecksKeysValuesAndDefinitions() throws {
        let length = Constraint(.length(column: "t", minimum: 5, maximum: 100))
        #expect(try length.editing("max=2000").kind == .length(column: "t", minimum: 5, maximum: 2000))
        #expect(try length.editing("min= max=10").kind == .length(column: "t", minimum: nil, maximum: 10))
        #expect(try length.editing("mostly=0.99 severity=warning").mostly == 0.99)
        #expect(try length.editing("severity=warning").severity == .warning)
        #expect(throws: CleaningError.self) { try length.editing("min=50 max=10") }  // minimum above maximum
        #expect(throws: CleaningError.self) { try length.editing("max=1.5") }
        #expect(throws: CleaningError.self) { try length.editing("pattern=x") }
        #expect(throws: CleaningError.self) { try length.editing("just words") }
        let values = Constraint(.allowedValues(column: "l", values: ["a"]))
        #expect(
            try values.editing("values=ham, spam ,x").kind == .allowedValues(column: "l", values: ["ham", "spam", "x"]))
        let regex = Constraint(.matches(column: "z", pattern: "[0-9]{5}"))
        #expect(try regex.editing("pattern=[0-9]{5} ?").kind == .matches(column: "z", pattern: "[0-9]{5} ?"))
        #expect(throws: CleaningError.self) { try regex.editing("pattern=[0-9") }
        let text = Constraint(.validText(column: "t", rejectC1Controls: true))
        #expect(try text.editing("c1_controls=false").kind == .validText(column: "t", rejectC1Controls: false))
        #expect(Constraint(.notNull(column: "t")).editableKeys == ["mostly", "severity"])
    }
}
