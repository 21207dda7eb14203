import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-level text primitives behind the keyword, regex and lexicon labeling functions.
///
/// All functions work on the UTF-8 bytes of native Swift strings without copying them.
enum TextMatching {
    // MARK: Lowercasing and tokens

    /// Unicode full lowercase mapping (Python's `str.lower` apart from the final-sigma context), with an ASCII fast path.
    static func lowercased(_ text: String) -> String {
        enum Outcome { case unchanged, lowered(String) }
        var copy = text
        let outcome = copy.withUTF8 { bytes -> Outcome in
            guard let base = bytes.baseAddress else { return .unchanged }
            let count = bytes.count
            // Most texts are ASCII, and many need no change at all.
            var firstChange = -1
            var i = 0
            while i < count {
                let byte = base[i]
                if byte &- 0x41 < 26 || byte >= 0x80 {
                    firstChange = i
                    break
                }
                i += 1
            }
            if firstChange < 0 { return .unchanged }
            if firstNonASCII(base, count) == nil {
                return .lowered(
                    String(unsafeUninitializedCapacity: count) { out in
                        for i in 0..<count {
                            let byte = base[i]
                            out[i] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                        }
                        return count
                    })
            }
            var out = [UInt8]()
            out.reserveCapacity(count + 8)
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: firstChange))
            i = firstChange
            while i < count {
                let byte = base[i]
                if byte < 0x80 {
                    out.append(byte &- 0x41 < 26 ? byte | 0x20 : byte)
                    i += 1
                    continue
                }
                // Decode one scalar (the bytes of a Swift string are valid UTF-8).
                let width = byte >= 0xF0 ? 4 : (byte >= 0xE0 ? 3 : 2)
                var value = UInt32(byte) & (width == 2 ? 0x1F : (width == 3 ? 0x0F : 0x07))
                for k in 1..<width { value = value << 6 | UInt32(base[i + k] & 0x3F) }
                // Variation selectors, BOM, Arabic forms and emoji have no case: skip the property lookup.
                if !isCaseless(value), let scalar = Unicode.Scalar(value), scalar.properties.changesWhenLowercased {
                    out.append(contentsOf: scalar.properties.lowercaseMapping.utf8)
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(start: base + i, count: width))
                }
                i += width
            }
            return .lowered(String(decoding: out, as: UTF8.self))
        }
        switch outcome {
        case .unchanged: return text
        case let .lowered(result): return result
        }
    }

    /// The offset of the first byte ≥ 0x80, or nil.
    @inline(__always)
    static func firstNonASCII(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int? {
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= count {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            i += 8
        }
        while i < count {
            if base[i] >= 0x80 { return i }
            i += 1
        }
        return nil
    }

    /// Lowercased word tokens: maximal runs of letters, digits and `_`, keeping apostrophes between letters.
    static func wordTokens(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        let scalars = Array(text.lowercased().unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            let isWord = isWordScalar(scalar)
            let isInnerApostrophe =
                (scalar == "'" || scalar == "\u{2019}") && !current.isEmpty && index + 1 < scalars.count
                && isAlphabetic(scalars[index + 1])
            if isWord || isInnerApostrophe {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// Whether `scalar` is part of a word: alphabetic, numeric (any Unicode numeric type) or `_`. ASCII is decided
    /// by ranges, which give the same answers as the Unicode properties (a test checks all 128) without their table
    /// lookups; tokenizing was the largest cost of applying keyword LFs.
    @inline(__always)
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (value | 0x20) &- 0x61 < 26 || value &- 0x30 < 10 || value == 0x5F
        }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
    }

    /// Unicode's `Alphabetic` property, with ASCII decided by ranges.
    @inline(__always)
    static func isAlphabetic(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return (value | 0x20) &- 0x61 < 26 }
        return scalar.properties.isAlphabetic
    }

    /// `len(text.split())` in Python: the number of runs of non-whitespace, where whitespace is
    /// U+0009–U+000D, U+001C–U+001F, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
    /// U+202F, U+205F and U+3000. Stops counting at `limit` when given.
    static func whitespaceTokenCount(_ text: String, limit: Int = .max) -> Int {
        var text = text
        return text.withUTF8 { whitespaceTokenCount($0, limit: limit) }
    }

    /// ``whitespaceTokenCount(_:limit:)`` over UTF-8 bytes.
    static func whitespaceTokenCount(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = .max) -> Int {
        do {
            guard let base = bytes.baseAddress else { return 0 }
            var count = 0
            var inToken = false
            var i = 0
            let n = bytes.count
            while i < n {
                let byte = base[i]
                var width = 1
                let isSpace: Bool
                if byte < 0x80 {
                    // 0x09–0x0D, 0x1C–0x20
                    isSpace = byte <= 0x20 && (0x1_F000_3E00 as UInt64) >> UInt64(byte) & 1 == 1
                } else if byte == 0xC2, i + 1 < n {
                    width = 2
                    isSpace = base[i + 1] == 0x85 || base[i + 1] == 0xA0
                } else if byte == 0xE1, i + 2 < n {
                    width = 3
                    isSpace = base[i + 1] == 0x9A && base[i + 2] == 0x80
                } else if byte == 0xE2, i + 2 < n {
                    width = 3
                    let b1 = base[i + 1], b2 = base[i + 2]
                    isSpace =
                        (b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF))
                        || (b1 == 0x81 && b2 == 0x9F)
                } else if byte == 0xE3, i + 2 < n {
                    width = 3
                    isSpace = base[i + 1] == 0x80 && base[i + 2] == 0x80
                } else {
                    isSpace = false
                }
                if isSpace {
                    inToken = false
                } else if !inToken {
                    inToken = true
                    count += 1
                    if count >= limit { return count }
                }
                i += width
            }
            return count
        }
    }

    /// Appends the lowercase of UTF-8 `bytes` to `column` as one row (ASCII eight bytes at a time).
    static func appendLowercased(_ bytes: UnsafeBufferPointer<UInt8>, to column: TextColumn) {
        guard let base = bytes.baseAddress else {
            column.commit(0)
            return
        }
        let count = bytes.count
        if firstNonASCII(base, count) == nil {
            let out = column.reserve(count)
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // For ASCII bytes: 0x80 where byte ≥ 'A', and where byte > 'Z'.
                let atLeastA = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & 0x8080_8080_8080_8080
                let aboveZ = (word &+ 0x2525_2525_2525_2525) & 0x8080_8080_8080_8080
                let upper = atLeastA & ~aboveZ
                UnsafeMutableRawPointer(out + i).storeBytes(of: word | (upper >> 2), as: UInt64.self)
                i += 8
            }
            while i < count {
                let byte = base[i]
                out[i] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                i += 1
            }
            column.commit(count)
            return
        }
        // Mixed text: ASCII bytes fold directly; other scalars use Unicode's lowercase mapping (at most 3× longer).
        let out = column.reserve(count * 3)
        var written = 0
        var i = 0
        let raw = UnsafeRawPointer(base)
        while i < count {
            if i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    let atLeastA = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & 0x8080_8080_8080_8080
                    let aboveZ = (word &+ 0x2525_2525_2525_2525) & 0x8080_8080_8080_8080
                    UnsafeMutableRawPointer(out + written).storeBytes(
                        of: word | ((atLeastA & ~aboveZ) >> 2), as: UInt64.self)
                    i += 8
                    written += 8
                    continue
                }
            }
            let byte = base[i]
            if byte < 0x80 {
                out[written] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                written += 1
                i += 1
                continue
            }
            let width = byte >= 0xF0 ? 4 : (byte >= 0xE0 ? 3 : 2)
            var value = UInt32(byte) & (width == 2 ? 0x1F : (width == 3 ? 0x0F : 0x07))
            for k in 1..<width { value = value << 6 | UInt32(base[i + k] & 0x3F) }
            if !isCaseless(value), let scalar = Unicode.Scalar(value), scalar.properties.changesWhenLowercased {
                for unit in scalar.properties.lowercaseMapping.utf8 {
                    out[written] = unit
                    written += 1
                }
            } else {
                (out + written).update(from: base + i, count: width)
                written += width
            }
            i += width
        }
        column.commit(written)
    }

    /// Scalars known to have no case (variation selectors, BOM, Arabic presentation forms, emoji…): skips a property lookup.
    @inline(__always)
    static func isCaseless(_ value: UInt32) -> Bool {
        (0xFE00...0xFEFF).contains(value) || (0x1F000...0x1FAFF).contains(value) || (0x2000...0x206F).contains(value)
            || (0x3000...0x9FFF).contains(value)
    }

    // MARK: Substring search

    /// Whether `needle` occurs in `haystack` (bytes).
    @inline(__always)
    static func contains(
        _ haystack: UnsafePointer<UInt8>, _ count: Int, _ needle: UnsafePointer<UInt8>, _ needleCount: Int
    ) -> Bool {
        index(of: needle, needleCount, in: haystack, count, from: 0, ignoringASCIICase: false) != nil
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let lowSeven: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// 0x80 in exactly the bytes of `x` that are zero.
    @inline(__always) private static func zeroBytes(_ x: UInt64) -> UInt64 {
        ~(((x & lowSeven) &+ lowSeven) | x | lowSeven)
    }

    /// The first offset in `start...end - needleCount` where `needle` occurs in `haystack[..<end]`, or nil.
    ///
    /// Scans eight positions at a time for the needle's first two bytes (SWAR), then verifies candidates.
    /// With `ignoringASCIICase`, `needle` must be lowercase and ASCII letters of the haystack match either case.
    @inline(__always)
    static func index(
        of needle: UnsafePointer<UInt8>, _ needleCount: Int, in haystack: UnsafePointer<UInt8>, _ end: Int,
        from start: Int,
        ignoringASCIICase: Bool
    ) -> Int? {
        if needleCount == 0 { return start <= end ? start : nil }
        let lastStart = end - needleCount
        guard start <= lastStart else { return nil }
        @inline(__always) func isLetter(_ b: UInt8) -> Bool { b &- 0x61 < 26 }
        @inline(__always) func fold(_ b: UInt8) -> UInt8 { ignoringASCIICase && b &- 0x41 < 26 ? b | 0x20 : b }
        @inline(__always) func verify(_ position: Int) -> Bool {
            var k = 0
            while k < needleCount {
                if fold(haystack[position + k]) != needle[k] { return false }
                k += 1
            }
            return true
        }
        let first = needle[0]
        let second = needleCount > 1 ? needle[1] : 0
        let firstMask: UInt64 = ignoringASCIICase && isLetter(first) ? 0x2020_2020_2020_2020 : 0
        let secondMask: UInt64 = ignoringASCIICase && isLetter(second) ? 0x2020_2020_2020_2020 : 0
        let firstPattern = UInt64(first) &* ones, secondPattern = UInt64(second) &* ones
        let raw = UnsafeRawPointer(haystack)
        var position = start
        // Sixteen candidate positions per step with SIMD compares; the loads read bytes position ..< position + 17.
        let firstVector = SIMD16<UInt8>(repeating: first), secondVector = SIMD16<UInt8>(repeating: second)
        let firstFold = SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: firstMask))
        let secondFold = SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: secondMask))
        while position + 17 <= end, position <= lastStart {
            let word = raw.loadUnaligned(fromByteOffset: position, as: SIMD16<UInt8>.self)
            var hits = (word | firstFold) .== firstVector
            if needleCount > 1 {
                let shifted = raw.loadUnaligned(fromByteOffset: position + 1, as: SIMD16<UInt8>.self)
                hits = hits .& ((shifted | secondFold) .== secondVector)
            }
            if any(hits) {
                // Exact candidate bits for the two halves (SWAR), visited lowest first.
                for half in stride(from: 0, to: 16, by: 8) {
                    let at = position + half
                    let low = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    var bits = zeroBytes((low | firstMask) ^ firstPattern)
                    if needleCount > 1 {
                        let next = raw.loadUnaligned(fromByteOffset: at + 1, as: UInt64.self)
                        bits &= zeroBytes((next | secondMask) ^ secondPattern)
                    }
                    while bits != 0 {
                        let candidate = at + bits.trailingZeroBitCount / 8
                        if candidate > lastStart { return nil }
                        if verify(candidate) { return candidate }
                        bits &= bits &- 1
                    }
                }
            }
            position += 16
        }
        // Eight candidate positions per step; the loads read bytes position ..< position + 9.
        while position + 9 <= end, position <= lastStart {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            var hits = zeroBytes((word | firstMask) ^ firstPattern)
            if needleCount > 1 {
                let shifted = raw.loadUnaligned(fromByteOffset: position + 1, as: UInt64.self)
                hits &= zeroBytes((shifted | secondMask) ^ secondPattern)
            }
            while hits != 0 {
                let candidate = position + hits.trailingZeroBitCount / 8
                if candidate > lastStart { return nil }
                if verify(candidate) { return candidate }
                hits &= hits &- 1
            }
            position += 8
        }
        while position <= lastStart {
            if verify(position) { return position }
            position += 1
        }
        return nil
    }

    @inline(__always) static func foldASCII(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }
}

/// A set of byte strings searched as substrings ("any of"), stored contiguously.
struct SubstringSet: Sendable {
    private let storage: ByteStrings

    init(_ needles: [String]) { storage = ByteStrings(needles.map { Array($0.utf8) }) }

    /// Whether any needle occurs in `text`.
    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches($0) }
    }

    /// Whether any needle occurs in the UTF-8 bytes `text`.
    @inline(__always)
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let base = text.baseAddress ?? UnsafePointer(storage.bytes)
        for index in 0..<storage.count {
            let (needle, length) = storage[index]
            if TextMatching.index(of: needle, length, in: base, text.count, from: 0, ignoringASCIICase: false) != nil {
                return true
            }
        }
        return false
    }
}
