import Foundation
import FoundryTestSupport
import Testing

@testable import Tabular

struct CSVReaderTests {
    @Test func parsesQuotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = "id,text,label\r\n1,\"hello, world\",0\r\n2,\"she said \"\"hi\"\"\",1\n3,\"two\nlines\",1\n4,plain,0"
        let table = try CSVReader.parse(Array(text.utf8), source: "t.csv")
        #expect(table.columnNames == ["id", "text", "label"])
        #expect(table.rows.count == 4)
        #expect(table.rows[0] == ["1", "hello, world", "0"])
        #expect(table.rows[1] == ["2", "she said \"hi\"", "1"])
        #expect(table.rows[2] == ["3", "two\nlines", "1"])
        #expect(table.rows[3] == ["4", "plain", "0"])
        #expect(table.lineNumbers == [2, 3, 4, 6])
        #expect(try table.column("text")[3] == "plain")
        #expect(try table.columnIndex("label") == 2)
    }

    @Test func keepsCarriageReturnsInsideQuotesAndHandlesEmptyFields() throws {
        let table = try CSVReader.parse(Array("a,b,c\n\"x\r\ny\",,\"\"\n".utf8))
        #expect(table.rows == [["x\r\ny", "", ""]])
    }

    @Test func stripsByteOrderMarkAndSkipsBlankLines() throws {
        let table = try CSVReader.parse([0xEF, 0xBB, 0xBF] + Array("a,b\n\n1,2\n\r\n3,4\n".utf8))
        #expect(table.columnNames == ["a", "b"])
        #expect(table.rows == [["1", "2"], ["3", "4"]])
        #expect(table.lineNumbers == [3, 5])
    }

    @Test func readsWithoutHeaderAndOtherDelimiters() throws {
        let table = try CSVReader.parse(
            Array("ham\tfine \"quoted\" text\nspam\tbuy now\n".utf8), delimiter: 0x09, hasHeader: false, quoting: false)
        #expect(table.columnNames == ["column_0", "column_1"])
        #expect(table.rows == [["ham", "fine \"quoted\" text"], ["spam", "buy now"]])
    }

    @Test func rejectsRaggedRowsWithTheLineNumber() {
        let text = "a,b,c\n1,2,3\n\"multi\nline\",5,6\n7,8\n"
        #expect(throws: TabularError.malformedRow(path: "r.csv", line: 5, reason: "expected 3 fields, found 2")) {
            try CSVReader.parse(Array(text.utf8), source: "r.csv")
        }
    }

    @Test func rejectsUnterminatedQuotesAndTextAfterClosingQuote() {
        #expect(
            throws: TabularError.malformedRow(
                path: "<memory>", line: 2, reason: "quoted field starting on this line is never closed")
        ) {
            try CSVReader.parse(Array("a,b\n1,\"open\nstill open".utf8))
        }
        #expect(
            throws: TabularError.malformedRow(
                path: "<memory>", line: 2, reason: "unexpected text after the closing quote of a quoted field")
        ) {
            try CSVReader.parse(Array("a,b\n1,\"closed\"junk\n".utf8))
        }
    }

    @Test func rejectsInvalidUTF8NamingTheLine() {
        var bytes = Array("a,b\n1,ok\n2,".utf8)
        bytes += [0xC3, 0x28]  // invalid continuation byte
        bytes += Array("\n".utf8)
        #expect(throws: TabularError.invalidUTF8(path: "bad.csv", line: 3)) {
            try CSVReader.parse(bytes, source: "bad.csv")
        }
        // Overlong encodings and surrogates are invalid too.
        #expect(UTF8Validation.firstInvalidOffset([0xC0, 0xAF]) == 0)
        #expect(UTF8Validation.firstInvalidOffset([0x41, 0xED, 0xA0, 0x80]) == 1)
        #expect(UTF8Validation.firstInvalidOffset(Array("héllo wörld, ünïcode ✓ 😀".utf8)) == nil)
    }

    @Test func unknownColumnNamesTheFileAndTheColumns() throws {
        let table = try CSVReader.parse(Array("a,b\n1,2\n".utf8), source: "f.csv")
        #expect(throws: TabularError.unknownColumn(path: "f.csv", column: "c", available: ["a", "b"])) {
            try table.column("c")
        }
        let error = TabularError.unknownColumn(path: "f.csv", column: "c", available: ["a", "b"])
        #expect(error.description == "f.csv: no column named 'c' (columns: a, b)")
    }

    @Test func missingFileIsAThrownError() {
        let url = URL(fileURLWithPath: "/nonexistent/foundry/missing.csv")
        #expect(throws: TabularError.fileUnreadable(path: url.path, reason: "no such file")) {
            try CSVReader.read(url)
        }
    }

    @Test func recordsLookUpFieldsByName() throws {
        let table = try CSVReader.parse(Array("text,score\nhello,0.5\nbye,x\n".utf8), source: "s.csv")
        let records = table.records
        #expect(records[0]["text"] == "hello")
        #expect(records[0]["missing"] == nil)
        #expect(try records[0].number("score") == 0.5)
        #expect(throws: TabularError.self) { try records[1].number("score") }
        #expect(throws: TabularError.unknownColumn(path: "s.csv", column: "nope", available: ["text", "score"])) {
            try records[0].value("nope")
        }
    }

    @Test(.enabled(if: TestData.has("uci_youtube_spam_collection")))
    func readsTheUCIYouTubeFiles() throws {
        let directory = try #require(TestData.dataset("uci_youtube_spam_collection"))
        let expected = [
            "Youtube01-Psy.csv": 350, "Youtube02-KatyPerry.csv": 350, "Youtube03-LMFAO.csv": 438,
            "Youtube04-Eminem.csv": 448, "Youtube05-Shakira.csv": 370,
        ]
        var spam = 0
        for (file, count) in expected {
            let table = try CSVReader.read(directory.appendingPathComponent(file))
            #expect(table.columnNames == ["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "CLASS"])
            #expect(table.rowCount == count, "\(file)")
            spam += try table.column("CLASS").filter { $0 == "1" }.count
        }
        #expect(spam == 1005)
    }
}
