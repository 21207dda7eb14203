import Foundation
import FoundryCore
import Tabular

extension CleaningTable {
    /// Reads a CSV (`.csv`, RFC 4180, header row), TSV (`.tsv`, `.tab`, header row) or JSON Lines (`.jsonl`,
    /// `.ndjson`) file with Tabular's readers (``TableFormat``); empty cells (and JSON null) become null.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - allowEmpty: accept a file without data rows instead of throwing.
    /// - Throws: ``TabularError`` naming the file and line for unreadable or malformed input: invalid UTF-8, a NUL
    ///   byte, a column named twice, a ragged row, or (unless `allowEmpty`) no data rows.
    public static func read(_ url: URL, allowEmpty: Bool = false) throws -> CleaningTable {
        CleaningTable(try TableFormat.read(url, allowEmpty: allowEmpty))
    }

    /// Writes the table as CSV, TSV or JSON Lines (chosen by the extension as in ``read(_:allowEmpty:)``), all or
    /// nothing (``AtomicFile``): a failure leaves no file behind and an existing file as it was.
    ///
    /// - Parameter url: the destination; never the table's own source.
    /// - Throws: ``CleaningError/invalidInput(path:line:reason:)`` when `url` is the table's own source (inputs are
    ///   never overwritten), a TSV cell holds a tab or line break, or the file cannot be written.
    public func write(to url: URL) throws {
        let data = try fileData(for: url)
        do { try AtomicFile.write(data, to: url) } catch let FoundryCoreError.fileUnreadable(_, reason) {
            throw CleaningError.invalidInput(path: url.path, line: nil, reason: reason)
        }
    }

    /// The bytes ``write(to:)`` would write to `url`, for callers that write several files together.
    ///
    /// CSV fields are quoted when they contain the delimiter, a quote or a line break; null is an empty field
    /// (CSV/TSV) or `null` (JSONL). TSV cannot hold tabs or line breaks inside cells.
    /// - Parameter url: the destination, whose extension chooses the format.
    /// - Returns: the file's content.
    /// - Throws: ``CleaningError/invalidInput(path:line:reason:)`` when `url` is the table's own source or a TSV cell
    ///   holds a tab or line break.
    public func fileData(for url: URL) throws -> Data {
        guard url.standardizedFileURL.path != URL(fileURLWithPath: source).standardizedFileURL.path else {
            throw CleaningError.invalidInput(
                path: url.path, line: nil, reason: "refusing to overwrite the input file; choose another --out")
        }
        var out = ""
        switch TableFormat(path: url) {
        case .jsonl:
            for row in 0..<rowCount {
                let fields = columnNames.indices.map { c in
                    "\(JSONText.quoted(columnNames[c])):\(columns[c][row].map(JSONText.quoted) ?? "null")"
                }
                out += "{" + fields.joined(separator: ",") + "}\n"
            }
        case .tsv:
            for line in [columnNames] + (0..<rowCount).map({ row in columns.map { $0[row] ?? "" } }) {
                if let bad = line.first(where: { $0.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) }) {
                    throw CleaningError.invalidInput(
                        path: url.path, line: nil,
                        reason:
                            "a cell holds a tab or line break, which TSV cannot store: \(ValidationReport.clip(bad))")
                }
                out += line.joined(separator: "\t") + "\n"
            }
        case .csv:
            for line in [columnNames] + (0..<rowCount).map({ row in columns.map { $0[row] ?? "" } }) {
                out += line.map { CSVWriter.field($0) }.joined(separator: ",") + "\n"
            }
        }
        return Data(out.utf8)
    }
}
