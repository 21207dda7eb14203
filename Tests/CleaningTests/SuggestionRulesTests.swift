import Foundation
import FoundryTestSupport
import Testing

@testable import Cleaning

/// Each suggestion rule, on profiles built to trigger it (or not).
struct SuggestionRulesTests {
    let suggester = ConstraintSuggester()

    func suggestions(_ table: CleaningTable) -> [SuggestedConstraint] {
        suggester.suggest(profile: TableProfile.profile(table))
    }

    func constraint(_ suggestions: [SuggestedConstraint], _ rule: SuggestionRule, column: String? = nil)
        -> ConstraintKind?
    {
        suggestions.first { $0.rule == rule && (column == nil || $0.column == column) }?.constraint.kind
    }

    @Test func handMadeTableGetsTheExpectedSpec() throws {
        let all = suggestions(SuggestionProfileTests.table)
        let kinds = all.map(\.constraint)
        #expect(
            kinds == [
                Constraint(.notNull(column: "id")),
                Constraint(.parses(column: "id", type: .integer)),
                Constraint(.range(column: "id", minimum: 0, maximum: nil)),
                Constraint(.unique(columns: ["id"])),
                Constraint(.notNull(column: "label")),
                Constraint(.allowedValues(column: "label", values: ["ham", "spam"])),
                Constraint(.notNull(column: "score")),
                Constraint(.parses(column: "score", type: .decimal)),
                // Span 9.5: margin 0.95 each side, rounded outward to 2 decimals; no value was negative.
                Constraint(.range(column: "score", minimum: 0, maximum: 10.95)),
                Constraint(.notNull(column: "code")),
                Constraint(
                    .matches(column: "code", pattern: ConstraintSuggester.nonEmptyPattern), name: "not_empty(code)"),
                // Lengths 5 (19 values) and 6: both quartiles are 5, so the fence is 5; max 2 × 6.
                Constraint(.length(column: "code", minimum: 5, maximum: 12)),
                Constraint(.validText(column: "code", rejectC1Controls: true)),
                Constraint(.matches(column: "code", pattern: "[A-Z]{2}-[0-9]{2,3}")),
                Constraint(.unique(columns: ["code"])),
                // 80 % non-null: 0.8 − 1.96 · sqrt(0.8 · 0.2 / 20) = 0.6247, rounded down to 0.62.
                Constraint(.notNull(column: "note"), mostly: 0.62),
                Constraint(
                    .matches(column: "note", pattern: ConstraintSuggester.nonEmptyPattern), name: "not_empty(note)"),
                Constraint(.length(column: "note", minimum: nil, maximum: 28)),
                Constraint(.validText(column: "note", rejectC1Controls: true)),
                Constraint(.unique(columns: ["note"])),
                Constraint(.notNull(column: "flag")),
                Constraint(.allowedValues(column: "flag", values: ["false", "true"])),
            ])
        #expect(Set(all.map(\.id)).count == all.count)
        try ConstraintSet(kinds).validateDefinitions()
        // The clean table passes every suggestion (the nulls of `note` are within its `mostly`).
        let report = try ConstraintSet(kinds).validate(SuggestionProfileTests.table)
        #expect(report.results.allSatisfy { $0.passed })
        #expect(report.results.filter { $0.rowsFailed > 0 }.map(\.name) == ["not_null(note)"])
    }

    @Test func retainCompletenessRecordsItsFigures() throws {
        let note = try #require(suggestions(SuggestionProfileTests.table).first { $0.rule == .retainCompleteness })
        #expect(note.figure("completeness") == 0.8 && note.figure("null_count") == 4 && note.figure("rows") == 20)
        #expect(note.reason.contains("80 %") && note.reason.contains("62 %"))
        // Below Deequ's 20 % no completeness is suggested at all.
        let sparse = CleaningTable(columnNames: ["x"], rows: (0..<10).map { [$0 == 0 ? "a" : nil] })
        #expect(constraint(suggestions(sparse), .retainCompleteness) == nil)
        #expect(constraint(suggestions(sparse), .complete) == nil)
    }

    @Test func numericRangeWithMarginAndSigns() throws {
        let integers = CleaningTable(columnNames: ["n"], columns: [(0..<30).map { String(-5 + ($0 % 11)) }])
        // −5…5, span 10, margin 1: −6…6.
        #expect(constraint(suggestions(integers), .numericRange) == .range(column: "n", minimum: -6, maximum: 6))
        let small = CleaningTable(columnNames: ["p"], columns: [(0..<30).map { String(0.01 + Double($0 % 5) * 0.01) }])
        // 0.01…0.05: span 0.04, margin 0.004, three digits of the span → 4 decimals; kept non-negative.
        #expect(constraint(suggestions(small), .numericRange) == .range(column: "p", minimum: 0.006, maximum: 0.054))
        let key = CleaningTable(columnNames: ["id"], columns: [(0..<30).map { String(100 + $0 * 7) }])
        #expect(constraint(suggestions(key), .nonNegative) == .range(column: "id", minimum: 0, maximum: nil))
        #expect(constraint(suggestions(key), .numericRange) == nil)
        let negativeKey = CleaningTable(columnNames: ["id"], columns: [(0..<30).map { String($0 - 15) }])
        #expect(constraint(suggestions(negativeKey), .nonNegative) == nil)
        #expect(constraint(suggestions(negativeKey), .numericRange) == nil)
    }

    @Test func textLengthFenceOnLogLengths() throws {
        // 40 distinct texts: 2 of length 5, 18 of length 40, 20 of length 80. Nearest-rank quartiles: Q1 = 40
        // (position 10), Q3 = 80 (position 29); the fence is 40 · (40/80)^1.5 = 14.14 → min 14; max 2 × 80.
        let lengths = [Int](repeating: 5, count: 2) + [Int](repeating: 40, count: 18) + [Int](repeating: 80, count: 20)
        let texts = lengths.enumerated().map { index, length in
            String(index) + String(repeating: "x", count: length - String(index).count)
        }
        let all = suggestions(CleaningTable(columnNames: ["t"], columns: [texts]))
        let length = try #require(all.first { $0.rule == .textLength })
        #expect(length.constraint.kind == .length(column: "t", minimum: 14, maximum: 160))
        #expect(abs((length.figure("log_length_fence") ?? 0) - 40 * pow(0.5, 1.5)) < 1e-9)
        #expect(length.figure("sample_values_below_min") == 2)
        #expect(length.reason.contains("2 sampled values are shorter"))
        // Fewer than 20 values: no minimum, only the maximum.
        let few = suggestions(CleaningTable(columnNames: ["t"], columns: [Array(texts.prefix(19))]))
        #expect(constraint(few, .textLength) == .length(column: "t", minimum: nil, maximum: 80))
        // A different factor and fence.
        let strict = ConstraintSuggester(configuration: .init(lengthFence: 0, maxLengthFactor: 3))
        let strictLength = strict.suggest(
            profile: TableProfile.profile(CleaningTable(columnNames: ["t"], columns: [texts])))
        #expect(constraint(strictLength, .textLength) == .length(column: "t", minimum: 40, maximum: 240))
    }

    @Test func validTextFollowsTheControlsSeen() throws {
        func rule(_ texts: [String]) -> ConstraintKind? {
            constraint(
                suggestions(CleaningTable(columnNames: ["t"], columns: [texts.map { Optional($0) }])), .validText)
        }
        let clean = (0..<30).map { "message number \($0)" }
        #expect(rule(clean) == .validText(column: "t", rejectC1Controls: true))
        #expect(rule(clean + ["it\u{92}s"]) == .validText(column: "t", rejectC1Controls: false))
        // Non-ASCII text without C1 controls: mis-decoded punctuation may still appear, so C1 stays allowed.
        #expect(rule(clean + ["café"]) == .validText(column: "t", rejectC1Controls: false))
        #expect(rule(clean + ["bell\u{7}"]) == nil)
        #expect(rule(clean + ["bad \u{FFFD}"]) == nil)
    }

    @Test func nonEmptyAndUniquenessNeedTheirEvidence() throws {
        let texts = (0..<30).map { "message number \($0)" }
        let unique = suggestions(CleaningTable(columnNames: ["t"], columns: [texts]))
        #expect(constraint(unique, .unique) == .unique(columns: ["t"]))
        #expect(constraint(unique, .nonEmpty) == .matches(column: "t", pattern: ConstraintSuggester.nonEmptyPattern))
        let repeated = suggestions(CleaningTable(columnNames: ["t"], columns: [texts + ["message number 3", " "]]))
        #expect(constraint(repeated, .unique) == nil)
        #expect(constraint(repeated, .nonEmpty) == nil)
        // Fewer than 10 values prove nothing about uniqueness.
        #expect(
            constraint(suggestions(CleaningTable(columnNames: ["t"], columns: [Array(texts.prefix(9))])), .unique)
                == nil)
        // The non-empty pattern accepts any text with a visible character and rejects blanks.
        let set = ConstraintSet([Constraint(.matches(column: "t", pattern: ConstraintSuggester.nonEmptyPattern))])
        let report = try set.validate(
            CleaningTable(columnNames: ["t"], rows: [["a"], [" x\n"], [""], [" \t"], ["\n\ny"]]))
        #expect(report.results[0].failures.map(\.row) == [2, 3])
    }

    @Test func uniquenessOfASampleNeedsEvidenceForTheWholeTable() throws {
        // 200 distinct ids from a table of 5,574 (ids 0…5573): 200 values drawn independently from a span of about
        // 5,500 would repeat about 3.6 times, so distinct ids are a key.
        let ids = (0..<200).map { String($0 * 27 + 13) }
        let texts = (0..<200).map { "message number \($0)" }
        let table = CleaningTable(columnNames: ["id", "text"], columns: [ids, texts])
        let sampled = suggester.suggest(profile: TableProfile.profile(table, populationRows: 5574))
        let id = try #require(sampled.first { $0.rule == .unique && $0.column == "id" })
        #expect(id.reason.contains("a key") && (id.figure("expected_repeats_if_independent") ?? 0) > 3)
        #expect(constraint(sampled, .nonNegative, column: "id") == .range(column: "id", minimum: 0, maximum: nil))
        // The texts: a unique sample of 200 from 5,574 rows can hide 3 · (5574/200)² ≈ 2,330 duplicate pairs.
        #expect(!sampled.contains { $0.rule == .unique && $0.column == "text" })
        // Profiled whole, both are unique.
        let whole = suggestions(table)
        #expect(constraint(whole, .unique, column: "text") == .unique(columns: ["text"]))
        // From a table of 250,000 rows a 200-row sample says nothing about ids spread over a span of millions.
        let sparseIDs = CleaningTable(columnNames: ["id"], columns: [(0..<200).map { String($0 * 12_345) }])
        let sparse = suggester.suggest(profile: TableProfile.profile(sparseIDs, populationRows: 250_000))
        #expect(constraint(sparse, .unique) == nil && constraint(sparse, .nonNegative) == nil)
        #expect(constraint(sparse, .numericRange) != nil)
        // A sample large enough for the bound: 3 · (N/n)² ≤ 1 % of N when n² ≥ 300 N (N = 1,000: n ≥ 548).
        let many = CleaningTable(columnNames: ["t"], columns: [(0..<600).map { "message number \($0)" }])
        let large = suggester.suggest(profile: TableProfile.profile(many, populationRows: 1000))
        #expect(constraint(large, .unique) == .unique(columns: ["t"]))
        let small = suggester.suggest(
            profile: TableProfile.profile(try many.sample(rows: 500, seed: 1), populationRows: 1000))
        #expect(constraint(small, .unique) == nil)
    }

    @Test func uniqueRowsWhenNoColumnIsUnique() throws {
        let rows = (0..<30).map { ["g\($0 % 10)", "v\($0 % 3)"] as [String?] }
        let all = suggestions(CleaningTable(columnNames: ["a", "b"], rows: rows))
        #expect(constraint(all, .uniqueRows) == .unique(columns: ["a", "b"]))
        let repeated = suggestions(CleaningTable(columnNames: ["a", "b"], rows: rows + [rows[0]]))
        #expect(constraint(repeated, .uniqueRows) == nil)
    }

    @Test func patternOnlyWhenEveryValueHasOneShape() throws {
        let codes = (0..<20).map { "ZX-\(1000 + $0)" }
        #expect(
            constraint(suggestions(CleaningTable(columnNames: ["c"], columns: [codes])), .pattern)
                == .matches(column: "c", pattern: "[A-Z]{2}-[0-9]{4}"))
        #expect(
            constraint(suggestions(CleaningTable(columnNames: ["c"], columns: [codes + ["zx-1"]])), .pattern) == nil)
    }

    @Test func literalCharactersOfShapesAreEscaped() throws {
        let values = (0..<12).map { "v\($0 % 10).(x)+?" }
        let table = CleaningTable(columnNames: ["c"], columns: [values])
        let pattern = try #require(suggestions(table).first { $0.rule == .pattern })
        #expect(pattern.constraint.kind == .matches(column: "c", pattern: "[a-z][0-9]\\.\\([a-z]\\)\\+\\?"))
        let report = try ConstraintSet([pattern.constraint]).validate(table)
        #expect(report.results[0].rowsFailed == 0)
    }

    @Test func categoricalRatioAndLimit() throws {
        // 3 values in 30 rows: at most 10 % distinct → categorical.
        let three = (0..<30).map { ["a", "b", "c"][$0 % 3] }
        #expect(constraint(suggestions(CleaningTable(columnNames: ["l"], columns: [three])), .categoricalRange) != nil)
        // 4 values in 30 rows is more than 10 %.
        let four = (0..<30).map { ["a", "b", "c", "d"][$0 % 4] }
        #expect(constraint(suggestions(CleaningTable(columnNames: ["l"], columns: [four])), .categoricalRange) == nil)
        // Numeric categorical columns get a range rather than a value list.
        let ratings = (0..<50).map { String(1 + $0 % 5) }
        let rated = suggestions(CleaningTable(columnNames: ["r"], columns: [ratings]))
        #expect(constraint(rated, .categoricalRange) == nil)
        #expect(constraint(rated, .numericRange) == .range(column: "r", minimum: 0, maximum: 6))
    }
}
