import Foundation

/// Reads JSON Lines files (one JSON object per line) into ``TextTable``s.
///
/// The columns are the union of the objects' keys in first-seen order; a key missing from a line
/// gives an empty cell. Strings are kept as-is, numbers as written, booleans as `true`/`false`,
/// null as an empty cell, and nested arrays/objects as compact JSON. Blank lines are skipped.
/// Rejected with a ``TabularError`` naming file and line: invalid UTF-8, a NUL byte, a line that is not a
/// JSON object, an object with the same key twice — and, unless `allowEmpty` is set, a file without objects.
public enum JSONLReader {
    /// Reads a JSONL file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - allowEmpty: accept a file without objects (returning a table with no rows) instead of throwing.
    /// - Returns: the table; ``TextTable/source`` is the file path and line numbers are the file's.
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` for a missing file,
    ///   ``TabularError/invalidUTF8(path:line:)``, and ``TabularError/malformedRow(path:line:reason:)``
    ///   naming the line with a NUL byte, that is not a JSON object or repeats a key, or a file without objects.
    /// - Complexity: O(file size).
    public static func read(_ url: URL, allowEmpty: Bool = false) throws -> TextTable {
        try parse(try FileBytes.read(url), source: url.path, allowEmpty: allowEmpty)
    }

    /// Parses JSONL text held in memory; see ``read(_:allowEmpty:)``.
    public static func parse(_ data: Data, source: String = "<memory>", allowEmpty: Bool = false) throws -> TextTable {
        try parse([UInt8](data), source: source, allowEmpty: allowEmpty)
    }

    /// Parses JSONL text held in memory; see ``read(_:allowEmpty:)``.
    public static func parse(_ bytes: [UInt8], source: String = "<memory>", allowEmpty: Bool = false) throws
        -> TextTable
    {
        try UTF8Validation.validateText(bytes, source: source)
        var columnIndex: [String: Int] = [:]
        var columnNames: [String] = []
        var objects: [(line: Int, pairs: [JSONMember])] = []
        try bytes.withUnsafeBufferPointer { buffer in
            var lineStart = 0
            var lineNumber = 1
            while lineStart < buffer.count {
                var lineEnd = lineStart
                while lineEnd < buffer.count, buffer[lineEnd] != 0x0A { lineEnd += 1 }
                defer {
                    lineStart = lineEnd + 1
                    lineNumber += 1
                }
                let isBlank = buffer[lineStart..<lineEnd].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
                if isBlank { continue }
                let value: JSONValue
                do {
                    value = try JSONValue.parse(buffer, lineStart..<lineEnd)
                } catch let error as JSONSyntaxError {
                    throw TabularError.malformedRow(
                        path: source, line: lineNumber,
                        reason: "invalid JSON at column \(error.offset - lineStart + 1): \(error.message)")
                }
                guard case let .object(pairs) = value else {
                    throw TabularError.malformedRow(path: source, line: lineNumber, reason: "expected a JSON object")
                }
                for member in pairs where columnIndex[member.key] == nil {
                    let key = member.key
                    columnIndex[key] = columnNames.count
                    columnNames.append(key)
                }
                objects.append((lineNumber, pairs))
            }
        }
        if objects.isEmpty, !allowEmpty {
            throw TabularError.malformedRow(
                path: source, line: 1, reason: "the file has no rows: expected one JSON object per line")
        }
        var rows: [[String]] = []
        rows.reserveCapacity(objects.count)
        for object in objects {
            var row = [String](repeating: "", count: columnNames.count)
            var seen = Set<Int>()
            for member in object.pairs {
                guard let index = columnIndex[member.key] else { continue }
                guard seen.insert(index).inserted else {
                    throw TabularError.malformedRow(
                        path: source, line: object.line, reason: "the key '\(member.key)' appears twice in this object")
                }
                row[index] = member.value.tableText
            }
            rows.append(row)
        }
        return TextTable(source: source, columnNames: columnNames, rows: rows, lineNumbers: objects.map(\.line))
    }
}
