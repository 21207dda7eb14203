import Foundation
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
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cleaning-spec-\(UUID().uuidString).yaml")
        try Self.spec.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try ConstraintSpec.load(url) == Self.built)
        #expect(throws: CleaningError.self) { try ConstraintSpec.load(url.appendingPathExtension("missing")) }
    }

    private func specError(_ text: String) -> CleaningError? {
        do { _ = try ConstraintSpec.parse(text, source: "bad.yaml"); return nil } catch {
            return error as? CleaningError
        }
    }

    @Test func unknownKindNamesFileConstraintAndField() {
        let error = specError("constraints:\n  - kind: not_a_kind\n    column: x\n")
        #expect(error?.description.contains("bad.yaml") == true)
        guard case let .invalidSpec(source, constraint, field, reason)? = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(source == "bad.yaml" && constraint == "#1" && field == "kind" && reason.contains("not_a_kind"))
    }

    @Test func invalidRegexIsRejected() {
        let error = specError("constraints:\n  - kind: regex\n    column: zip\n    pattern: \"[0-9\"\n")
        guard case let .invalidSpec(_, constraint, field, _)? = error else {
            Issue.record("\(String(describing: error))"); return
        }
        #expect(constraint == "regex(zip)" && field == "pattern")
    }

    @Test func mostlyOutsideZeroOneIsRejected() {
        let error = specError(
            "constraints:\n  - kind: not_null\n    column: text\n    name: text present\n    mostly: 1.5\n")
        #expect(
            error
                == .invalidSpec(
                    source: "bad.yaml", constraint: "text present", field: "mostly",
                    reason: "must be between 0 and 1, got 1.5"))
        #expect(throws: CleaningError.self) { try ConstraintSet { NotNull("x").mostly(-0.1) }.validateDefinitions() }
    }

    @Test func otherSpecMistakesAreNamed() {
        #expect(specError("constraints:\n  - kind: not_null\n    colum: text\n") != nil)
        #expect(specError("rules: []\n") != nil)
        #expect(specError("constraints: [ {kind: ") != nil)
        #expect(specError("constraints:\n  - kind: unique\n    columns: [id]\n    repair: explode\n") != nil)
        #expect(
            specError("constraints:\n  - kind: regex\n    column: a\n    pattern: x\n    repair: {redact_pii: mask}\n")
                != nil)
        #expect(specError("constraints:\n  - kind: range\n    column: a\n    min: ten\n") != nil)
        #expect(
            specError("constraints:\n  - kind: not_null\n    column: a\n  - kind: not_null\n    column: a\n") != nil)
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
