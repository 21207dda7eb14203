import Foundation

/// A parsed JSON value that keeps object keys in file order and numbers as their source text.
///
/// Foundation's `JSONSerialization` loses key order, which JSONL column order and WRENCH example
/// order depend on; this small recursive-descent parser (RFC 8259) keeps both.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as written in the file.
    case number(String)
    /// A string, unescaped.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, its members in file order (a repeated key appears twice).
    case object([JSONMember])

    /// Values are equal when their kinds and contents are (numbers compare as written).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }

    /// The value of `key` in an object (first occurrence), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    /// The value as an exact integer, when it is a number without fraction or exponent.
    public var integer: Int? {
        guard case let .number(text) = self else { return nil }
        if let value = Int(text) { return value }
        if let double = Double(text), double == double.rounded(), abs(double) < 1e15 { return Int(double) }
        return nil
    }

    /// The value rendered as table text: strings as-is, numbers as written, `true`/`false`, null as "",
    /// arrays and objects as compact JSON.
    public var tableText: String {
        switch self {
        case .null: return ""
        case let .bool(value): return value ? "true" : "false"
        case let .number(text): return text
        case let .string(text): return text
        case .array, .object: return compactJSON
        }
    }

    /// Compact JSON text.
    public var compactJSON: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .number(text): return text
        case let .string(text): return JSONText.quoted(text)
        case let .array(items): return "[" + items.map(\.compactJSON).joined(separator: ",") + "]"
        case let .object(pairs):
            return "{" + pairs.map { JSONText.quoted($0.key) + ":" + $0.value.compactJSON }.joined(separator: ",") + "}"
        }
    }

    /// Parses one JSON document from `bytes[range]`; trailing whitespace is allowed, anything else is an error.
    ///
    /// - Throws: ``JSONSyntaxError`` with the byte offset of the problem.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>? = nil) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes, position: range?.lowerBound ?? 0, end: range?.upperBound ?? bytes.count)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.end else { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    /// Parses one JSON document.
    ///
    /// - Throws: ``JSONSyntaxError`` with the byte offset of the problem.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parse($0) }
    }

}

/// One key–value pair of a JSON object.
public struct JSONMember: Sendable, Equatable {
    /// The key.
    public let key: String
    /// The value.
    public let value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON syntax error at a byte offset.
public struct JSONSyntaxError: Error, Sendable {
    /// The byte offset of the problem in the parsed bytes.
    public let offset: Int
    /// What was wrong.
    public let message: String
}

/// The recursive-descent JSON parser behind ``JSONValue/parse(_:_:)`` and the JSON spec reader.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    func error(_ message: String) -> JSONSyntaxError { .init(offset: position, message: message) }

    mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw error("nesting is too deep") }
        guard position < end else { throw error("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character, expected a value")
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard position + count <= end else { throw error("unexpected end of input") }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] { throw error("invalid literal") }
        position += count
    }

    mutating func number() throws -> JSONValue {
        let start = position
        func digits() -> Int {
            let from = position
            while position < end, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
            return position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard digits() > 0 else { throw error("invalid number") }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw error("invalid number: digits expected after '.'") }
        }
        if position < end, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits() > 0 else { throw error("invalid number: digits expected in the exponent") }
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
    }

    mutating func string() throws -> String {
        position += 1  // opening quote
        var out: [UInt8] = []
        var segmentStart = position
        while true {
            guard position < end else { throw error("unterminated string") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                position += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte < 0x20 { throw error("control character inside a string") }
            if byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                position += 1
                guard position < end else { throw error("unterminated escape") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low surrogate.
                        if position + 1 < end, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        {
                            position += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        scalar = 0xFFFD
                    }
                    let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(unicode).utf8))
                default: throw error("invalid escape sequence")
                }
                segmentStart = position
                continue
            }
            position += 1
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard position + 4 <= end else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    mutating func array(depth: Int) throws -> JSONValue {
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < end, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            guard position < end else { throw error("unterminated array") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array(items)
            }
            throw error("expected ',' or ']' in an array")
        }
    }

    mutating func object(depth: Int) throws -> JSONValue {
        position += 1
        var pairs: [JSONMember] = []
        skipWhitespace()
        if position < end, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(pairs)
        }
        while true {
            skipWhitespace()
            guard position < end, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard position < end, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
            position += 1
            skipWhitespace()
            pairs.append(JSONMember(key: key, value: try value(depth: depth + 1)))
            skipWhitespace()
            guard position < end else { throw error("unterminated object") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(pairs)
            }
            throw error("expected ',' or '}' in an object")
        }
    }
}
