import Foundation
import FoundryCore
import Tabular

/// Which part of the data a row belongs to.
enum RowSplit: String, Codable, Sendable {
    case train, valid, test
}

/// A table as the steps pass it on: the rows (`table.csv` in the entry), the text and gold columns, each row's split
/// and gold class (`table.json`).
struct TableArtifact: Sendable, Equatable {
    struct Metadata: Codable, Sendable, Equatable {
        var source: String
        var textField: String
        var labelField: String?
        /// One letter per row: `t`rain, `v`alid, `e` (test).
        var splits: String
        /// Gold class per row (−1 unknown), when the data has a label field.
        var gold: [Int]?
        var lineNumbers: [Int]
    }
    var table: TextTable
    var textField: String
    var labelField: String?
    var splits: [RowSplit]
    var gold: [Int]?

    var rowCount: Int { table.rowCount }

    func texts() throws -> [String] { try table.column(textField) }

    func rows(in split: RowSplit) -> [Int] { splits.indices.filter { splits[$0] == split } }

    /// The rows at `positions`, in that order.
    func keeping(_ positions: [Int]) -> TableArtifact {
        TableArtifact(
            table: TextTable(
                source: table.source, columnNames: table.columnNames, rows: positions.map { table.rows[$0] },
                lineNumbers: positions.map { table.lineNumbers[$0] }),
            textField: textField, labelField: labelField, splits: positions.map { splits[$0] },
            gold: gold.map { gold in positions.map { gold[$0] } })
    }

    func write(to directory: URL) throws {
        try TableFormat.csv.write(table, to: directory.appendingPathComponent("table.csv"))
        let letters = String(splits.map { $0 == .train ? "t" : $0 == .valid ? "v" : "e" })
        let metadata = Metadata(
            source: table.source, textField: textField, labelField: labelField, splits: letters, gold: gold,
            lineNumbers: table.lineNumbers)
        try AtomicFile.write(try PipelineJSON.encode(metadata), to: directory.appendingPathComponent("table.json"))
    }

    static func read(from directory: URL) throws -> TableArtifact {
        let metadata = try PipelineJSON.decode(Metadata.self, from: directory.appendingPathComponent("table.json"))
        let csv = directory.appendingPathComponent("table.csv")
        let read: TextTable
        do {
            read = try TableFormat.csv.read(csv, allowEmpty: true)
        } catch {
            throw PipelinesError.cacheCorrupted(path: csv.path, reason: "\(error)")
        }
        guard read.rowCount == metadata.lineNumbers.count, metadata.splits.count == read.rowCount,
            metadata.gold.map({ $0.count == read.rowCount }) ?? true
        else {
            throw PipelinesError.cacheCorrupted(path: csv.path, reason: "the rows do not match table.json")
        }
        let table = TextTable(
            source: metadata.source, columnNames: read.columnNames, rows: read.rows, lineNumbers: metadata.lineNumbers)
        let splits = metadata.splits.map { $0 == "t" ? RowSplit.train : $0 == "v" ? .valid : .test }
        return TableArtifact(
            table: table, textField: metadata.textField, labelField: metadata.labelField, splits: splits,
            gold: metadata.gold)
    }
}
