import Foundation
import Labeling
import Tabular
import Testing
@testable import Cleaning

struct ConstraintEvaluationTests {
    static let table = CleaningTable(
        columnNames: ["id", "label", "text", "age", "zip", "city"],
        rows: [
            ["1", "ham", "hello there", "34", "12345", "Springfield"],
            ["2", "spam", "WIN a prize, mail win@prizes.example now", "x", "1234", "Springfield"],
            ["3", " Ham", nil, "130", "12345", "Shelbyville"],
            ["1", "spam", "hello there", "-1", "54321", "Ogdenville"],
            ["5", "?", "bad\u{07}text", nil, nil, nil],
        ])

    private func result(_ component: some ConstraintComponent, options: ValidationOptions = .init()) throws
        -> ConstraintResult
    {
        try #require(try ConstraintSet([component.constraint]).validate(Self.table, options: options).results.first)
    }

    private func failingRows(_ component: some ConstraintComponent) throws -> [Int] {
        try result(component).failures.map(\.row)
    }

    @Test func columnConstraints() throws {
        #expect(try failingRows(NotNull("text")) == [2])
        #expect(try failingRows(Unique("id")) == [3])
        #expect(try result(Unique("id")).failures.first?.reason == "duplicate of row 0")
        #expect(try failingRows(Unique("id", "label")) == [])
        #expect(try failingRows(Parses("age", as: .integer)) == [1])
        #expect(try result(Parses("age", as: .integer)).rowsEvaluated == 4)
        #expect(try failingRows(InRange("age", minimum: 0, maximum: 120)) == [1, 2, 3])
        #expect(try failingRows(Length("text", minimum: 1, maximum: 12)) == [1])
        #expect(try failingRows(Matches("zip", "[0-9]{5}")) == [1])
        #expect(try failingRows(AllowedValues("label", ["ham", "spam"])) == [2, 4])
    }

