import Foundation
import FoundryCore

/// The table formats Foundry reads and writes, chosen by file extension.
public enum TableFormat: String, Sendable, CaseIterable {
    /// RFC 4180 comma-separated values (`.csv`, and any unknown extension).
    case csv
    /// Tab-separated values with CSV quoting (`.tsv`, `.tab`).
    case tsv
    /// JSON Lines, one object per line (`.jsonl`, `.ndjson`).
    case jsonl

    /// The format a path's extension names; `.csv` for anything else.
    public init(path: URL) {
        switch path.pathExtension.lowercased() {
        case "tsv", "tab": self = .tsv
        case "jsonl", "ndjson": self = .jsonl
        default: self = .csv
        }
    }

    /// Reads a table in this format.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - allowEmpty: accept a file without data rows instead of throwing (see ``CSVReader`` and ``JSONLReader``).
    /// - Throws: the reader's ``TabularError`` naming the file and line.
    public func read(_ url: URL, allowEmpty: Bool = false) throws -> TextTable {
        switch self {
        case .csv: try CSVReader.read(url, allowEmpty: allowEmpty)
        case .tsv: try CSVReader.read(url, delimiter: 0x09, allowEmpty: allowEmpty)
        case .jsonl: try JSONLReader.read(url, allowEmpty: allowEmpty)
        }
    }

    /// The table as text in this format (a header line for CSV/TSV; one object per row for JSONL).
    public func text(of table: TextTable) -> String {
        switch self {
        case .csv: CSVWriter.text(of: table, delimiter: ",")
        case .tsv: CSVWriter.text(of: table, delimiter: "\t")
        case .jsonl: JSONLWriter.text(of: table)
        }
    }

    /// Writes the table to `url` in this format, atomically (a failure leaves no file behind).
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the file cannot be written.
    public func write(_ table: TextTable, to url: URL) throws {
        try AtomicFile.write(Data(text(of: table).utf8), to: url)
    }

    /// Reads a table, choosing the format from the extension.
    ///
    /// - Throws: the reader's ``TabularError`` naming the file and line.
    public static func read(_ url: URL, allowEmpty: Bool = false) throws -> TextTable {
        try TableFormat(path: url).read(url, allowEmpty: allowEmpty)
    }
}

/// Writes ``TextTable``s as RFC 4180 text: fields holding the delimiter, a quote or a line break are quoted, with
/// quotes doubled; rows end with `\n`.
public enum CSVWriter {
    /// The table as delimited text with a header row.
    public static func text(of table: TextTable, delimiter: Character = ",") -> String {
        var out = ""
        let separator = String(delimiter)
        func line(_ cells: [String]) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { out += separator }
                append(cell, delimiter: delimiter, to: &out)
            }
            out += "\n"
        }
        line(table.columnNames)
        for row in table.rows { line(row) }
        return out
    }

    /// One field, quoted when it has to be: when it holds the delimiter, a quote, a line feed or a carriage return
    /// (a CR LF pair too, which as one `Character` equals neither).
    public static func field(_ text: String, delimiter: Character = ",") -> String {
        var out = ""
        append(text, delimiter: delimiter, to: &out)
        return out
    }

    /// Appends ``field(_:delimiter:)`` of `text` to `out` (decided on the UTF-8 bytes for an ASCII delimiter).
    static func append(_ text: String, delimiter: Character, to out: inout String) {
        let needsQuotes: Bool
        if let byte = delimiter.asciiValue {
            needsQuotes = text.utf8.contains { $0 == byte || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        } else {
            needsQuotes =
                text.contains(delimiter) || text.unicodeScalars.contains { $0 == "\"" || $0 == "\n" || $0 == "\r" }
        }
        guard needsQuotes else {
            out += text
            return
        }
        out += "\""
        for scalar in text.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        out += "\""
    }
}

/// Writes ``TextTable``s as JSON Lines: one object per row, keys in column order, every value a string.
public enum JSONLWriter {
    /// The table as JSON Lines.
    public static func text(of table: TextTable) -> String {
        var out = ""
        for row in table.rows {
            out += "{"
            for (index, name) in table.columnNames.enumerated() {
                if index > 0 { out += "," }
                JSONText.append(name, to: &out)
                out += ":"
                JSONText.append(row[index], to: &out)
            }
            out += "}\n"
        }
        return out
    }
}
