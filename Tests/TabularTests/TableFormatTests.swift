import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

@testable import Tabular

struct TableFormatTests {
    static let table = TextTable(
        source: "t", columnNames: ["id", "text", "label"],
        rows: [["1", "hello, \"world\"", "SPAM"], ["2", "two\nlines", ""], ["3", "tab\there", "HAM"]])

    @Test func everyFormatRoundTrips() throws {
        let folder = TemporaryDirectory()
        for name in ["t.csv", "t.tsv", "t.jsonl"] {
            let url = folder.file(name)
            try TableFormat(path: url).write(Self.table, to: url)
            let read = try TableFormat.read(url)
            #expect(read.columnNames == Self.table.columnNames, "\(name)")
            #expect(read.rows == Self.table.rows, "\(name)")
        }
    }

    @Test("fields are quoted exactly when they must be: delimiter, quote, LF, CR and a CR LF pair")
    func quotingRules() throws {
        #expect(CSVWriter.field("plain text é") == "plain text é")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("one\ntwo") == "\"one\ntwo\"")
        #expect(CSVWriter.field("one\rtwo") == "\"one\rtwo\"")
        // "\r\n" is one Character, equal to neither "\r" nor "\n": it was once written unquoted, splitting the row.
        #expect(CSVWriter.field("one\r\ntwo") == "\"one\r\ntwo\"")
        // A quote carrying a combining mark is one Character too; its quote is still doubled.
        #expect(CSVWriter.field("\"\u{301}x") == "\"\"\"\u{301}x\"")
        #expect(
            CSVWriter.field("a\tb", delimiter: "\t") == "\"a\tb\"" && CSVWriter.field("a,b", delimiter: "\t") == "a,b")
        #expect(CSVWriter.field("a§b", delimiter: "§") == "\"a§b\"" && CSVWriter.field("ab", delimiter: "§") == "ab")
        let folder = TemporaryDirectory()
        let table = TextTable(
            source: "t", columnNames: ["id", "text"], rows: [["1", "windows\r\nline"], ["2", "x"]])
        let url = folder.file("crlf.csv")
        try TableFormat.csv.write(table, to: url)
        #expect(try TableFormat.read(url).rows == table.rows)
    }

    @Test("random tables of awkward text round-trip through CSV and TSV exactly")
    func randomTablesRoundTrip() throws {
        let pieces = [
            "a", ",", "\"", "\n", "\r", "\r\n", "\t", " ", "é", "\u{301}", "😀", "\u{1}", "§", "''", "sub4sub", "",
        ]
        var generator = SeededGenerator(seed: 11)
        let folder = TemporaryDirectory()
        for round in 0..<20 {
            let rows = (0..<50).map { _ in
                (0..<3).map { _ in
                    (0..<Int(generator.next() % 6)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }
                        .joined()
                }
            }
            let table = TextTable(source: "t", columnNames: ["id", "text, quoted", "label"], rows: rows)
            for name in ["r.csv", "r.tsv"] {
                let url = folder.file(name)
                try TableFormat(path: url).write(table, to: url)
                let read = try TableFormat.read(url, allowEmpty: true)
                #expect(read.columnNames == table.columnNames, "round \(round), \(name)")
                #expect(read.rows == table.rows, "round \(round), \(name)")
            }
        }
    }

    @Test func overwritingReplacesTheFileAndAFailedWriteLeavesNothing() throws {
        let folder = TemporaryDirectory()
        let url = try folder.write("out.csv", "old,content\n1,2\n")
        try TableFormat.csv.write(Self.table, to: url)
        try TableFormat.csv.write(Self.table, to: url)  // an existing output is replaced, not lost
        #expect(try TableFormat.read(url).rows == Self.table.rows)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["out.csv"])
        let missing = folder.file("no/such/folder/out.csv")
        #expect(throws: FoundryCoreError.self) { try TableFormat.csv.write(Self.table, to: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }
}
