import Foundation
import Tabular

/// Reads example files (CSV, TSV, JSON Lines) into ``Example``s through Tabular's readers.
///
/// One column holds the example id, one the text; every other column becomes a field. Cells are the readers' text:
/// for JSON Lines, strings as-is, numbers as written, booleans as `true`/`false`, null as empty, nested values as
/// compact JSON; a key missing from a line gives an empty field on that line (as an empty CSV cell does).
public enum ExampleFileReader {
    /// The table format for a file: `format` when given, else the extension (`.csv`, `.tsv`/`.tab`,
    /// `.jsonl`/`.ndjson`/`.json`).
    ///
    /// - Throws: ``DatasetStoreError/invalidFile(path:line:reason:)`` for an unknown format name or extension.
    public static func format(of url: URL, named format: String? = nil) throws -> TableFormat {
        let name = (format ?? url.pathExtension).lowercased()
        switch name {
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "jsonl", "ndjson", "json": return .jsonl
        default:
            throw DatasetStoreError.invalidFile(
                path: url.path, line: 0,
                reason: format == nil
                    ? "cannot tell the format from the extension '.\(name)' (use --format csv|tsv|jsonl)"
                    : "unknown format '\(name)' (use csv, tsv or jsonl)")
        }
    }

    /// Reads a file into examples.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - format: the table format; by default from the extension (see ``format(of:named:)``).
    ///   - idField: the column holding the example id (every row needs a non-empty one).
    ///   - textField: the column holding the text.
    /// - Returns: the examples in file order.
    /// - Throws: ``DatasetStoreError/invalidFile(path:line:reason:)`` naming the file and line for an unreadable
    ///   file, invalid UTF-8, a malformed row, a missing id or text column, or a row without an id.
    /// - Complexity: O(file size).
    public static func read(_ url: URL, format: TableFormat? = nil, idField: String = "id", textField: String = "text")
        throws -> [Example]
    {
        let format = try format ?? Self.format(of: url)
        return try examples(from: tabular { try format.read(url) }, idField: idField, textField: textField)
    }

    /// Parses file contents held in memory; see ``read(_:format:idField:textField:)``.
    public static func parse(
        _ data: Data, format: TableFormat, source: String = "<memory>", idField: String = "id",
        textField: String = "text"
    ) throws -> [Example] {
        let table = try tabular {
            switch format {
            case .csv: try CSVReader.parse(data, source: source)
            case .tsv: try CSVReader.parse(data, source: source, delimiter: 0x09)
            case .jsonl: try JSONLReader.parse(data, source: source)
            }
        }
        return try examples(from: table, idField: idField, textField: textField)
    }

    /// The examples of a table: the id and text columns, every other column a field.
    ///
    /// - Throws: ``DatasetStoreError/invalidFile(path:line:reason:)`` for a missing id or text column (line 0) or a
    ///   row with an empty id (its line).
    public static func examples(from table: TextTable, idField: String = "id", textField: String = "text") throws
        -> [Example]
    {
        if table.columnNames.isEmpty && table.rows.isEmpty { return [] }
        func column(_ name: String, option: String) throws -> Int {
            guard let index = table.columnNames.firstIndex(of: name) else {
                throw DatasetStoreError.invalidFile(
                    path: table.source, line: 0,
                    reason:
                        "no '\(name)' field (use \(option); fields: \(table.columnNames.joined(separator: ", ")))")
            }
            return index
        }
        let idColumn = try column(idField, option: "--id-field")
        let textColumn = try column(textField, option: "--text-field")
        let others = table.columnNames.enumerated().filter { $0.offset != idColumn && $0.offset != textColumn }
        var examples: [Example] = []
        examples.reserveCapacity(table.rowCount)
        for (index, row) in table.rows.enumerated() {
            guard !row[idColumn].isEmpty else {
                throw DatasetStoreError.invalidFile(
                    path: table.source, line: table.lineNumbers[index],
                    reason: "no '\(idField)' value (every row needs an id; use --id-field)")
            }
            var fields: [String: String] = [:]
            for (column, name) in others { fields[name] = row[column] }
            examples.append(Example(id: row[idColumn], text: row[textColumn], fields: fields))
        }
        return examples
    }

    /// Runs a Tabular reader, reporting its errors as the store's.
    private static func tabular(_ read: () throws -> TextTable) throws -> TextTable {
        do {
            return try read()
        } catch let error as TabularError {
            switch error {
            case let .fileUnreadable(path, reason):
                throw DatasetStoreError.invalidFile(path: path, line: 0, reason: reason)
            case let .invalidUTF8(path, line):
                throw DatasetStoreError.invalidFile(path: path, line: line, reason: "text is not valid UTF-8")
            case let .malformedRow(path, line, reason):
                throw DatasetStoreError.invalidFile(path: path, line: line, reason: reason)
            default: throw DatasetStoreError.invalidFile(path: "-", line: 0, reason: error.description)
            }
        }
    }
}
