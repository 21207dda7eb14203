import Foundation

extension ValueType {
    /// Whether `text` parses as this type (no surrounding whitespace allowed).
    public func accepts(_ text: String) -> Bool {
        switch self {
        case .integer: return Self.isInteger(Substring(text))
        case .decimal: return Self.isDecimal(text)
        case .boolean: return Self.booleanWords.contains(text.lowercased())
        case .isoDate: return Self.isISODate(text)
        case .url: return Self.isURL(text)
        case .email: return Self.isEmail(text)
        }
    }

    static let booleanWords: Set<String> = ["true", "false", "yes", "no", "1", "0", "t", "f", "y", "n"]

    static func isInteger(_ text: Substring) -> Bool {
        var body = text
        if let first = body.first, first == "+" || first == "-" { body = body.dropFirst() }
        return !body.isEmpty && body.utf8.allSatisfy { $0 &- 0x30 < 10 }
    }

    static func isDecimal(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] &- 0x30 < 10 { i += 1 }
            return i - start
        }
        if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
        var count = digits()
        if i < bytes.count, bytes[i] == 0x2E { i += 1; count += digits() }
        guard count > 0 else { return false }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == bytes.count
    }

    /// `YYYY-MM-DD` with a valid day, optionally `T`/space + `HH:MM[:SS[.fff]]` + optional `Z` or `±HH:MM`.
    static func isISODate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count, range.allSatisfy({ b[$0] &- 0x30 < 10 }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(b[$1] - 0x30) }
        }
        guard b.count >= 10, b[4] == 0x2D, b[7] == 0x2D, let year = number(0..<4), let month = number(5..<7),
            let day = number(8..<10), (1...12).contains(month)
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        if b.count == 10 { return true }
        guard b[10] == UInt8(ascii: "T") || b[10] == 0x20, b.count >= 16, let hour = number(11..<13), b[13] == 0x3A,
            let minute = number(14..<16), hour < 24, minute < 60
        else { return false }
        var i = 16
        if i < b.count, b[i] == 0x3A {
            guard let second = number((i + 1)..<(i + 3)), second <= 60 else { return false }
            i += 3
            if i < b.count, b[i] == 0x2E {
                i += 1
                let start = i
                while i < b.count, b[i] &- 0x30 < 10 { i += 1 }
                guard i > start else { return false }
            }
        }
        if i == b.count { return true }
        if b[i] == UInt8(ascii: "Z") { return i + 1 == b.count }
        guard b[i] == 0x2B || b[i] == 0x2D, b.count == i + 6, number((i + 1)..<(i + 3)) != nil, b[i + 3] == 0x3A,
            number((i + 4)..<(i + 6)) != nil
        else { return false }
        return true
    }

    static func isURL(_ text: String) -> Bool {
        guard !text.contains(where: { $0.isWhitespace }), let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), ["http", "https", "ftp"].contains(scheme),
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty,
            parts[0].utf8.allSatisfy({ PIIScanners.isWord($0) || $0 == 0x2E || $0 == 0x2B || $0 == 0x2D })
        else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2,
            labels.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { PIIScanners.isWord($0) || $0 == 0x2D } }),
            let tld = labels.last, tld.count >= 2
        else { return false }
        return true
    }
}
