import Foundation
import Testing
@testable import Cleaning

struct CleaningTableTests {
    private func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cleaning-\(UUID().uuidString)-\(name)")
    }

    static let table = CleaningTable(
        source: "memory", columnNames: ["id", "text"],
        rows: [
            ["1", "plain"], ["2", "comma, \"quoted\"\nnewline"], ["3", nil],
        ])

    @Test func csvRoundTripKeepsQuotedFieldsAndNulls() throws {
        let url = temporary("t.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.table.write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == "id,text\n1,plain\n2,\"comma, \"\"quoted\"\"\nnewline\"\n3,\n")
        let back = try CleaningTable.read(url)
        #expect(back.columns == Self.table.columns && back.source == url.path)
    }

    @Test func jsonlRoundTripKeepsNulls() throws {
        let url = temporary("t.jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.table.write(to: url)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines[2] == #"{"id":"3","text":null}"#)
        #expect(try CleaningTable.read(url).columns == Self.table.columns)
    }

    @Test func refusesToOverwriteTheInputOrWriteTabsIntoTSV() throws {
        let url = temporary("t.csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.table.write(to: url)
        let input = try CleaningTable.read(url)
        #expect(throws: CleaningError.self) { try input.write(to: url) }
        let tabbed = CleaningTable(columnNames: ["a"], rows: [["x\ty"]])
        #expect(throws: CleaningError.self) { try tabbed.write(to: self.temporary("t.tsv")) }
    }

    @Test func malformedInputNamesFileAndLine() throws {
        let url = temporary("bad.jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("{\"a\": 1}\nnot json\n".utf8).write(to: url)
        #expect { try CleaningTable.read(url) } throws: { error in "\(error)".contains(":2") }
    }

    @Test func keepRowsPreservesRowIDsAndFingerprintTracksContent() {
        var table = Self.table
        let before = table.fingerprint
        table.keepRows([2, 0])
        #expect(table.rowIDs == [2, 0] && table.row(0) == ["3", nil])
        #expect(table.fingerprint != before && Self.table.fingerprint == before && before.count == 32)
    }
}
