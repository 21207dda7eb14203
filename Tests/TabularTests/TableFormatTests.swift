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
