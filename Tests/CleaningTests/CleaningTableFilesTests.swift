import Foundation
import FoundryTestSupport
import Testing
@testable import Cleaning

/// Writing cleaned tables: the format follows the extension, nothing is written on failure, inputs are never
/// overwritten.
struct CleaningTableFilesTests {
    static let table = CleaningTable(
        columnNames: ["id", "text"], rows: [["1", "a, \"quoted\" text"], ["2", nil], ["3", "line\nbreak"]])

    @Test func eachFormatRoundTripsThroughTheReaders() throws {
        let directory = TemporaryDirectory()
        for name in ["t.csv", "t.jsonl"] {
            let url = directory.file(name)
            try Self.table.write(to: url)
            let read = try CleaningTable.read(url)
            #expect(read.columnNames == Self.table.columnNames && read.columns == Self.table.columns, "\(name)")
        }
        #expect(
            String(decoding: try Self.table.fileData(for: directory.file("t.csv")), as: UTF8.self)
                == "id,text\n1,\"a, \"\"quoted\"\" text\"\n2,\n3,\"line\nbreak\"\n")
        #expect(
            String(decoding: try Self.table.fileData(for: directory.file("t.jsonl")), as: UTF8.self).split(
                separator: "\n"
            ).dropFirst().first == #"{"id":"2","text":null}"#)
    }

    @Test func aFailedWriteLeavesNoFileAndAnEarlierFileIntact() throws {
        let directory = TemporaryDirectory()
        // TSV cannot hold the line break: refused before anything is written.
        let tsv = directory.file("t.tsv")
        #expect {
            try Self.table.write(to: tsv)
        } throws: { error in
            guard case let CleaningError.invalidInput(path, _, reason) = error else { return false }
            return path == tsv.path && reason.contains("TSV cannot store")
        }
        // A missing folder: an error naming the file.
        let missing = directory.file("nope/t.csv")
        #expect {
            try Self.table.write(to: missing)
        } throws: { error in
            guard case let CleaningError.invalidInput(path, _, reason) = error else { return false }
            return path == missing.path && reason.contains("does not exist")
        }
        // A folder in the way of the file: the earlier content stays, no temporary file is left.
        try FileManager.default.createDirectory(at: directory.file("d.csv"), withIntermediateDirectories: false)
        #expect(throws: CleaningError.self) { try Self.table.write(to: directory.file("d.csv")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path) == ["d.csv"])
    }

    @Test func theInputIsNeverOverwritten() throws {
        let directory = TemporaryDirectory()
        let input = try directory.write("in.csv", "id,text\n1,a\n")
        let table = try CleaningTable.read(input)
        #expect(throws: CleaningError.self) { try table.write(to: input) }
        #expect(try String(contentsOf: input, encoding: .utf8) == "id,text\n1,a\n")
    }
}
