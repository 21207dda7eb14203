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

        init(
            source: String, textField: String, labelField: String?, splits: String, gold: [Int]?, lineNumbers: [Int]
        ) {
            (self.source, self.textField, self.labelField) = (source, textField, labelField)
            (self.splits, self.gold, self.lineNumbers) = (splits, gold, lineNumbers)
        }

        enum CodingKeys: String, CodingKey {
            case source, textField, labelField, splits, gold, lineNumbers
        }

        // The two per-row integer lists are written as comma-separated text: JSONDecoder took a millisecond for the
        // two arrays of a 2,000-row table, half the time of reading the table back on every run.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            source = try container.decode(String.self, forKey: .source)
            textField = try container.decode(String.self, forKey: .textField)
            labelField = try container.decodeIfPresent(String.self, forKey: .labelField)
            splits = try container.decode(String.self, forKey: .splits)
            gold = try container.decodeIfPresent(String.self, forKey: .gold).map {
                try Self.integers($0, key: .gold, in: container)
            }
            lineNumbers = try Self.integers(
                container.decode(String.self, forKey: .lineNumbers), key: .lineNumbers, in: container)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
            try container.encode(textField, forKey: .textField)
            try container.encodeIfPresent(labelField, forKey: .labelField)
            try container.encode(splits, forKey: .splits)
            try container.encodeIfPresent(gold.map(Self.text), forKey: .gold)
            try container.encode(Self.text(lineNumbers), forKey: .lineNumbers)
        }

        static func text(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }

        static func integers(
            _ text: String, key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>
        ) throws -> [Int] {
            guard !text.isEmpty else { return [] }
            // Digits read by hand: `Int(Substring)` per value was most of this table's read time.
            var values: [Int] = []
            var value = 0
            var sign = 1
            var digits = 0
            var failed = false
            func finish() {
                if digits == 0 || digits > 18 { failed = true }
                values.append(sign * value)
                (value, sign, digits) = (0, 1, 0)
            }
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                case UInt8(ascii: "-") where digits == 0 && sign == 1: sign = -1
                case UInt8(ascii: ","): finish()
                default: failed = true
                }
            }
            finish()
            guard !failed else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "expected comma-separated integers")
            }
            return values
        }
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
        try AtomicFile.write(
            TableCellsFile.encode(table), to: directory.appendingPathComponent(TableCellsFile.fileName))
        let letters = String(splits.map { $0 == .train ? "t" : $0 == .valid ? "v" : "e" })
        let metadata = Metadata(
            source: table.source, textField: textField, labelField: labelField, splits: letters, gold: gold,
            lineNumbers: table.lineNumbers)
        try AtomicFile.write(try PipelineJSON.encode(metadata), to: directory.appendingPathComponent("table.json"))
    }

    static func read(from directory: URL) throws -> TableArtifact {
        let metadata = try PipelineJSON.decode(Metadata.self, from: directory.appendingPathComponent("table.json"))
        let csv = directory.appendingPathComponent("table.csv")
        let read: (columnNames: [String], rows: [[String]])
        // The binary cells when they are there and whole (entries written before them, or damaged, have the CSV).
        if let data = try? Data(contentsOf: directory.appendingPathComponent(TableCellsFile.fileName)),
            let cells = TableCellsFile.decode(data)
        {
            read = cells
        } else {
            do {
                let table = try TableFormat.csv.read(csv, allowEmpty: true)
                read = (table.columnNames, table.rows)
            } catch {
                throw PipelinesError.cacheCorrupted(path: csv.path, reason: "\(error)")
            }
        }
        let rowCount = read.rows.count
        guard rowCount == metadata.lineNumbers.count, metadata.splits.count == rowCount,
            metadata.gold.map({ $0.count == rowCount }) ?? true
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
