import Foundation

/// The one JSON encoding of Foundry's results, shared by every command and by programs that want the same output.
///
/// Keys are snake_case: a camelCase property (`examplesPerSecond`) is written `examples_per_second`, and a key that
/// already contains an underscore or has no capital letter is written as declared (so file-format names such as
/// `lora_alpha` or a peer's `L_sha256_base` survive). Keys are sorted, slashes are not escaped, dates are ISO 8601
/// with milliseconds, and non-finite numbers are refused rather than written as invalid JSON.
public enum FoundryJSON {
    /// A new encoder with Foundry's conventions.
    ///
    /// - Parameter pretty: indent the output (for files people read); by default one line (for terminals and pipes).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in SnakeCaseKey(path.last?.stringValue ?? "") }
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(isoTimestamp(date))
        }
        return encoder
    }

    /// `value` as one line of JSON text.
    ///
    /// - Throws: `EncodingError` for a non-finite number or a value that cannot be encoded.
    public static func string<Value: Encodable>(_ value: Value, pretty: Bool = false) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }

    /// A date as ISO 8601 in UTC with milliseconds (`2026-12-05T23:35:20.123Z`).
    public static func isoTimestamp(_ date: Date) -> String {
        timestampFormatter.withLock { $0.string(from: date) }
    }

    /// One formatter for every timestamp (creating one cost ~0.1 ms, more than a small report's JSON), used under a
    /// lock.
    private static let timestampFormatter = LockedValue<ISO8601DateFormatter>(
        {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter
        }())

    /// A time given as milliseconds since 1970 (how the store records it) as ISO 8601.
    public static func isoTimestamp(milliseconds: Int64) -> String {
        isoTimestamp(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// `name` in snake_case: a capital letter starts a new word unless it follows another capital
    /// (`fitSeconds` → `fit_seconds`, `labelMatrixSHA256` → `label_matrix_sha256`); names that already contain an
    /// underscore, or have no capital letter, are returned unchanged.
    public static func snakeCase(_ name: String) -> String {
        // ASCII names (every key Foundry writes) byte by byte: every key of every JSON file goes through here, and
        // the `Character` path below took about a microsecond a key.
        var hasCapital = false
        for byte in name.utf8 {
            if byte == UInt8(ascii: "_") { return name }
            if byte >= 0x80 { return snakeCaseByCharacters(name) }
            if byte &- UInt8(ascii: "A") < 26 { hasCapital = true }
        }
        guard hasCapital else { return name }
        let bytes = Array(name.utf8)
        func isCapital(_ index: Int) -> Bool { bytes[index] &- UInt8(ascii: "A") < 26 }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        for index in bytes.indices {
            if isCapital(index), index > 0 {
                let nextIsLower = index + 1 < bytes.count && bytes[index + 1] &- UInt8(ascii: "a") < 26
                if !isCapital(index - 1) || nextIsLower { out.append(UInt8(ascii: "_")) }
            }
            out.append(isCapital(index) ? bytes[index] | 0x20 : bytes[index])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ``snakeCase(_:)`` by Unicode characters (the rule for any name; the ASCII path above is equal on ASCII names).
    static func snakeCaseByCharacters(_ name: String) -> String {
        guard !name.contains("_"), name.contains(where: \.isUppercase) else { return name }
        var out = ""
        var previous: Character?
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase, let previous {
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if !previous.isUppercase || nextIsLower { out.append("_") }
            }
            out.append(contentsOf: character.lowercased())
            previous = character
        }
        return out
    }
}

/// A coding key whose string is the snake_case form of another.
private struct SnakeCaseKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(_ name: String) {
        stringValue = FoundryJSON.snakeCase(name)
        intValue = nil
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// A value used only while holding its lock.
private final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private let value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(value)
    }
}
