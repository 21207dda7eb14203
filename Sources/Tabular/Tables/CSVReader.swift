import Foundation

/// Reads delimited text files (RFC 4180 CSV, and TSV-like files without quoting) into ``TextTable``s.
///
/// Supported: quoted fields containing delimiters, doubled quotes (`""`) and line breaks; LF and
/// CRLF line ends; a UTF-8 byte-order mark; a final line without a line end. Blank lines are
/// skipped. A quote inside an unquoted field is kept literally (as Python's `csv` and pandas do).
/// Rejected with a ``TabularError`` naming file and line: invalid UTF-8, a NUL byte (a binary file or a
/// broken export), a header naming the same column twice, a row with a different number of fields than
/// the header, an unterminated quoted field, text after a closing quote — and, unless `allowEmpty` is
/// set, a file with no data rows (only a header, or nothing at all), which is almost always a truncated
/// export or a wrong delimiter rather than an empty dataset.
public enum CSVReader {
    /// Reads a delimited text file.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - delimiter: the field separator byte (`,` by default; `\t` for TSV).
    ///   - hasHeader: whether the first row holds column names; otherwise columns are `column_0`, `column_1`, ….
    ///   - quoting: whether `"` starts a quoted field (RFC 4180); when false, quotes are ordinary characters.
    ///   - allowEmpty: accept a file without data rows (returning a table with no rows) instead of throwing.
    /// - Returns: the table; ``TextTable/source`` is the file path.
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` for a missing file, and the errors of
    ///   ``parse(_:source:delimiter:hasHeader:quoting:allowEmpty:)-([UInt8],_,_,_,_,_)``.
    /// - Complexity: O(file size).
    public static func read(
        _ url: URL, delimiter: UInt8 = UInt8(ascii: ","), hasHeader: Bool = true, quoting: Bool = true,
        allowEmpty: Bool = false
    ) throws -> TextTable {
        let bytes = try FileBytes.read(url)
        return try parse(
            bytes, source: url.path, delimiter: delimiter, hasHeader: hasHeader, quoting: quoting,
            allowEmpty: allowEmpty)
    }

    /// Parses delimited text held in memory; see ``read(_:delimiter:hasHeader:quoting:allowEmpty:)``.
    ///
    /// - Throws: see ``parse(_:source:delimiter:hasHeader:quoting:allowEmpty:)-([UInt8],_,_,_,_,_)``.
    public static func parse(
        _ data: Data, source: String = "<memory>", delimiter: UInt8 = UInt8(ascii: ","), hasHeader: Bool = true,
        quoting: Bool = true, allowEmpty: Bool = false
    ) throws -> TextTable {
        try parse(
            [UInt8](data), source: source, delimiter: delimiter, hasHeader: hasHeader, quoting: quoting,
            allowEmpty: allowEmpty)
    }

    /// Parses delimited text held in memory; see ``read(_:delimiter:hasHeader:quoting:allowEmpty:)``.
    ///
    /// - Throws: ``TabularError/invalidUTF8(path:line:)`` naming the line of the first bad byte;
    ///   ``TabularError/malformedRow(path:line:reason:)`` for a NUL byte, a column named twice in the header,
    ///   ragged rows, unterminated quotes, text after a closing quote, and (unless `allowEmpty`) a file with no
    ///   data rows.
    public static func parse(
        _ bytes: [UInt8], source: String = "<memory>", delimiter: UInt8 = UInt8(ascii: ","), hasHeader: Bool = true,
        quoting: Bool = true, allowEmpty: Bool = false
    ) throws -> TextTable {
        precondition(delimiter != UInt8(ascii: "\"") && delimiter != 0x0A && delimiter != 0x0D, "invalid delimiter")
        try UTF8Validation.validateText(bytes, source: source)
        var records: [(line: Int, fields: [String])] = []
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, source: source, delimiter: delimiter, quoting: quoting)
            while let record = try parser.nextRecord() { records.append(record) }
        }
        guard !records.isEmpty else {
            if allowEmpty { return TextTable(source: source, columnNames: [], rows: [], lineNumbers: []) }
            throw TabularError.malformedRow(
                path: source, line: 1,
                reason: hasHeader ? "the file is empty: expected a header line and data rows" : "the file has no rows")
        }
        let columnNames: [String]
        var body = records[...]
        if hasHeader {
            columnNames = records[0].fields
            body = records.dropFirst()
            try checkUniqueColumns(columnNames, line: records[0].line, source: source)
            if body.isEmpty, !allowEmpty {
                throw TabularError.malformedRow(
                    path: source, line: records[0].line,
                    reason: "no data rows after the header on line \(records[0].line)")
            }
        } else {
            columnNames = (0..<records[0].fields.count).map { "column_\($0)" }
        }
        var rows: [[String]] = []
        var lines: [Int] = []
        rows.reserveCapacity(body.count)
        lines.reserveCapacity(body.count)
        for record in body {
            guard record.fields.count == columnNames.count else {
                throw TabularError.malformedRow(
                    path: source, line: record.line,
                    reason: "expected \(columnNames.count) fields, found \(record.fields.count)")
            }
            rows.append(record.fields)
            lines.append(record.line)
        }
        return TextTable(source: source, columnNames: columnNames, rows: rows, lineNumbers: lines)
    }

    /// Throws when a header names a column twice: lookups by name would silently use the first.
    static func checkUniqueColumns(_ names: [String], line: Int, source: String) throws {
        var firstPosition: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            if let first = firstPosition[name] {
                throw TabularError.malformedRow(
                    path: source, line: line,
                    reason: "the column '\(name)' appears twice in the header (fields \(first + 1) and \(position + 1))"
                )
            }
            firstPosition[name] = position
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let source: String
        let delimiter: UInt8
        let quoting: Bool
        var position = 0
        var line = 1
        var fieldsInLastRecord = 0

        init(bytes: UnsafeBufferPointer<UInt8>, source: String, delimiter: UInt8, quoting: Bool) {
            self.bytes = bytes
            self.source = source
            self.delimiter = delimiter
            self.quoting = quoting
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        }

        static let quote = UInt8(ascii: "\""), newline: UInt8 = 0x0A, carriageReturn: UInt8 = 0x0D

        /// The next record and the line it starts on, or nil at the end; skips blank lines.
        mutating func nextRecord() throws -> (line: Int, fields: [String])? {
            // Skip blank lines.
            while position < bytes.count {
                if bytes[position] == Self.newline {
                    position += 1
                    line += 1
                } else if bytes[position] == Self.carriageReturn, position + 1 < bytes.count,
                    bytes[position + 1] == Self.newline
                {
                    position += 2
                    line += 1
                } else {
                    break
                }
            }
            guard position < bytes.count else { return nil }
            let startLine = line
            var fields: [String] = []
            fields.reserveCapacity(fieldsInLastRecord)  // records almost always have the header's width
            while true {
                let (field, terminator) = try nextField()
                fields.append(field)
                switch terminator {
                case .delimiter: continue
                case .endOfRecord, .endOfInput:
                    fieldsInLastRecord = fields.count
                    return (startLine, fields)
                }
            }
        }

        enum Terminator { case delimiter, endOfRecord, endOfInput }

        mutating func nextField() throws -> (String, Terminator) {
            if quoting, position < bytes.count, bytes[position] == Self.quote {
                return try quotedField()
            }
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == delimiter {
                    let field = text(start, position)
                    position += 1
                    return (field, .delimiter)
                }
                if byte == Self.newline {
                    var end = position
                    if end > start, bytes[end - 1] == Self.carriageReturn { end -= 1 }
                    let field = text(start, end)
                    position += 1
                    line += 1
                    return (field, .endOfRecord)
                }
                position += 1
            }
            var end = position
            if end > start, bytes[end - 1] == Self.carriageReturn { end -= 1 }
            return (text(start, end), .endOfInput)
        }

        mutating func quotedField() throws -> (String, Terminator) {
            let openingLine = line
            position += 1  // opening quote
            // Bytes are gathered only once a doubled quote is met; a field without one is read straight from the input.
            var content: [UInt8] = []  // an empty array allocates nothing
            var escaped = false
            let contentStart = position
            var segmentStart = position
            var closing = position
            while true {
                // The next quote by memchr (vectorized), then the newlines before it (for line numbers): most of a
                // quoted text is neither, and a byte-by-byte loop was most of reading a cached table back.
                guard let quote = find(Self.quote, from: position, to: bytes.count) else {
                    throw TabularError.malformedRow(
                        path: source, line: openingLine, reason: "quoted field starting on this line is never closed")
                }
                var scan = position
                while let newline = find(Self.newline, from: scan, to: quote) {
                    line += 1
                    scan = newline + 1
                }
                position = quote
                if position + 1 < bytes.count, bytes[position + 1] == Self.quote {
                    escaped = true
                    content.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart...position]))
                    position += 2
                    segmentStart = position
                    continue
                }
                closing = position
                position += 1  // closing quote
                break
            }
            let field: String
            if escaped {
                content.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<closing]))
                field = String(decoding: content, as: UTF8.self)
            } else {
                field = text(contentStart, closing)
            }
            guard position < bytes.count else { return (field, .endOfInput) }
            let next = bytes[position]
            if next == delimiter {
                position += 1
                return (field, .delimiter)
            }
            if next == Self.newline {
                position += 1
                line += 1
                return (field, .endOfRecord)
            }
            if next == Self.carriageReturn, position + 1 < bytes.count, bytes[position + 1] == Self.newline {
                position += 2
                line += 1
                return (field, .endOfRecord)
            }
            if next == Self.carriageReturn, position + 1 == bytes.count { return (field, .endOfInput) }
            throw TabularError.malformedRow(
                path: source, line: line, reason: "unexpected text after the closing quote of a quoted field")
        }

        /// The offset of the first `byte` in `start..<end`, or nil.
        func find(_ byte: UInt8, from start: Int, to end: Int) -> Int? {
            guard start < end, let base = bytes.baseAddress,
                let found = memchr(base + start, Int32(byte), end - start)
            else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }

        func text(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}
