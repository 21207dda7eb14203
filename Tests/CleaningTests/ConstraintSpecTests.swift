import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Cleaning

struct ConstraintSpecTests {
    static let spec = """
        constraints:
          - kind: not_null
            column: text
          - kind: unique
            columns: [id]
            repair: keep_first
          - kind: parses
            column: age
            type: integer
            severity: warning
          - kind: range
            column: age
            min: 0
            max: 120
            mostly: 0.9
          - kind: length
            column: text
            min: 1
            max: 1000
          - kind: regex
            column: zip
            pattern: "[0-9]{5}"
            repair: set_null
          - kind: allowed_values
            column: label
            values: [ham, spam]
            repair: {standardize: [trim, lowercase]}
          - kind: functional_dependency
            determinant: [zip]
            dependent: [city]
          - kind: denial
            name: same id, same label
            predicates: [{column: id, relation: equal}, {column: label, relation: not_equal}]
          - kind: row_predicate
            if: [{column: label, op: "==", value: spam}]
            require: [{column: text, op: not_null}]
          - kind: row_count
            min: 1
            max: 1000000
          - kind: class_distribution
            column: label
            bounds: [{value: spam, min: 0.05, max: 0.5}]
          - kind: labeled_fraction
            column: label
            min: 0.5
            unlabeled: ["?"]
          - kind: valid_text
            column: text
            c1_controls: true
          - kind: near_duplicates
            column: text
            threshold: 0.7
            seed: 7
          - kind: no_pii
            column: text
            kinds: [email, phone]
            repair: {redact_pii: redact}
          - kind: parses
            column: age
            type: decimal
            name: age decimal
            repair: {impute: median}
        """

    static let built = ConstraintSet {
        NotNull("text")
        Unique("id").repair(.keepFirst)
        Parses("age", as: .integer).severity(.warning)
        InRange("age", minimum: 0, maximum: 120).mostly(0.9)
        Length("text", minimum: 1, maximum: 1000)
        Matches("zip", "[0-9]{5}").repair(.setNull)
        AllowedValues("label", ["ham", "spam"]).repair(.standardize([.trim, .lowercase]))
        FunctionalDependency(["zip"], ["city"])
        Denial([PairPredicate("id", .equal), PairPredicate("label", .notEqual)]).named("same id, same label")
        RowCheck(if: [Comparison("label", .equal, "spam")], require: [Comparison("text", .isNotNull)])
        RowCount(minimum: 1, maximum: 1_000_000)
        ClassDistribution("label", [ClassBound("spam", minimum: 0.05, maximum: 0.5)])
        LabeledFraction("label", minimum: 0.5, unlabeled: ["?"])
        ValidText("text", rejectC1Controls: true)
        NearDuplicates("text", configuration: .init(threshold: 0.7, seed: 7))
        NoPII("text", kinds: [.email, .phone]).repair(.redactPII(.redact))
        Parses("age", as: .decimal).named("age decimal").repair(.impute(.median))
    }

    @Test func builderAndSpecBuildEqualConstraints() throws {
        let parsed = try ConstraintSpec.parse(Self.spec, source: "spec.yaml")
        #expect(parsed.constraints.count == Self.built.constraints.count)
        for (a, b) in zip(parsed.constraints, Self.built.constraints) { #expect(a == b) }
        #expect(parsed == Self.built)
    }

    @Test func jsonSpecBuildsTheSameValues() throws {
        let json =
            #"{"constraints": [{"kind": "not_null", "column": "text"}, {"kind": "unique", "columns": ["id"], "repair": "keep_first"}]}"#
        let parsed = try ConstraintSpec.parse(json, source: "spec.json")
        #expect(
            parsed
                == ConstraintSet {
                    NotNull("text"); Unique("id").repair(.keepFirst)
                })
    }

