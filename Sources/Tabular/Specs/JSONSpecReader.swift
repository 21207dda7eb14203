/// Reads strict JSON (RFC 8259) into a ``SpecTreeNode`` tree with the line and column of every value, enforcing
/// the ``SpecBudget`` (JSON has no aliases, so the limits are size, depth and the number of values). Object keys
/// must be unique. A UTF-8 byte-order mark is skipped.
enum JSONSpecReader {
    /// Parses `bytes` (valid UTF-8) as one JSON value.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` for a syntax error, an empty file, a repeated
    ///   key or an exceeded limit.
    static func read(_ bytes: [UInt8], budget: inout SpecBudget) throws -> SpecTreeNode {
        try bytes.withUnsafeBufferPointer { buffer in
            let start = buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
            var reader = Reader(parser: JSONParser(bytes: buffer, position: start, end: buffer.count), budget: budget)
            do {
                reader.parser.skipWhitespace()
                guard reader.parser.position < buffer.count else { throw budget.error(line: nil, "the file is empty") }
                let root = try reader.value()
                reader.parser.skipWhitespace()
                guard reader.parser.position == buffer.count else {
                    throw reader.parser.error("unexpected text after the JSON value")
                }
                budget = reader.budget
                return root
            } catch let error as JSONSyntaxError {
                let (line, column) = reader.lines.position(of: error.offset, in: buffer)
                throw reader.budget.error(line: line, "invalid JSON at column \(column): \(error.message)")
            }
        }
    }

    private struct Reader {
        var parser: JSONParser
        var budget: SpecBudget
        var lines = LineCounter()

        mutating func value() throws -> SpecTreeNode {
            guard parser.position < parser.end else { throw parser.error("unexpected end of input, expected a value") }
            let (line, column) = lines.position(of: parser.position, in: parser.bytes)
            switch parser.bytes[parser.position] {
            case UInt8(ascii: "{"): return try object(line: line, column: column)
            case UInt8(ascii: "["): return try array(line: line, column: column)
            case UInt8(ascii: "\""):
                try budget.count(1, line: line)
                return SpecTreeNode(
                    line: line, column: column, content: .scalar(text: try parser.string(), plain: false))
            default:
                try budget.count(1, line: line)
                let text: String
                switch try parser.value(depth: 0) {
                case let .bool(value): text = value ? "true" : "false"
                case let .number(written): text = written
                case .null: text = "null"
                case .string, .array, .object: throw parser.error("unexpected character, expected a value")
                }
                return SpecTreeNode(line: line, column: column, content: .scalar(text: text, plain: true))
            }
        }

        mutating func array(line: Int, column: Int) throws -> SpecTreeNode {
            try budget.count(1, line: line)
            try budget.enter(line: line)
            parser.position += 1
            var items: [SpecTreeNode] = []
            parser.skipWhitespace()
            if parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: "]") {
                parser.position += 1
            } else {
                while true {
                    parser.skipWhitespace()
                    budget.push(.index(items.count))
                    items.append(try value())
                    budget.pop()
                    parser.skipWhitespace()
                    guard parser.position < parser.end else { throw parser.error("unterminated array") }
                    let byte = parser.bytes[parser.position]
                    parser.position += 1
                    if byte == UInt8(ascii: ",") { continue }
                    if byte == UInt8(ascii: "]") { break }
                    parser.position -= 1
                    throw parser.error("expected ',' or ']' in an array")
                }
            }
            budget.leave()
            return SpecTreeNode(line: line, column: column, content: .list(items))
        }

        mutating func object(line: Int, column: Int) throws -> SpecTreeNode {
            try budget.count(1, line: line)
            try budget.enter(line: line)
            parser.position += 1
            var entries: [SpecTreeEntry] = []
            var keyLines: [String: Int] = [:]
            parser.skipWhitespace()
            if parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: "}") {
                parser.position += 1
            } else {
                while true {
                    parser.skipWhitespace()
                    guard parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: "\"") else {
                        throw parser.error("expected a string key")
                    }
                    let (keyLine, keyColumn) = lines.position(of: parser.position, in: parser.bytes)
                    let key = try parser.string()
                    try budget.count(1, line: keyLine)
                    budget.push(.key(key))
                    if let earlier = keyLines[key] {
                        throw budget.error(
                            line: keyLine, "the key '\(key)' appears twice in one object (first on line \(earlier))")
                    }
                    keyLines[key] = keyLine
                    parser.skipWhitespace()
                    guard parser.position < parser.end, parser.bytes[parser.position] == UInt8(ascii: ":") else {
                        throw parser.error("expected ':' after a key")
                    }
                    parser.position += 1
                    parser.skipWhitespace()
                    let value = try value()
                    budget.pop()
                    entries.append(SpecTreeEntry(key: key, line: keyLine, column: keyColumn, value: value))
                    parser.skipWhitespace()
                    guard parser.position < parser.end else { throw parser.error("unterminated object") }
                    let byte = parser.bytes[parser.position]
                    parser.position += 1
                    if byte == UInt8(ascii: ",") { continue }
                    if byte == UInt8(ascii: "}") { break }
                    parser.position -= 1
                    throw parser.error("expected ',' or '}' in an object")
                }
            }
            budget.leave()
            return SpecTreeNode(line: line, column: column, content: .map(entries))
        }
    }
}

/// Turns byte offsets into 1-based lines and columns (columns count characters), moving forward through the text
/// so that a whole document costs O(size) however many positions are asked for; a smaller offset restarts the count.
struct LineCounter {
    private var offset = 0
    private var line = 1
    private var column = 1

    mutating func position(of target: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        if target < offset { self = LineCounter() }
        let end = min(target, bytes.count)
        while offset < end {
            let byte = bytes[offset]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            offset += 1
        }
        return (line, column)
    }
}
