/// The kinds of personal data ``PIIDetector`` finds.
public enum PIIKind: String, Sendable, Equatable, Hashable, Codable, CaseIterable, Comparable {
    /// `local@domain.tld` (the local part and domain as in the regex `[\w.+-]+@[\w-]+\.[\w.-]+`).
    case email
    /// A phone number: from a digit to a digit, at least 10 characters of digits, whitespace, `(`, `)`, `.`, `-`,
    /// optionally preceded by `+` (the regex `\+?\d[\d\s().-]{8,}\d`).
    case phone
    /// 13–19 digits, optionally grouped by single spaces or dashes, that pass the Luhn checksum.
    case creditCard = "credit_card"
    /// A dotted-quad IPv4 address with octets 0…255.
    case ipv4
    /// An IPv6 address (eight groups of 1–4 hex digits, or fewer with one `::`).
    case ipv6

    /// The tag that replaces a match under ``PIIRedaction/redact``.
    public var tag: String {
        switch self {
        case .email: return "[EMAIL]"
        case .phone: return "[PHONE]"
        case .creditCard: return "[CREDIT_CARD]"
        case .ipv4: return "[IPV4]"
        case .ipv6: return "[IPV6]"
        }
    }

    /// Orders kinds as listed (email, phone, credit card, IPv4, IPv6).
    public static func < (lhs: PIIKind, rhs: PIIKind) -> Bool {
        lhs.order < rhs.order
    }

    /// Rank used to resolve overlapping matches (lower wins).
    var specificity: Int {
        switch self {
        case .email: return 0
        case .creditCard: return 1
        case .ipv4: return 2
        case .ipv6: return 3
        case .phone: return 4
        }
    }

    private var order: Int {
        switch self {
        case .email: return 0
        case .phone: return 1
        case .creditCard: return 2
        case .ipv4: return 3
        case .ipv6: return 4
        }
    }
}
