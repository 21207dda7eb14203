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
        guard let byte = delimiter.asciiValue else {
            var out = ""
            func line(_ cells: [String]) {
                for (index, cell) in cells.enumerated() {
                    if index > 0 { out.append(delimiter) }
                    append(cell, delimiter: delimiter, to: &out)
                }
                out += "\n"
            }
            line(table.columnNames)
            for row in table.rows { line(row) }
            return out
        }
        // An ASCII delimiter (the usual case) is written byte by byte into one buffer: appending a quoted field to a
        // String scalar by scalar took most of the time of writing a table.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(table.rows.reduce(64) { $0 + $1.reduce(8) { $0 + $1.utf8.count + 3 } })
        func line(_ cells: [String]) {
            for (index, cell) in cells.enumerated() {
                if index > 0 { bytes.append(byte) }
                appendBytes(cell, delimiter: byte, to: &bytes)
            }
            bytes.append(0x0A)
        }
        line(table.columnNames)
        for row in table.rows { line(row) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one field's UTF-8 bytes, quoted (quotes doubled) when it holds the delimiter, a quote, LF or CR.
    static func appendBytes(_ text: String, delimiter: UInt8, to bytes: inout [UInt8]) {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(0x22)
        for unit in utf8 {
            if unit == 0x22 { bytes.append(0x22) }
            bytes.append(unit)
        }
        bytes.append(0x22)
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
        if let byte = delimiter.asciiValue {
            var bytes: [UInt8] = []
            appendBytes(text, delimiter: byte, to: &bytes)
            out += String(decoding: bytes, as: UTF8.self)
            return
        }
        let special = text.unicodeScalars.contains { $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard text.contains(delimiter) || special else {
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