    @Test func loadsFromAFile() throws {
        let folder = TemporaryDirectory()
        let url = try folder.write("spec.yaml", Self.spec)
        #expect(try ConstraintSpec.load(url) == Self.built)
        #expect(throws: TabularError.fileUnreadable(path: folder.file("missing.yaml").path, reason: "no such file")) {
            try ConstraintSpec.load(folder.file("missing.yaml"))
        }
        let json = try folder.write("spec.json", #"{"constraints": [{"kind": "not_null", "column": "text"}]}"#)
        #expect(try ConstraintSpec.load(json) == ConstraintSet { NotNull("text") })
        // `.json` files are strict JSON.
        let yamlInJSON = try folder.write("yaml.json", "constraints:\n  - {kind: not_null, column: text}\n")
        #expect {
            try ConstraintSpec.load(yamlInJSON)
        } throws: { error in
            guard case let .invalidSpec(path, line, _, reason) = error as? TabularError else { return false }
            return path == yamlInJSON.path && line == 1 && reason.hasPrefix("invalid JSON")
        }
    }

    private func expectSpecError(
        _ text: String, line: Int?, key: String?, reason: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            throws: TabularError.invalidSpec(path: "bad.yaml", line: line, key: key, reason: reason),
            sourceLocation: sourceLocation
        ) {
            try ConstraintSpec.parse(text, source: "bad.yaml")
        }
    }

    @Test func unknownKindNamesFileLineConstraintAndKey() {
        expectSpecError(
            "constraints:\n  - kind: not_a_kind\n    column: x\n", line: 2, key: "constraints[0].kind",
            reason:
                "constraint #1: unknown value 'not_a_kind'; valid values: allowed_values, class_distribution, denial, "
                + "functional_dependency, labeled_fraction, length, near_duplicates, no_pii, not_null, parses, range, "
                + "regex, row_count, row_predicate, unique, valid_text")
    }

    @Test func invalidRegexIsRejectedAtItsLine() {
        expectSpecError(
            "constraints:\n  - kind: regex\n    column: zip\n    pattern: \"[0-9\"\n", line: 4,
            key: "constraints[0].pattern", reason: "constraint 'regex(zip)': invalid regular expression '[0-9'")
    }

    @Test func mostlyOutsideZeroOneIsRejected() {
        expectSpecError(
            "constraints:\n  - kind: not_null\n    column: text\n    name: text present\n    mostly: 1.5\n", line: 5,
            key: "constraints[0].mostly", reason: "constraint 'text present': must be between 0 and 1, got 1.5")
        #expect(throws: CleaningError.self) { try ConstraintSet { NotNull("x").mostly(-0.1) }.validateDefinitions() }
    }

    @Test func unknownKeySuggestsTheValidOne() {
        expectSpecError(
            "constraints:\n  - kind: not_null\n    colum: text\n", line: 3, key: "constraints[0].colum",
            reason:
                "constraint #1: unknown key 'colum'; valid keys: kind, name, severity, mostly, repair, column; "
                + "did you mean 'column'?")
        expectSpecError(
            "constraint:\n  - kind: not_null\n", line: 1, key: "constraint",
            reason: "unknown key 'constraint'; valid keys: constraints; did you mean 'constraints'?")
        expectSpecError(
            "constraints:\n  - kind: denial\n    predicates: [{column: id, relaton: equal}]\n", line: 3,
            key: "constraints[0].predicates[0].relaton",
            reason: "constraint #1: unknown key 'relaton'; valid keys: column, relation; did you mean 'relation'?")
    }

    @Test func wrongTypeIsReportedAtItsLine() {
        expectSpecError(
            "constraints:\n  - kind: not_null\n    column: text\n  - kind: range\n    column: a\n    min: ten\n",
            line: 6, key: "constraints[1].min", reason: "constraint #2: expected a number, found 'ten'")
        expectSpecError(
            "constraints:\n  - kind: length\n    column: a\n    max: [3]\n", line: 4, key: "constraints[0].max",
            reason: "constraint #1: expected a whole number, found a list")
    }

    @Test func otherSpecMistakesAreNamed() {
        expectSpecError(
            "rules: []\n", line: 1, key: "rules", reason: "unknown key 'rules'; valid keys: constraints")
        expectSpecError("{}\n", line: 1, key: "constraints", reason: "missing key 'constraints'")
        #expect(throws: TabularError.self) { try ConstraintSpec.parse("constraints: [ {kind: ") }
        expectSpecError(
            "constraints:\n  - kind: unique\n    columns: [id]\n    repair: explode\n", line: 4,
            key: "constraints[0].repair",
            reason:
                "constraint 'unique(id)': unknown value 'explode'; valid values: drop_row, set_null, keep_first, "
                + "impute, standardize, redact_pii")
        expectSpecError(
            "constraints:\n  - kind: regex\n    column: a\n    pattern: x\n    repair: {redact_pii: mask}\n",
            line: 5, key: "constraints[0].repair",
            reason: "constraint 'regex(a)': redact_pii applies only to no_pii constraints")
        expectSpecError(
            "constraints:\n  - kind: not_null\n    column: a\n  - kind: not_null\n    column: a\n", line: 4,
            key: "constraints[1]",
            reason: "constraint 'not_null(a)': the constraint on line 2 has the same name; give one a different `name`")
        expectSpecError(
            "constraints:\n  - kind: near_duplicates\n    column: a\n    seed: -1\n", line: 4,
            key: "constraints[0].seed", reason: "constraint #1: must not be negative")
        expectSpecError(
            "constraints:\n  - kind: allowed_values\n    column: a\n    values: [x]\n    repair: {impute: mean}\n",
            line: 5, key: "constraints[0].repair.impute",
            reason: "constraint 'allowed_values(a)': unknown value 'mean'; valid values: mode, median")
        expectSpecError(
            "constraints:\n  - kind: class_distribution\n    column: label\n    bounds: [{value: spam, max: 2}]\n",
            line: 4, key: "constraints[0].bounds",
            reason: "constraint 'class_distribution(label)': must be between 0 and 1, got 2.0")
    }

    @Test func aliasBombsFailFast() throws {
        // Billion laughs: 9^9 values once expanded. The old reader returned a first-item error here by luck and
        // spent exponential time hashing an aliased mapping key; both are now stopped while reading.
        var lines = ["anchors:", "  - &l0 [" + Array(repeating: "lol", count: 9).joined(separator: ", ") + "]"]
        for level in 1..<9 {
            lines.append(
                "  - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        let folder = TemporaryDirectory()
        let values = try folder.write(
            "values.yaml",
            (lines + ["constraints:", "  - kind: allowed_values", "    column: CLASS", "    values: *l8"])
                .joined(separator: "\n"))
        #expect {
            try ConstraintSpec.load(values)
        } throws: { error in
            guard case let .invalidSpec(path, line, key, reason) = error as? TabularError else { return false }
            return path == values.path && line == 7 && key == "anchors[5][0]"
                && reason.contains("once aliases are expanded")
        }
        let key = try folder.write(
            "key.yaml",
            (lines.prefix(8) + ["constraints:", "  - kind: not_null", "    column: CLASS", "    ? *l6", "    : x"])
                .joined(separator: "\n"))
        #expect {
            try ConstraintSpec.load(key)
        } throws: { error in
            guard case let .invalidSpec(path, _, _, _) = error as? TabularError else { return false }
            return path == key.path
        }
    }

    @Test func theSampleConstraintsHoldOnTheSampleCSV() throws {
        let spec = try ConstraintSpec.load(TestData.packageFile("Datasets/samples/youtube_spam_constraints.yaml"))
        let table = try CleaningTable.read(TestData.packageFile("Datasets/samples/youtube_spam_sample.csv"))
        try spec.checkColumns(table.columnNames, source: "youtube_spam_constraints.yaml")
        let report = try spec.validate(table)
        #expect(report.rowCount == 260)
        #expect(report.results.map(\.name) == spec.constraints.map(\.name))
        #expect(report.passed)
        for result in report.results where result.severity == .error {
            #expect(result.rowsFailed == 0, "\(result.name)")
        }
        #expect(report.results.first { $0.kind == "no_pii" }?.rowsFailed == 0)
        // Rows (0-based) that have an earlier comment with exact 5-byte-shingle Jaccard similarity ≥ 0.9, computed
        // apart from Foundry (Python, over the ASCII-lowercased, whitespace-collapsed texts). The MinHash/LSH
        // detector reports no false positives and may miss pairs near the threshold.
        let reference: Set<Int> = [
            40, 41, 58, 64, 67, 95, 97, 99, 117, 119, 123, 124, 133, 140, 155, 156, 162, 163, 173, 176, 180, 187, 188,
            196, 204, 210, 229, 230, 236, 237, 238, 239, 252,
        ]
        let nearDuplicates = try #require(report.results.first { $0.kind == "near_duplicates" })
        let flagged = Set(nearDuplicates.failures.map(\.row))
        #expect(flagged.count == nearDuplicates.rowsFailed)
        #expect(flagged.isSubset(of: reference))
        #expect(flagged.count >= 30)
        #expect(!nearDuplicates.passed && nearDuplicates.severity == .warning)
    }

    @Test func unknownColumnNamesSpecConstraintAndField() {
        let set = ConstraintSet { FunctionalDependency(["zip"], ["town"]) }
        #expect(
            throws: CleaningError.unknownColumn(
                source: "spec.yaml", constraint: "functional_dependency(zip -> town)",
                field: "dependent", column: "town", available: ["zip", "city"])
        ) {
            try set.checkColumns(["zip", "city"], source: "spec.yaml")
        }
    }
}
