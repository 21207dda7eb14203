import Foundation
import FoundryTestSupport
import Testing

@testable import Cleaning

/// The seeded corrupter damages exactly the stated fractions, each kind as documented; the evaluation protocol
/// finds every kind of damage on a table whose clean rows the synthesized constraints all accept.
struct SuggestionCorrupterTests {
    /// `rows` clean rows: an integer id, a ham/spam label and distinct texts of 20–120 characters.
    static func cleanTable(rows: Int) -> CleaningTable {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let words = ["call", "me", "later", "free", "prize", "now", "ok", "see", "you", "at", "home", "txt", "win"]
        let texts = (0..<rows).map { row -> String? in
            var text = "m\(row)"
            let target = 20 + Int(next() % 101)
            while text.count < target { text += " " + words[Int(next() % UInt64(words.count))] }
            return String(text.prefix(target))
        }
        return CleaningTable(
            source: "clean", columnNames: ["id", "label", "text"],
            columns: [(0..<rows).map { String($0) }, (0..<rows).map { $0 % 9 == 0 ? "spam" : "ham" }, texts])
    }

    func corrupt(_ table: CleaningTable, seed: UInt64 = 5) throws -> TableCorrupter.Result {
        try TableCorrupter(configuration: .init(textColumn: "text", labelColumn: "label", seed: seed)).corrupt(table)
    }

    @Test func damagesExactlyTheStatedFractionsOnceEach() throws {
        let table = Self.cleanTable(rows: 1000)
        let result = try corrupt(table)
        for kind in TableCorrupter.Corruption.allCases { #expect(result.rows(kind).count == 20, "\(kind)") }
        #expect(result.damage.compactMap { $0 }.count == 120)
        // Undamaged rows are unchanged; damaged rows changed (a duplicate differs from its own original row).
        for row in 0..<1000 {
            let before = table.row(row), after = result.table.row(row)
            if result.damage[row] == nil { #expect(before == after) } else { #expect(before != after) }
        }
        #expect(result.table.rowIDs == table.rowIDs && result.table.columnNames == table.columnNames)
        // 3 % of 1,000 rows is 30 per kind; ⌊0.02 × 1,049⌋ = 20.
        let three = try TableCorrupter(
            configuration: .init(textColumn: "text", labelColumn: "label", fraction: 0.03, seed: 1)
        ).corrupt(table)
        #expect(three.rows(.truncated).count == 30)
        #expect(try corrupt(Self.cleanTable(rows: 1049)).rows(.blownUp).count == 20)
    }

    @Test func sameSeedSameDamage() throws {
        let table = Self.cleanTable(rows: 500)
        let a = try corrupt(table, seed: 11), b = try corrupt(table, seed: 11), c = try corrupt(table, seed: 12)
        #expect(a == b)
        #expect(a.damage != c.damage)
    }

    @Test func eachKindDamagesAsDocumented() throws {
        let table = Self.cleanTable(rows: 1000)
        let result = try corrupt(table)
        let text = try #require(result.table.columnIndex("text")),
            label = try #require(result.table.columnIndex("label"))
        let longest = table.columns[text].compactMap { $0?.unicodeScalars.count }.max() ?? 0
        for row in result.rows(.nullOrEmpty) {
            let value = result.table.columns[text][row]
            #expect(value == nil || value == "" || value == " ")
        }
        for row in result.rows(.unknownLabel) {
            #expect(!["ham", "spam"].contains(result.table.columns[label][row] ?? "ham"))
        }
        for row in result.rows(.controlCharacters) {
            let value = try #require(result.table.columns[text][row])
            #expect(Constraint.textProblem(value) != nil)
            // Removing the controls gives the original text back.
            let stripped = String(value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
            #expect(stripped == table.columns[text][row])
        }
        for row in result.rows(.truncated) {
            let value = try #require(result.table.columns[text][row])
            let original = try #require(table.columns[text][row])
            #expect((1...4).contains(value.unicodeScalars.count) && original.hasPrefix(value) && value != original)
        }
        for row in result.rows(.blownUp) {
            let value = try #require(result.table.columns[text][row])
            #expect(value.unicodeScalars.count > 2 * longest && value.unicodeScalars.count <= 4 * longest + 1)
        }
        for row in result.rows(.duplicate) {
            let source = try #require(result.duplicateSources[row])
            #expect(source < row && result.damage[source] == nil)
            #expect(result.table.row(row) == result.table.row(source))
        }
    }

    @Test func badInputsAreNamed() throws {
        let table = Self.cleanTable(rows: 100)
        #expect(
            throws: CleaningError.unknownColumn(
                source: "clean", constraint: "corrupter", field: "label_column", column: "class",
                available: ["id", "label", "text"])
        ) {
            try TableCorrupter(configuration: .init(textColumn: "text", labelColumn: "class", seed: 1)).corrupt(table)
        }
        // Six kinds of 20 % each do not fit in the table.
        #expect(throws: CleaningError.self) {
            try TableCorrupter(configuration: .init(textColumn: "text", labelColumn: "label", fraction: 0.2, seed: 1))
                .corrupt(table)
        }
        #expect(throws: CleaningError.self) {
            try ConstraintSynthesisEvaluation.run(
                table: table, textColumn: "text", labelColumn: "label", sampleRows: 101, seed: 1)
        }
    }

    @Test func evaluationFlagsEveryKindWithoutFalsePositives() throws {
        // Texts of 20–120 characters, distinct: the length fence, the unique id, the allowed labels, valid text and
        // not-null / not-empty together catch every kind of damage, and no clean row fails.
        let table = Self.cleanTable(rows: 2000)
        for seed: UInt64 in [1, 2] {
            let result = try ConstraintSynthesisEvaluation.run(
                table: table, textColumn: "text", labelColumn: "label", sampleRows: 300, seed: seed)
            #expect(result.damagedRows == 240 && result.undamagedRows == 1760)
            for kind in result.kinds { #expect(kind.recall == 1, "\(kind.kind): missed \(kind.missedRows)") }
            #expect(result.recall == 1 && result.falsePositiveRate == 0 && result.falsePositivesByConstraint.isEmpty)
            #expect(result.truncatedByLength.map(\.damaged).reduce(0, +) == 40)
            #expect(result.constraints.contains("unique(id)") && result.constraints.contains("allowed_values(label)"))
        }
    }

    @Test func evaluationCountsFalsePositivesPerConstraint() throws {
        // A clean text shorter than the length fence ("Ok") is counted as a false positive of the length constraint.
        var table = Self.cleanTable(rows: 1000)
        table.setCell(row: 3, column: 2, to: "Ok")
        let noID = CleaningTable(
            source: "clean", columnNames: ["label", "text"], columns: [table.columns[1], table.columns[2]])
        let result = try ConstraintSynthesisEvaluation.run(
            table: noID, textColumn: "text", labelColumn: "label", sampleRows: 200, seed: 3)
        let length = result.falsePositivesByConstraint.first { $0.constraint == "length(text)" }
        #expect(length?.rows == 1)
        #expect(result.undamagedRowsFlagged >= 1)
    }
}
