import Foundation
import FoundryTestSupport
import Testing

@testable import Cleaning

/// Column profiles of a small hand-made table whose figures are known.
struct SuggestionProfileTests {
    /// 20 rows: an integer key, a categorical label, a decimal score, shaped codes, free text with nulls, booleans.
    static let notes: [String?] = [
        nil, nil, nil, nil, "hello world", " padded", "URGENT", "call 12345 now", "ok", "see you at 5",
        "fine", "lunch?", "tab\there", "two\nlines", "thanks", "bye", "later", "why not", "sure", "done",
    ]
    static let table = CleaningTable(
        source: "hand-made",
        columnNames: ["id", "label", "score", "code", "note", "flag"],
        columns: [
            (1...20).map { String($0) },
            (1...20).map { $0 <= 15 ? "ham" : "spam" },
            (1...20).map { String(Double($0) * 0.5) },
            (1...20).map { $0 == 20 ? "AB-100" : "AB-\(10 + $0)" },
            notes,
            (1...20).map { $0 % 2 == 0 ? "true" : "false" },
        ])

    @Test func integerKeyColumn() throws {
        let profile = try #require(TableProfile.profile(Self.table).column("id"))
        #expect(profile.rows == 20 && profile.nullCount == 0 && profile.emptyCount == 0)
        #expect(profile.inferredType == .integer)
        #expect(profile.distinctCount == 20 && profile.distinctRatio == 1 && profile.isUnique)
        #expect(profile.duplicateCount == 0 && !profile.isCategorical && profile.values == nil)
        let numeric = try #require(profile.numeric)
        #expect(numeric.minimum == 1 && numeric.maximum == 20 && numeric.mean == 10.5)
        // Population standard deviation of 1…20: sqrt((20² − 1) / 12).
        #expect(abs(numeric.standardDeviation - (399.0 / 12).squareRoot()) < 1e-12)
        // Nearest rank: position round(p · 19) of the sorted values.
        #expect(numeric.lowerQuartile == 6 && numeric.median == 11 && numeric.upperQuartile == 15)
        #expect(numeric.percentile1 == 1 && numeric.percentile99 == 20)
        #expect(profile.patterns == [ColumnProfile.PatternCount(pattern: "[0-9]{1,2}", count: 20)])
    }

    @Test func categoricalLabelAndBooleanFlag() throws {
        let profile = TableProfile.profile(Self.table)
        let label = try #require(profile.column("label"))
        #expect(label.inferredType == .text && label.isCategorical && label.distinctCount == 2)
        #expect(label.values == [.init(value: "ham", count: 15), .init(value: "spam", count: 5)])
        #expect(label.duplicateCount == 18 && !label.isUnique)
        let flag = try #require(profile.column("flag"))
        #expect(flag.inferredType == .boolean && flag.isCategorical)
        // A tie in counts is broken in text order.
        #expect(flag.values == [.init(value: "false", count: 10), .init(value: "true", count: 10)])
        #expect(flag.typeCounts.boolean == 20 && flag.typeCounts.integer == 0)
    }

    @Test func fractionalScore() throws {
        let profile = try #require(TableProfile.profile(Self.table).column("score"))
        #expect(profile.inferredType == .fractional)
        #expect(profile.typeCounts.fractional == 20 && profile.typeCounts.integer == 0)
        let numeric = try #require(profile.numeric)
        #expect(numeric.minimum == 0.5 && numeric.maximum == 10 && numeric.mean == 5.25)
    }

    @Test func shapedCodesMergeRunLengths() throws {
        let profile = try #require(TableProfile.profile(Self.table).column("code"))
        #expect(profile.inferredType == .text && profile.isUnique)
        #expect(profile.patterns == [ColumnProfile.PatternCount(pattern: "[A-Z]{2}-[0-9]{2,3}", count: 20)])
        #expect(profile.distinctPatternCount == 1 && profile.valuesWithoutPattern == 0)
        #expect(profile.characters.valuesAllUppercase == 20 && profile.characters.valuesWithDigits == 20)
    }

