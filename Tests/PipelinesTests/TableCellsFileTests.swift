import Foundation
import FoundryTestSupport
import Tabular
import Testing

@testable import Pipelines

@Suite("A table's binary cells in a cache entry")
struct TableCellsFileTests {
    let table = TextTable(
        source: "comments.csv", columnNames: ["id", "CONTENT", "note"],
        rows: [
            ["1", "check out my channel", ""], ["2", "say \"hi\",\nthen leave", "naïve café"],
            ["3", "🎵 love this song 🎵", "x"], ["4", "", "日本語"],
        ], lineNumbers: [2, 3, 5, 6])

    @Test("cells round-trip: empty cells, quotes, line breaks and characters beyond ASCII")
    func roundTrip() throws {
        let decoded = try #require(TableCellsFile.decode(TableCellsFile.encode(table)))
        #expect(decoded.columnNames == table.columnNames)
        #expect(decoded.rows == table.rows)
        let empty = TextTable(source: "e.csv", columnNames: ["text"], rows: [])
        let none = try #require(TableCellsFile.decode(TableCellsFile.encode(empty)))
        #expect(none.columnNames == ["text"] && none.rows.isEmpty)
    }

    @Test("a damaged cells file is not read: truncated, other magic, a cell split inside a character, a bad byte")
    func damaged() throws {
        let bytes = [UInt8](TableCellsFile.encode(table))
        #expect(TableCellsFile.decode(Data(bytes.dropLast())) == nil)
        #expect(TableCellsFile.decode(Data(bytes + [0x41])) == nil)
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        #expect(TableCellsFile.decode(Data(magic)) == nil)
        // The cell "naïve café" starts after its row's first two cells; move that boundary one byte into "ï".
        let header = 8 + 4 + 4 + ["id", "CONTENT", "note"].reduce(0) { $0 + 4 + $1.utf8.count }
        let offsetOfNaive = header + 5 * 8  // the end of cell 5 (0-based 4) = the start of cell 6
        var split = bytes
        let start = Int(split[offsetOfNaive]) + Int(split[offsetOfNaive + 1]) << 8
        let withinCharacter = start + 3  // "na" then the two bytes of "ï"
        split[offsetOfNaive] = UInt8(withinCharacter & 0xFF)
        split[offsetOfNaive + 1] = UInt8(withinCharacter >> 8)
        #expect(TableCellsFile.decode(Data(split)) == nil)
        var huge = bytes  // a damaged header's counts: 2³² − 1 columns and rows must not overflow or allocate
        for index in 8..<16 { huge[index] = 0xFF }
        #expect(TableCellsFile.decode(Data(huge)) == nil)
        var invalid = bytes
        invalid[invalid.count - 1] = 0xFF
        #expect(TableCellsFile.decode(Data(invalid)) == nil)
    }

    @Test("a table artifact reads its cells, and the CSV when the cells file is missing or damaged, equally")
    func artifactFallsBackToCSV() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("entry")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let artifact = TableArtifact(
            table: table, textField: "CONTENT", labelField: nil, splits: [.train, .valid, .test, .train], gold: nil)
        try artifact.write(to: folder)
        let cells = folder.appendingPathComponent(TableCellsFile.fileName)
        #expect(FileManager.default.fileExists(atPath: cells.path))
        let fromCells = try TableArtifact.read(from: folder)
        try Data("FDYCELL1 broken".utf8).write(to: cells)
        let fromDamaged = try TableArtifact.read(from: folder)
        try FileManager.default.removeItem(at: cells)
        let fromCSV = try TableArtifact.read(from: folder)
        for read in [fromCells, fromDamaged, fromCSV] {
            #expect(read.table.rows == table.rows)
            #expect(read.table.columnNames == table.columnNames)
            #expect(read.table.lineNumbers == table.lineNumbers)
            #expect(read.splits == artifact.splits)
        }
    }
}
