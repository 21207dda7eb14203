import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A compiled regular expression for labeling functions: "does the pattern occur in the text?".
///
/// Semantics are ICU's (`NSRegularExpression`) with `.` matching anything but `\n` (Python's `re`
/// default, `useUnixLineSeparators`), optionally case-insensitive. Patterns made only of literal
/// text, `.*` and top-level `|` alternatives (for example `check.*out` or `www\.|\.com`) are
/// matched by a hand-written byte matcher, which gives the same answers far faster; every other
/// pattern goes through `NSRegularExpression`, and so do case-insensitive searches in the rare texts
/// holding a character whose case folding contains ASCII letters (see ``containsASCIIFoldingScalar``).
public struct TextPattern: Sendable {
    /// The pattern as written.
    public let pattern: String
    /// Whether matching ignores case.
    public let ignoresCase: Bool
    private let expression: RegexBox
    /// Alternatives of `.*`-separated literal segments (lowercased when ignoring case); nil when the fast path does not apply.
    private let fastAlternatives: [ByteStrings]?

    // NSRegularExpression is immutable after creation and documented as thread-safe.
    private final class RegexBox: @unchecked Sendable {
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }

    /// Compiles `pattern`.
    ///
    /// - Parameters:
    ///   - pattern: an ICU regular expression.
    ///   - ignoresCase: match case-insensitively (default true).
    /// - Throws: ``LabelingError/invalidValue(field:value:reason:)`` when the pattern does not compile.
    public init(_ pattern: String, ignoresCase: Bool = true) throws {
        var options: NSRegularExpression.Options = [.useUnixLineSeparators]
        if ignoresCase { options.insert(.caseInsensitive) }
        do {
            expression = RegexBox(try RegexCache.shared.expression(pattern, options: options))
        } catch {
            throw LabelingError.invalidValue(
                field: "pattern", value: pattern, reason: "is not a valid regular expression")
        }
        self.pattern = pattern
        self.ignoresCase = ignoresCase
        fastAlternatives = Self.literalAlternatives(pattern).map { alternatives in
            alternatives.map { segments in
                ByteStrings(segments.map { ignoresCase ? $0.map(TextMatching.foldASCII) : $0 })
            }
        }
    }

    /// Whether the pattern is matched by the fast literal matcher.
    public var usesFastPath: Bool { fastAlternatives != nil }

