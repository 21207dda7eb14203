import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import DatasetStore

@Suite("ExampleFileReader: CSV, TSV and JSONL through Tabular's readers")
struct ExampleFileReaderTests {
    @Test("JSONL: the id and text keys become id and text, every other key a field; ids may be numbers")
    func jsonl() throws {
        let directory = TemporaryDirectory()
        let url = try directory.write(
            "rows.jsonl",
            """
            {"id": "a", "text": "hello", "lang": "en", "n": 3}
            {"id": 7, "text": "bye", "lang": null, "meta": {"k": [1, 2]}}

            """)
        let examples = try ExampleFileReader.read(url)
        #expect(
            examples == [
                Example(id: "a", text: "hello", fields: ["lang": "en", "n": "3", "meta": ""]),
                Example(id: "7", text: "bye", fields: ["lang": "", "n": "", "meta": #"{"k":[1,2]}"#]),
            ])
        let custom = try ExampleFileReader.parse(
            Data(#"{"key":"k","body":"b"}"#.utf8), format: .jsonl, idField: "key", textField: "body")
        #expect(custom == [Example(id: "k", text: "b")])
    }

    @Test("CSV and TSV: quoted cells with commas and line breaks survive; the format follows the extension")
    func delimited() throws {
        let directory = TemporaryDirectory()
        let csv = try directory.write("rows.csv", "id,text,label\nr1,\"hello, world\",spam\nr2,\"two\nlines\",ham\n")
        #expect(
            try ExampleFileReader.read(csv) == [
                Example(id: "r1", text: "hello, world", fields: ["label": "spam"]),
                Example(id: "r2", text: "two\nlines", fields: ["label": "ham"]),
            ])
        let tsv = try directory.write("rows.tsv", "text\tid\nsome, text\tx\n")
        #expect(try ExampleFileReader.read(tsv) == [Example(id: "x", text: "some, text")])
        #expect(try ExampleFileReader.format(of: tsv) == .tsv)
        #expect(try ExampleFileReader.format(of: csv, named: "JSONL") == .jsonl)
        let empty = try directory.write("empty.csv", "")
        #expect {
            try ExampleFileReader.read(empty)
        } throws: { error in
            "\(error)".contains(empty.path) && "\(error)".contains("empty")
        }
    }

    @Test("bad files are refused naming the file and line: missing columns, empty ids, bad JSON, ragged rows")
    func badFiles() throws {
        let directory = TemporaryDirectory()
        let noText = try directory.write("no-text.jsonl", "{\"id\":\"a\",\"body\":\"x\"}\n")
        #expect(
            throws: DatasetStoreError.invalidFile(
                path: noText.path, line: 0, reason: "no 'text' field (use --text-field; fields: id, body)")
        ) { try ExampleFileReader.read(noText) }
        let noID = try directory.write("no-id.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n\n{\"text\":\"y\"}\n")
        #expect(
            throws: DatasetStoreError.invalidFile(
                path: noID.path, line: 3, reason: "no 'id' value (every row needs an id; use --id-field)")
        ) { try ExampleFileReader.read(noID) }
        let badJSON = try directory.write("bad.jsonl", "{\"id\":\"a\",\"text\":\"x\"}\n{nope\n")
        #expect {
            try ExampleFileReader.read(badJSON)
        } throws: { error in
            guard case let DatasetStoreError.invalidFile(path, line, reason) = error else { return false }
            return path == badJSON.path && line == 2 && reason.contains("invalid JSON")
        }
        let array = try directory.write("array.jsonl", "[1]\n")
        #expect(throws: DatasetStoreError.invalidFile(path: array.path, line: 1, reason: "expected a JSON object")) {
            try ExampleFileReader.read(array)
        }
        let ragged = try directory.write("ragged.csv", "id,text\na,b\nc,d,e\n")
        #expect(
            throws: DatasetStoreError.invalidFile(path: ragged.path, line: 3, reason: "expected 2 fields, found 3")
        ) { try ExampleFileReader.read(ragged) }
        let missing = directory.url.appendingPathComponent("missing.jsonl")
        #expect(throws: DatasetStoreError.invalidFile(path: missing.path, line: 0, reason: "no such file")) {
            try ExampleFileReader.read(missing)
        }
        let unknown = try directory.write("rows.parquet", "x")
        #expect {
            try ExampleFileReader.read(unknown)
        } throws: { error in
            guard case let DatasetStoreError.invalidFile(path, line, reason) = error else { return false }
            return path == unknown.path && line == 0 && reason.contains("--format")
        }
        #expect(throws: DatasetStoreError.self) { try ExampleFileReader.format(of: unknown, named: "xlsx") }
    }
}
