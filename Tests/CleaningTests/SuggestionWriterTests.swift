import Foundation
import FoundryTestSupport
import Testing

@testable import Cleaning

/// `ConstraintSpecWriter` writes specs that `ConstraintSpec.parse` reads back equal.
struct SuggestionWriterTests {
    /// Every kind, every repair, names, severities, `mostly`, and text YAML would otherwise misread.
    static let everything = ConstraintSet([
        Constraint(.notNull(column: "text")),
        Constraint(.notNull(column: "yes"), name: "null", severity: .warning, mostly: 0.95, repair: .dropRow),
        Constraint(.unique(columns: ["id", "a b"]), repair: .keepFirst),
        Constraint(.parses(column: "sent", type: .isoDate), repair: .setNull),
        Constraint(.range(column: "age", minimum: -0.5, maximum: 1e-7), repair: .impute(.median)),
        Constraint(.range(column: "n", minimum: nil, maximum: 120)),
        Constraint(.length(column: "text", minimum: 5, maximum: nil), repair: .impute(.mode)),
        Constraint(
            .matches(column: "zip", pattern: "[0-9]{5}(-[0-9]{4})?\\s*\"#"), repair: .impute(.constant("00000"))),
        Constraint(.matches(column: "t", pattern: ConstraintSuggester.nonEmptyPattern), name: "not_empty(t)"),
        Constraint(
            .allowedValues(
                column: "label",
                values: ["ham", "spam", "0", "true", "null", "~", "", "a: b", "# c", "x\u{7}y", "é\u{92}", "\u{2028}"]),
            repair: .standardize([.trim, .lowercase, .collapseWhitespace, .nfc])),
        Constraint(.functionalDependency(determinant: ["zip"], dependent: ["city", "state"])),
        Constraint(
            .denial(predicates: [PairPredicate("id", .equal), PairPredicate("label", .notEqual)]), name: "one label"),
        Constraint(
            .rowPredicate(
                condition: [Comparison("label", .equal, "spam")], requirement: [Comparison("text", .isNotNull)])),
        Constraint(
            .rowPredicate(
                condition: [],
                requirement: [Comparison("n", .greaterOrEqual, "3"), Comparison("t", .contains, "\"q\"")]), name: "rp2"),
        Constraint(.rowCount(minimum: 100, maximum: nil)),
        Constraint(
            .classDistribution(
                column: "label", bounds: [ClassBound("spam", minimum: 0.05, maximum: 0.5), ClassBound("ham")])),
        Constraint(.labeledFraction(column: "label", minimum: 0.9, unlabeled: ["?", "unknown"]), repair: .dropRow),
        Constraint(.labeledFraction(column: "label2", minimum: 0.5, unlabeled: [])),
        Constraint(.validText(column: "text", rejectC1Controls: true)),
        Constraint(.validText(column: "body", rejectC1Controls: false)),
        Constraint(
            .nearDuplicates(
                column: "text", configuration: .init(threshold: 0.85, shingleSize: 4, permutations: 64, seed: 7)),
            severity: .warning, repair: .keepFirst),
        Constraint(.noPII(column: "text", kinds: [.email, .creditCard]), repair: .redactPII(.mask)),
        Constraint(.noPII(column: "body", kinds: PIIKind.allCases), repair: .redactPII(.redact)),
    ])

    @Test func everyKindRoundTrips() throws {
        try Self.everything.validateDefinitions()
        let text = ConstraintSpecWriter.yaml(Self.everything)
        let read = try ConstraintSpec.parse(text, source: "written.yaml")
        #expect(read == Self.everything)
        // Names are written only when they differ from the default.
        #expect(!text.contains("name: \"not_null(text)\"") && text.contains("name: \"one label\""))
    }

    @Test func emptySetAndComments() throws {
        #expect(try ConstraintSpec.parse(ConstraintSpecWriter.yaml(ConstraintSet([]))) == ConstraintSet([]))
        let suggestions = ConstraintSuggester().suggest(profile: TableProfile.profile(SuggestionProfileTests.table))
        let text = ConstraintSpecWriter.yaml(suggestions, header: ["first line", "second: line\nwith a break"])
        #expect(text.hasPrefix("# first line\n# second: line\n# with a break\nconstraints:\n"))
        #expect(text.contains("  # text_length: "))
        let read = try ConstraintSpec.parse(text, source: "suggested.yaml")
        #expect(read == ConstraintSet(suggestions.map(\.constraint)))
    }

    @Test func suggestionsOfAWholeProfileRoundTripAndLoadFromAFile() throws {
        let directory = TemporaryDirectory(prefix: "suggestion-writer")
        let table = CleaningTable(
            columnNames: ["id", "label", "text", "score"],
            columns: [
                (0..<200).map { String($0) }, (0..<200).map { $0 % 7 == 0 ? "spam" : "ham" },
                (0..<200).map { "message \($0): " + String(repeating: "ab ", count: 1 + $0 % 40) },
                (0..<200).map { String(Double($0 % 13) / 3) },
            ])
        let suggestions = ConstraintSuggester().suggest(profile: TableProfile.profile(table))
        let url = try directory.write("c.yaml", ConstraintSpecWriter.yaml(suggestions))
        #expect(try ConstraintSpec.load(url) == ConstraintSet(suggestions.map(\.constraint)))
        // The table it came from passes.
        #expect(try ConstraintSpec.load(url).validate(table).results.allSatisfy { $0.rowsFailed == 0 })
    }

    @Test func quotingEscapesWhatYAMLCannotHoldRaw() {
        #expect(ConstraintSpecWriter.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(ConstraintSpecWriter.quoted("\u{7}\u{85}\u{2028}\t") == "\"\\x07\\x85\\u2028\\t\"")
        #expect(ConstraintSpecWriter.number(5) == "5" && ConstraintSpecWriter.number(0.25) == "0.25")
        #expect(ConstraintSpecWriter.number(1e-7) == "1e-07")
    }
}