    /// Whether the pattern occurs somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { matches($0) }
    }

    /// Whether the pattern occurs somewhere in the UTF-8 bytes `text` (which must be valid UTF-8).
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if let fastAlternatives {
            guard let base = text.baseAddress else { return fastAlternatives.contains { Self.allEmpty($0) } }
            if !(ignoresCase && Self.containsASCIIFoldingScalar(base, text.count)) {
                return Self.fastMatch(fastAlternatives, base, text.count, ignoresCase: ignoresCase)
            }
        }
        return regexMatches(String(decoding: text, as: UTF8.self))
    }

    private static func allEmpty(_ segments: ByteStrings) -> Bool {
        (0..<segments.count).allSatisfy { segments[$0].1 == 0 }
    }

    /// Whether the text holds a non-ASCII character whose case folding contains an ASCII letter
    /// (ß, İ, ŉ, ſ, ǰ, ẖ…ẚ, ẞ, the Kelvin sign K, the ligatures ﬀ…ﬆ): only then can a case-insensitive
    /// ASCII literal match non-ASCII text, so only then is `NSRegularExpression` needed.
    @inline(__always)
    static func containsASCIIFoldingScalar(_ base: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        guard var i = TextMatching.firstNonASCII(base, count) else { return false }
        while i < count {
            let byte = base[i]
            if byte >= 0x80, i + 1 < count {
                let next = base[i + 1]
                switch byte {
                case 0xC3: if next == 0x9F { return true }  // U+00DF ß
                case 0xC4: if next == 0xB0 { return true }  // U+0130 İ
                case 0xC5: if next == 0x89 || next == 0xBF { return true }  // U+0149 ŉ, U+017F ſ
                case 0xC7: if next == 0xB0 { return true }  // U+01F0 ǰ
                case 0xE1:  // U+1E96…U+1E9A, U+1E9E
                    if next == 0xBA, i + 2 < count, (0x96...0x9A).contains(base[i + 2]) || base[i + 2] == 0x9E {
                        return true
                    }
                case 0xE2: if next == 0x84, i + 2 < count, base[i + 2] == 0xAA { return true }  // U+212A Kelvin sign
                case 0xEF: if next == 0xAC, i + 2 < count, base[i + 2] <= 0x86 { return true }  // U+FB00…U+FB06
                default: break
                }
            }
            i += 1
        }
        return false
    }

    /// Matching through `NSRegularExpression` only (used for non-ASCII text, and in tests to cross-check the fast path).
    func regexMatches(_ text: String) -> Bool {
        expression.regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Splits a pattern into alternatives of literal segments separated by `.*`, or nil when it uses anything else.
    static func literalAlternatives(_ pattern: String) -> [[[UInt8]]]? {
        let bytes = Array(pattern.utf8)
        var alternatives: [[[UInt8]]] = []
        var segments: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            guard byte < 0x80, byte != 0x0A else { return nil }
            switch byte {
            case UInt8(ascii: "\\"):
                guard i + 1 < bytes.count else { return nil }
                let escaped = bytes[i + 1]
                // Only escaped punctuation is literal; \d, \w, \b, \n… have meanings.
                guard escaped < 0x80, !(escaped >= 0x30 && escaped <= 0x39),
                    !(escaped >= 0x41 && escaped <= 0x5A), !(escaped >= 0x61 && escaped <= 0x7A), escaped > 0x20
                else { return nil }
                current.append(escaped)
                i += 2
                continue
            case UInt8(ascii: "."):
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") else { return nil }
                // `.*` followed by a quantifier such as `?` or `+` is not a plain `.*`.
                if i + 2 < bytes.count, "?+*{".utf8.contains(bytes[i + 2]) { return nil }
                segments.append(current)
                current = []
                i += 2
                continue
            case UInt8(ascii: "|"):
                segments.append(current)
                alternatives.append(segments)
                segments = []
                current = []
            case UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"),
                UInt8(ascii: "}"), UInt8(ascii: "#"):
                return nil
            default:
                guard byte >= 0x20 else { return nil }
                current.append(byte)
            }
            i += 1
        }
        segments.append(current)
        alternatives.append(segments)
        return alternatives
    }

    /// Leftmost-greedy matching of `.*`-separated literals within each line (`.` never crosses `\n`).
    ///
    /// Within one line, taking each literal's leftmost occurrence after the previous one is optimal,
    /// so a line is rejected as soon as the greedy choice fails; the search resumes on the next line.
    static func fastMatch(_ alternatives: [ByteStrings], _ base: UnsafePointer<UInt8>, _ count: Int, ignoresCase: Bool)
        -> Bool
    {
        for segments in alternatives where segments.count > 0 {
            let (head, headLength) = segments[0]
            var from = 0
            while from <= count,
                let start = TextMatching.index(
                    of: head, headLength, in: base, count, from: from, ignoringASCIICase: ignoresCase)
            {
                if segments.count == 1 { return true }
                let lineEnd: Int
                if let newline = memchr(base + start, 0x0A, count - start) {
                    lineEnd = UnsafePointer<UInt8>(newline.assumingMemoryBound(to: UInt8.self)) - base
                } else {
                    lineEnd = count
                }
                var position = start + headLength
                var matched = true
                for index in 1..<segments.count {
                    let (segment, length) = segments[index]
                    guard
                        let found = TextMatching.index(
                            of: segment, length, in: base, lineEnd, from: position, ignoringASCIICase: ignoresCase)
                    else {
                        matched = false
                        break
                    }
                    position = found + length
                }
                if matched { return true }
                from = lineEnd + 1
            }
        }
        return false
    }
}
