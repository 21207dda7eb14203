/// What to propose for the rows that fail a constraint. Every repair goes through review before it is applied.
public enum Repair: Sendable, Equatable, Hashable, Codable {
    /// Remove the failing row.
    case dropRow
    /// Set the failing cell to null.
    case setNull
    /// Replace the failing cell with a value computed from the passing cells of its column.
    case impute(ImputeStrategy)
    /// Rewrite the failing cell with text normalizations (proposed only when the text changes).
    case standardize([StandardizeStep])
    /// Replace detected personal data (``ConstraintKind/noPII(column:kinds:)`` only).
    case redactPII(PIIRedaction)
    /// Keep the first of a group of duplicates and drop the later ones (`unique`, `near_duplicates`).
    case keepFirst

    /// The spec keyword of the repair.
    public var keyword: String {
        switch self {
        case .dropRow: return "drop_row"
        case .setNull: return "set_null"
        case .impute: return "impute"
        case .standardize: return "standardize"
        case .redactPII: return "redact_pii"
        case .keepFirst: return "keep_first"
        }
    }
}

/// How ``Repair/impute(_:)`` computes the replacement value.
public enum ImputeStrategy: Sendable, Equatable, Hashable, Codable {
    /// The most frequent passing value (ties: the smallest in string order).
    case mode
    /// The median of the passing numeric values (the mean of the middle two for an even count).
    case median
    /// A fixed value.
    case constant(String)
}

/// One text normalization of ``Repair/standardize(_:)``, applied in the order given.
public enum StandardizeStep: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Remove leading and trailing whitespace.
    case trim
    /// Replace each run of whitespace with one space.
    case collapseWhitespace = "collapse_whitespace"
    /// Lowercase.
    case lowercase
    /// Unicode canonical composition (NFC).
    case nfc
}

/// How personal data is hidden by ``Repair/redactPII(_:)``.
public enum PIIRedaction: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Replace each letter and digit of the match with `*` (separators kept, so the shape stays visible).
    case mask
    /// Replace the whole match with a tag such as `[EMAIL]`.
    case redact
}