    @Test func valueTypes() {
        #expect(ValueType.integer.accepts("-12") && !ValueType.integer.accepts("1.5") && !ValueType.integer.accepts(""))
        #expect(
            ValueType.decimal.accepts("1.5e-3") && ValueType.decimal.accepts(".5") && !ValueType.decimal.accepts("nan"))
        #expect(ValueType.boolean.accepts("Yes") && !ValueType.boolean.accepts("maybe"))
        #expect(ValueType.isoDate.accepts("2024-02-29") && !ValueType.isoDate.accepts("2023-02-29"))
        #expect(ValueType.isoDate.accepts("2024-01-31T12:30:00Z") && !ValueType.isoDate.accepts("2024-13-01"))
        #expect(ValueType.url.accepts("https://example.com/a?b=1") && !ValueType.url.accepts("example.com"))
        #expect(
            ValueType.email.accepts("a.b+c@example.co.uk") && !ValueType.email.accepts("a@b")
                && !ValueType.email.accepts("@x.com"))
    }

    @Test func crossRowConstraints() throws {
        let fd = try result(FunctionalDependency(["zip"], ["city"]))
        #expect(fd.failures.map(\.row) == [0, 2])
        #expect(fd.failures.first?.reason.contains("2 different values of city") == true)
        let denial = try result(Denial([PairPredicate("id", .equal), PairPredicate("label", .notEqual)]))
        #expect(denial.failures.map(\.row) == [0, 3])
        #expect(denial.failures.first?.reason.hasPrefix("with row 3") == true)
        let check = try result(
            RowCheck(if: [Comparison("label", .equal, "spam")], require: [Comparison("age", .greaterOrEqual, "0")]))
        // Row 1 compares "x" with "0" as text ("x" > "0"), so only row 3 fails.
        #expect(check.rowsEvaluated == 2 && check.failures.map(\.row) == [3])
    }

    @Test func denialWithSeveralUnequalColumnsComparesPairs() throws {
        let table = CleaningTable(
            columnNames: ["k", "a", "b"],
            rows: [["1", "x", "p"], ["1", "x", "q"], ["1", "y", "r"], ["2", "x", "p"]])
        let report = try ConstraintSet {
            Denial([PairPredicate("k", .equal), PairPredicate("a", .notEqual), PairPredicate("b", .notEqual)])
        }
        .validate(table)
        #expect(report.results[0].failures.map(\.row) == [0, 1, 2])
    }

    @Test func datasetConstraints() throws {
        #expect(try result(RowCount(minimum: 10)).passed == false)
        #expect(try result(RowCount(minimum: 1, maximum: 5)).passed)
        let distribution = try result(ClassDistribution("label", [ClassBound("spam", minimum: 0.5)]))
        #expect(!distribution.passed && distribution.detail?.contains("spam 40.0%") == true)
        let labeled = try result(LabeledFraction("label", minimum: 0.9, unlabeled: ["?"]))
        #expect(!labeled.passed && labeled.rowsFailed == 1 && labeled.failures.map(\.row) == [4])
        #expect(try result(LabeledFraction("label", minimum: 0.8, unlabeled: ["?"])).passed)
    }

    @Test func textConstraints() throws {
        #expect(try failingRows(ValidText("text")) == [4])
        #expect(try result(ValidText("text")).failures.first?.reason == "control character U+0007")
        #expect(Constraint.textProblem("tab\tand\r\nnewlines") == nil)
        #expect(Constraint.textProblem("bad \u{FFFD}") != nil && Constraint.textProblem("c1 \u{85}") == nil)
        #expect(Constraint.textProblem("c1 \u{92}", rejectC1Controls: true) == "control character U+0092")
        #expect(try failingRows(NearDuplicates("text")) == [3])
    }

    @Test func piiValuesAreHiddenUnlessRequested() throws {
        let hidden = try result(NoPII("text"))
        #expect(hidden.failures.map(\.row) == [1])
        #expect(hidden.failures.first?.reason == "contains email")
        #expect(hidden.failures.first?.value == nil && hidden.sampleValues.isEmpty)
        let shown = try result(NoPII("text"), options: ValidationOptions(includeSensitiveValues: true))
        #expect(shown.failures.first?.value?.contains("win@prizes.example") == true)
        #expect(try result(AllowedValues("label", ["ham", "spam"])).sampleValues == [" Ham", "?"])
    }

    @Test func mostlyAndSeverityDecidePassing() throws {
        #expect(try result(NotNull("text").mostly(0.8)).passed)
        #expect(try result(NotNull("text").mostly(0.9)).passed == false)
        let report = try ConstraintSet {
            NotNull("text").severity(.warning); Unique("id").mostly(0.8)
        }.validate(Self.table)
        #expect(report.passed)
        #expect(try ConstraintSet { NotNull("text") }.validate(Self.table).passed == false)
    }

    @Test func parallelAndSequentialEvaluationAgree() throws {
        let set = ConstraintSet {
            NotNull("text"); Unique("id"); NoPII("text"); AllowedValues("label", ["ham", "spam"]);
            NearDuplicates("text")
        }
        #expect(
            try set.validate(Self.table, options: .init(parallel: true))
                == set.validate(Self.table, options: .init(parallel: false)))
    }

    @Test func failureListsAreCappedButCountsAreNot() throws {
        let report = try ConstraintSet { AllowedValues("label", ["none"]) }
            .validate(Self.table, options: ValidationOptions(maxFailuresListed: 2))
        #expect(report.results[0].rowsFailed == 5 && report.results[0].failures.count == 2)
    }

    @Test func unknownColumnsAndBadDefinitionsThrow() {
        #expect(throws: CleaningError.self) { try ConstraintSet { NotNull("missing") }.validate(Self.table) }
        #expect(throws: CleaningError.self) { try ConstraintSet { Matches("zip", "(") }.validate(Self.table) }
        #expect(throws: CleaningError.self) {
            try ConstraintSet { InRange("age", minimum: 5, maximum: 1) }.validate(Self.table)
        }
        #expect(throws: CleaningError.self) {
            try ConstraintSet { NotNull("text").repair(.keepFirst) }.validate(Self.table)
        }
    }

    @Test func reportsRenderAsTableMarkdownAndJSON() throws {
        let report = try ConstraintSet {
            NotNull("text"); Unique("id").severity(.warning); NoPII("text")
        }.validate(Self.table)
        let text = report.tableText()
        #expect(
            text.contains("not_null(text)") && text.contains("FAIL") && text.contains("warn")
                && text.contains("row 2: null"))
        let lines = text.split(separator: "\n")
        // Numbers are right-aligned under their header: "evaluated" ends where each count ends.
        let end = try #require(lines[0].range(of: "evaluated")?.upperBound.utf16Offset(in: lines[0]))
        for line in lines[2...4] {
            let characters = Array(line.utf16)
            #expect(characters[end - 1] >= 0x30 && characters[end - 1] <= 0x39 && characters[end] == 0x20)
        }
        let markdown = report.markdown()
        #expect(
            markdown.contains("| not_null(text) | not_null | error | 5 | 1 |") && markdown.contains("## unique(id)"))
        let json = try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any]
        let results = json?["results"] as? [[String: Any]]
        #expect(results?.count == 3 && results?[0]["rows_failed"] as? Int == 1 && json?["row_count"] as? Int == 5)
        #expect(try JSONDecoder().decode(ValidationReport.self, from: report.jsonData()) == report)
    }

    @Test func tablesComeFromLabelingReaders() throws {
        let text = try CSVReader.parse(Array("id,text\n1,hi\n2,\n".utf8), source: "t.csv")
        let table = CleaningTable(text)
        #expect(table.source == "t.csv" && table.columns[1] == ["hi", nil])
        #expect(try ConstraintSet { NotNull("text") }.validate(table).results[0].failures.map(\.row) == [1])
        #expect(throws: CleaningError.self) { try table.column("nope") }
    }
}