    @Test func freeTextWithNullsLengthsAndCharacters() throws {
        let profile = try #require(TableProfile.profile(Self.table).column("note"))
        #expect(profile.nullCount == 4 && profile.nullRate == 0.2 && profile.nonNullCount == 16)
        #expect(profile.inferredType == .text && profile.isUnique && !profile.isCategorical)
        let lengths = try #require(profile.lengths)
        #expect(lengths.count == 16 && lengths.minimum == 2 && lengths.maximum == 14)  // "ok", "call 12345 now"
        #expect(profile.shortLengthCounts[2] == 1 && profile.shortLengthCounts[3] == 1)  // "ok", "bye"
        let characters = profile.characters
        #expect(characters.valuesWithSurroundingWhitespace == 1)  // " padded"
        #expect(characters.valuesAllUppercase == 1)  // "URGENT"
        #expect(characters.valuesWithDigits == 2 && characters.valuesWithLongDigitRuns == 1)
        #expect(characters.valuesWithLineBreaks == 1)  // a tab is neither a break nor a control
        #expect(characters.valuesWithControlCharacters == 0 && characters.controlCharactersSeen.isEmpty)
    }

    @Test func controlCharactersAndEmptyValuesAreCounted() throws {
        let table = CleaningTable(
            columnNames: ["text"],
            rows: [["a\u{7}b"], ["\u{92}quoted\u{92}"], ["bad \u{FFFD}"], ["  "], [""], ["x\u{7F}"], ["fine"]])
        let profile = try #require(TableProfile.profile(table).column("text"))
        #expect(profile.emptyCount == 2 && profile.emptyRate == 2.0 / 7)
        #expect(profile.characters.valuesWithControlCharacters == 2)
        #expect(profile.characters.valuesWithC1Controls == 1)
        #expect(profile.characters.valuesWithReplacementCharacter == 1)
        #expect(profile.characters.controlCharactersSeen == ["U+0007", "U+007F", "U+0092"])
        #expect(profile.characters.valuesWithNonASCII == 2)
    }

    @Test func duplicateRowsAndTypesOfOtherColumns() throws {
        let table = CleaningTable(
            columnNames: ["when", "site", "mail", "n"],
            rows: [
                ["2024-01-02", "https://a.example/x", "a@b.co", "1"],
                ["2024-02-29T10:00", "http://b.example", "c.d@e.org", "2"],
                ["2024-01-02", "https://a.example/x", "a@b.co", "1"],
            ])
        let profile = TableProfile.profile(table)
        #expect(profile.rows == 3 && profile.duplicateRows == 1)
        #expect(profile.columns.map(\.inferredType) == [.date, .url, .email, .integer])
        let empty = TableProfile.profile(CleaningTable(columnNames: ["a"], rows: [[nil], [nil]]))
        #expect(empty.columns[0].inferredType == .unknown && empty.columns[0].lengths == nil)
        #expect(empty.columns[0].nullRate == 1 && empty.columns[0].distinctRatio == 0)
    }

    @Test func sampleIsSeededInOrderAndBounded() throws {
        let table = CleaningTable(columnNames: ["n"], columns: [(0..<100).map { String($0) }])
        let a = try table.sample(rows: 10, seed: 3)
        let b = try table.sample(rows: 10, seed: 3)
        let c = try table.sample(rows: 10, seed: 4)
        #expect(a == b && a != c)
        #expect(a.rowCount == 10 && a.rowIDs == a.rowIDs.sorted() && Set(a.rowIDs).count == 10)
        #expect(a.columns[0] == a.rowIDs.map { Optional(String($0)) })
        #expect(try table.sample(rows: 100, seed: 1).rowIDs == Array(0..<100))
        #expect(throws: CleaningError.self) { try table.sample(rows: 101, seed: 1) }
        do {
            _ = try table.sample(rows: 101, seed: 1)
        } catch {
            #expect("\(error)".contains("101 rows was asked for, but the table has only 100 rows"))
        }
        #expect(throws: CleaningError.self) { try table.sample(rows: 0, seed: 1) }
    }

    @Test func profileIsCodable() throws {
        let profile = TableProfile.profile(Self.table)
        let data = try JSONEncoder().encode(profile)
        #expect(try JSONDecoder().decode(TableProfile.self, from: data) == profile)
    }
}
