import Foundation

/// Byte-level scanners behind ``PIIDetector``; each returns matches in text order.
enum PIIScanners {
    typealias Bytes = UnsafeBufferPointer<UInt8>
    typealias Match = PIIDetector.Match

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isWord(_ b: UInt8) -> Bool {
        PIIDetector.isASCIIAlphanumeric(b) || b == UInt8(ascii: "_") || b >= 0x80
    }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "f"))
    }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// `[\w.+-]+@[\w-]+\.[\w.-]+`, with `\w` as in Python 3 (ASCII letters, digits, `_`, and Unicode letters and
    /// numbers).
    static func emails(_ s: Bytes, firstOnly: Bool) -> [Match] {
        var result: [Match] = []
        let n = s.count
        // Byte length of the scalar at `i` when it belongs to the class (word characters plus `extra` ASCII bytes).
        func forward(_ i: Int, _ extra: (UInt8) -> Bool) -> Int? {
            guard i < n else { return nil }
            let b = s[i]
            if b < 0x80 { return isWord(b) || extra(b) ? 1 : nil }
            return unicodeWord(at: i, in: s)
        }
        // Start of the scalar ending just before `i` when it belongs to the class.
        func backward(_ i: Int, _ extra: (UInt8) -> Bool) -> Int? {
            guard i > 0 else { return nil }
            if s[i - 1] < 0x80 { return isWord(s[i - 1]) || extra(s[i - 1]) ? i - 1 : nil }
            var start = i - 1
            while start > 0, s[start] & 0xC0 == 0x80 { start -= 1 }
            return unicodeWord(at: start, in: s) == i - start ? start : nil
        }
        let local: (UInt8) -> Bool = { $0 == 0x2E || $0 == 0x2B || $0 == 0x2D }
        let domain: (UInt8) -> Bool = { $0 == 0x2D }
        let tail: (UInt8) -> Bool = { $0 == 0x2E || $0 == 0x2D }
        var i = 0
        while i < n {
            guard s[i] == UInt8(ascii: "@") else {
                guard let base = s.baseAddress, let found = memchr(base + i, 0x40, n - i) else { return result }
                i = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                continue
            }
            var start = i
            while let previous = backward(start, local) { start = previous }
            var j = i + 1
            while let width = forward(j, domain) { j += width }
            if start < i, j > i + 1, j < n, s[j] == 0x2E, forward(j + 1, tail) != nil {
                var end = j + 1
                while let width = forward(end, tail) { end += width }
                if start >= (result.last?.range.upperBound ?? 0) {
                    result.append(Match(kind: .email, range: start..<end))
                }
                if firstOnly { return result }
                i = end
            } else {
                i += 1
            }
        }
        return result
    }

    /// The byte length of the scalar starting at `i` if it is a Unicode letter or number (Python's `str.isalnum`).
    static func unicodeWord(at i: Int, in s: Bytes) -> Int? {
        var iterator = s[i...].makeIterator()
        var decoder = UTF8()
        guard case let .scalarValue(scalar) = decoder.decode(&iterator) else { return nil }
        let width = UTF8.width(scalar)
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return width
        default: return scalar.properties.numericType != nil ? width : nil
        }
    }

    /// `\+?\d[\d\s().-]{8,}\d`: within each maximal run of `[\d\s().-]`, first digit to last digit spans ≥ 10 bytes.
    static func phones(_ s: Bytes, firstOnly: Bool) -> [Match] {
        var result: [Match] = []
        let n = s.count
        var i = 0
        func inRun(_ b: UInt8) -> Bool { isDigit(b) || isSpace(b) || b == 0x28 || b == 0x29 || b == 0x2E || b == 0x2D }
        while i < n {
            guard isDigit(s[i]) else { i += 1; continue }
            let first = i
            var last = i
            var j = i + 1
            while j < n, inRun(s[j]) {
                if isDigit(s[j]) { last = j }
                j += 1
            }
            if last - first >= 9 {
                let start = first > 0 && s[first - 1] == 0x2B ? first - 1 : first
                result.append(Match(kind: .phone, range: start..<(last + 1)))
                if firstOnly { return result }
            }
            i = j
        }
        return result
    }

    /// 13–19 digits separated by at most single spaces or dashes, bounded by non-digits, passing Luhn.
    static func creditCards(_ s: Bytes, firstOnly: Bool) -> [Match] {
        var result: [Match] = []
        let n = s.count
        var i = 0
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        while i < n {
            guard isDigit(s[i]), i == 0 || !isDigit(s[i - 1]) else { i += 1; continue }
            digits.removeAll(keepingCapacity: true)
            var j = i
            var end = i
            while j < n {
                if isDigit(s[j]) {
                    digits.append(s[j] - 0x30)
                    j += 1
                    end = j
                } else if (s[j] == 0x20 || s[j] == 0x2D), j + 1 < n, isDigit(s[j + 1]) {
                    j += 1
                } else {
                    break
                }
            }
            if (13...19).contains(digits.count), luhn(digits) {
                result.append(Match(kind: .creditCard, range: i..<end))
                if firstOnly { return result }
            }
            i = max(end, i + 1)
        }
        return result
    }

    /// The Luhn checksum: doubling every second digit from the right, the digit sum is a multiple of 10.
    static func luhn(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// Four dot-separated octets 0…255 (1–3 digits each), not part of a longer dotted number.
    static func ipv4(_ s: Bytes, firstOnly: Bool) -> [Match] {
        var result: [Match] = []
        let n = s.count
        var i = 0
        while i < n {
            guard isDigit(s[i]), i == 0 || !(isDigit(s[i - 1]) || s[i - 1] == 0x2E) else { i += 1; continue }
            var j = i
            var octets = 0
            var valid = true
            while octets < 4 {
                var value = 0, length = 0
                while j < n, isDigit(s[j]), length < 4 { value = value * 10 + Int(s[j] - 0x30); length += 1; j += 1 }
                guard length >= 1, length <= 3, value <= 255 else { valid = false; break }
                octets += 1
                if octets < 4 {
                    guard j + 1 < n, s[j] == 0x2E, isDigit(s[j + 1]) else { valid = false; break }
                    j += 1
                }
            }
            if valid, !(j < n && (isDigit(s[j]) || (s[j] == 0x2E && j + 1 < n && isDigit(s[j + 1])))) {
                result.append(Match(kind: .ipv4, range: i..<j))
                if firstOnly { return result }
                i = j
            } else {
                i += 1
                while i < n, isDigit(s[i]) { i += 1 }
            }
        }
        return result
    }

    /// A maximal run of hex digits and colons, bounded by non-alphanumerics, that parses as an IPv6 address.
    static func ipv6(_ s: Bytes, firstOnly: Bool) -> [Match] {
        var result: [Match] = []
        let n = s.count
        var i = 0
        while i < n {
            guard isHex(s[i]) || s[i] == 0x3A, i == 0 || !(isWord(s[i - 1]) || s[i - 1] == 0x3A) else {
                i += 1; continue
            }
            var j = i
            while j < n, isHex(s[j]) || s[j] == 0x3A { j += 1 }
            if j == n || !isWord(s[j]), isValidIPv6(Array(s[i..<j])) {
                result.append(Match(kind: .ipv6, range: i..<j))
                if firstOnly { return result }
            }
            i = max(j, i + 1)
        }
        return result
    }

    static func isValidIPv6(_ text: [UInt8]) -> Bool {
        guard text.filter({ $0 == 0x3A }).count >= 2 else { return false }
        let string = String(decoding: text, as: UTF8.self)
        let halves = string.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: String) -> [Substring]? {
            if part.isEmpty { return [] }
            let items = part.split(separator: ":", omittingEmptySubsequences: false)
            return items.allSatisfy { (1...4).contains($0.count) } ? items : nil
        }
        if halves.count == 1 {
            return groups(string)?.count == 8
        }
        guard let left = groups(halves[0]), let right = groups(halves[1]) else { return false }
        return left.count + right.count <= 7
    }
}
