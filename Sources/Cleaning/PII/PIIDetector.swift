/// Finds personal data (email, phone, credit card with Luhn check, IPv4, IPv6) in text by scanning its UTF-8 bytes.
///
/// Email word characters follow Python 3's `\w` (Unicode letters and numbers). Matches are reported as UTF-8 byte
/// ranges, in text order, without overlaps (on overlap the more specific kind wins: email, credit card, IPv4,
/// IPv6, then phone).
/// - Complexity: O(text length) per kind.
public struct PIIDetector: Sendable, Equatable {
    /// One occurrence of personal data.
    public struct Match: Sendable, Equatable {
        /// What was found.
        public var kind: PIIKind
        /// The UTF-8 byte range of the match within the text.
        public var range: Range<Int>
    }

    /// The kinds searched for.
    public var kinds: [PIIKind]

    /// Creates a detector for `kinds` (all kinds by default).
    public init(kinds: [PIIKind] = PIIKind.allCases) { self.kinds = kinds }

    /// Whether `text` contains any personal data of the detector's kinds.
    public func containsAny(in text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes in kinds.contains { !Self.scan($0, bytes, firstOnly: true).isEmpty } }
    }

    /// All non-overlapping matches in `text`, in order.
    public func matches(in text: String) -> [Match] {
        var copy = text
        let all = copy.withUTF8 { bytes in kinds.flatMap { Self.scan($0, bytes, firstOnly: false) } }
        // Overlaps go to the more specific kind (a card or an IP address also looks like a phone number).
        let sorted = all.sorted {
            $0.kind.specificity != $1.kind.specificity
                ? $0.kind.specificity < $1.kind.specificity : $0.range.lowerBound < $1.range.lowerBound
        }
        var result: [Match] = []
        for match in sorted where !result.contains(where: { $0.range.overlaps(match.range) }) { result.append(match) }
        result.sort { $0.range.lowerBound < $1.range.lowerBound }
        return result
    }

    /// `text` with every match replaced according to `redaction`.
    public func redact(_ text: String, using redaction: PIIRedaction) -> String {
        let found = matches(in: text)
        guard !found.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        for match in found {
            output.append(contentsOf: bytes[position..<match.range.lowerBound])
            switch redaction {
            case .redact: output.append(contentsOf: Array(match.kind.tag.utf8))
            case .mask:
                for byte in bytes[match.range] {
                    output.append(Self.isASCIIAlphanumeric(byte) || byte >= 0x80 ? UInt8(ascii: "*") : byte)
                }
            }
            position = match.range.upperBound
        }
        output.append(contentsOf: bytes[position...])
        return String(decoding: output, as: UTF8.self)
    }

    static func scan(_ kind: PIIKind, _ bytes: UnsafeBufferPointer<UInt8>, firstOnly: Bool) -> [Match] {
        switch kind {
        case .email: return PIIScanners.emails(bytes, firstOnly: firstOnly)
        case .phone: return PIIScanners.phones(bytes, firstOnly: firstOnly)
        case .creditCard: return PIIScanners.creditCards(bytes, firstOnly: firstOnly)
        case .ipv4: return PIIScanners.ipv4(bytes, firstOnly: firstOnly)
        case .ipv6: return PIIScanners.ipv6(bytes, firstOnly: firstOnly)
        }
    }

    static func isASCIIAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
