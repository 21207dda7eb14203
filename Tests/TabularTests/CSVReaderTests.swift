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

    @Test func duplicateColumnNamesAreAnErrorNamingFileAndColumn() throws {
        let folder = TemporaryDirectory()
        let url = try folder.write("dup.csv", "id,text,label,text\n1,a,0,b\n")
        #expect(
            throws: TabularError.malformedRow(
                path: url.path, line: 1, reason: "the column 'text' appears twice in the header (fields 2 and 4)")
        ) {
            try CSVReader.read(url)
        }
        let tsv = try folder.write("dup.tsv", "\nlabel\tlabel\nham\tspam\n")
        #expect(
            throws: TabularError.malformedRow(
                path: tsv.path, line: 2, reason: "the column 'label' appears twice in the header (fields 1 and 2)")
        ) {
            try TableFormat.read(tsv)
        }
        // Without a header the generated names are unique.
        #expect(try CSVReader.parse(Array("a,a\n".utf8), hasHeader: false).columnNames == ["column_0", "column_1"])
    }

    @Test func nulBytesAreAnErrorNamingFileAndLine() throws {
        let folder = TemporaryDirectory()
        let url = try folder.write("nul.csv", bytes: Array("a,b\n1,ok\n2,x".utf8) + [0x00] + Array("y\n".utf8))
        #expect(
            throws: TabularError.malformedRow(
                path: url.path, line: 3, reason: "a NUL byte at byte 4 of the line; is this a binary file?")
        ) {
            try CSVReader.read(url)
        }
        // Inside a quoted field too (a NUL is never text).
        #expect(
            throws: TabularError.malformedRow(
                path: "q.csv", line: 2, reason: "a NUL byte at byte 2 of the line; is this a binary file?")
        ) {
            try CSVReader.parse(Array("a\n\"".utf8) + [0x00] + Array("\"\n".utf8), source: "q.csv")
        }
        #expect(UTF8Validation.firstNULOffset(Array("no nul here".utf8)) == nil)
        #expect(UTF8Validation.firstNULOffset([0x41, 0x00, 0x00]) == 1)
        #expect(UTF8Validation.firstNULOffset([]) == nil)
    }

    @Test func headerOnlyAndEmptyFilesAreErrorsUnlessAllowed() throws {
        let folder = TemporaryDirectory()
        let headerOnly = try folder.write("header.csv", "COMMENT_ID,CONTENT,CLASS\n\n")
        #expect(
            throws: TabularError.malformedRow(
                path: headerOnly.path, line: 1, reason: "no data rows after the header on line 1")
        ) {
            try CSVReader.read(headerOnly)
        }
        let allowed = try CSVReader.read(headerOnly, allowEmpty: true)
        #expect(allowed.columnNames == ["COMMENT_ID", "CONTENT", "CLASS"] && allowed.rowCount == 0)
        let empty = try folder.write("empty.tsv", "\n\n")
        #expect(
            throws: TabularError.malformedRow(
                path: empty.path, line: 1, reason: "the file is empty: expected a header line and data rows")
        ) {
            try TableFormat.read(empty)
        }
        #expect(try TableFormat.read(empty, allowEmpty: true).columnNames.isEmpty)
        #expect(throws: TabularError.malformedRow(path: "<memory>", line: 1, reason: "the file has no rows")) {
            try CSVReader.parse(Array("".utf8), hasHeader: false)
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
