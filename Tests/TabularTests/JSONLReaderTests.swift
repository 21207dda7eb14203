import Foundation
import FoundryTestSupport
import Testing

@testable import Tabular

struct JSONLReaderTests {
    @Test func unionOfKeysInFirstSeenOrderAndValuesAsText() throws {
        let text = """
            {"text": "hi \\"there\\"\\n", "score": 0.50, "flag": true}

            {"id": 7, "text": "caf\\u00e9 \\ud83d\\ude00", "extra": null, "tags": ["a", 1]}
            """
        let table = try JSONLReader.parse(Array(text.utf8), source: "x.jsonl")
        #expect(table.columnNames == ["text", "score", "flag", "id", "extra", "tags"])
        #expect(table.rows[0] == ["hi \"there\"\n", "0.50", "true", "", "", ""])
        #expect(table.rows[1] == ["café 😀", "", "", "7", "", "[\"a\",1]"])
        #expect(table.lineNumbers == [1, 3])
    }

    @Test func badJSONNamesTheLine() {
        let text = "{\"a\": 1}\n{\"a\": 2,}\n"
        #expect {
            try JSONLReader.parse(Array(text.utf8), source: "bad.jsonl")
        } throws: { error in
            guard case let .malformedRow(path, line, _) = error as? TabularError else { return false }
            return path == "bad.jsonl" && line == 2
        }
        #expect(throws: TabularError.malformedRow(path: "<memory>", line: 1, reason: "expected a JSON object")) {
            try JSONLReader.parse(Array("[1, 2]\n".utf8))
        }
    }

    @Test func invalidUTF8AndMissingFiles() {
        #expect(throws: TabularError.invalidUTF8(path: "<memory>", line: 2)) {
            try JSONLReader.parse(Array("{\"a\": \"ok\"}\n{\"a\": \"".utf8) + [0xFF] + Array("\"}\n".utf8))
        }
        #expect(throws: TabularError.self) { try JSONLReader.read(URL(fileURLWithPath: "/nonexistent/x.jsonl")) }
    }

    @Test func nulBytesRepeatedKeysAndEmptyFilesAreErrors() throws {
        let folder = TemporaryDirectory()
        let nul = try folder.write(
            "nul.jsonl", bytes: Array("{\"a\": 1}\n\n{\"a\": ".utf8) + [0x00] + Array("2}\n".utf8))
        #expect(
            throws: TabularError.malformedRow(
                path: nul.path, line: 3, reason: "a NUL byte at byte 7 of the line; is this a binary file?")
        ) {
            try JSONLReader.read(nul)
        }
        let repeated = try folder.write("dup.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\", \"text\": \"c\"}\n")
        #expect(
            throws: TabularError.malformedRow(
                path: repeated.path, line: 2, reason: "the key 'text' appears twice in this object")
        ) {
            try TableFormat.read(repeated)
        }
        let empty = try folder.write("empty.jsonl", "\n  \n")
        #expect(
            throws: TabularError.malformedRow(
                path: empty.path, line: 1, reason: "the file has no rows: expected one JSON object per line")
        ) {
            try JSONLReader.read(empty)
        }
        #expect(try JSONLReader.read(empty, allowEmpty: true).rowCount == 0)
        // An escaped NUL inside a string is valid JSON text and stays in the cell.
        #expect(try JSONLReader.parse(Array("{\"a\": \"x\\u0000y\"}".utf8)).rows == [["x\u{0}y"]])
    }

    @Test func jsonParserRejectsMalformedDocuments() throws {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "01x", "\"unterminated", "{\"a\":1} x", "\"bad \\q escape\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONValue.parse(Array(bad.utf8)) }
        }
        #expect(try JSONValue.parse(Array("-1.5e3".utf8)) == .number("-1.5e3"))
    }
}
