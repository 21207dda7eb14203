import Foundation
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

    /// Writes the table as CSV, TSV or JSON Lines (chosen by the extension as in ``read(_:)``), atomically.
    ///
    /// CSV fields are quoted when they contain the delimiter, a quote or a line break; null is an empty field
    /// (CSV/TSV) or `null` (JSONL). TSV cannot hold tabs or line breaks inside cells.
    /// - Throws: ``CleaningError/invalidInput(path:line:reason:)`` when `url` is the table's own source (inputs are
    ///   never overwritten), a TSV cell holds a tab or line break, or the file cannot be written.
    public func write(to url: URL) throws {
        guard url.standardizedFileURL.path != URL(fileURLWithPath: source).standardizedFileURL.path else {
            throw CleaningError.invalidInput(
                path: url.path, line: nil, reason: "refusing to overwrite the input file; choose another --out")
        }
        var out = ""
        switch url.pathExtension.lowercased() {
        case "jsonl", "ndjson":
            for row in 0..<rowCount {
                let fields = columnNames.indices.map { c in
                    "\(JSONText.quoted(columnNames[c])):\(columns[c][row].map(JSONText.quoted) ?? "null")"
                }
                out += "{" + fields.joined(separator: ",") + "}\n"
            }
        case "tsv":
            for line in [columnNames] + (0..<rowCount).map({ row in columns.map { $0[row] ?? "" } }) {
                if let bad = line.first(where: { $0.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) }) {
                    throw CleaningError.invalidInput(
                        path: url.path, line: nil,
                        reason:
                            "a cell holds a tab or line break, which TSV cannot store: \(ValidationReport.clip(bad))")
                }
                out += line.joined(separator: "\t") + "\n"
            }
        default:
            for line in [columnNames] + (0..<rowCount).map({ row in columns.map { $0[row] ?? "" } }) {
                out += line.map(Self.csvField).joined(separator: ",") + "\n"
            }
        }
        do { try Data(out.utf8).write(to: url, options: .atomic) } catch {
            throw CleaningError.invalidInput(
                path: url.path, line: nil, reason: "cannot write (\(error.localizedDescription))")
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

}
