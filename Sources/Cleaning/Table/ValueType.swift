/// The types a cell can be required to parse as.
public enum ValueType: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// An optional sign and decimal digits.
    case integer
    /// A decimal number (optional sign, digits, optional fraction and exponent).
    case decimal
    /// `true`/`false`, `yes`/`no`, `1`/`0`, `t`/`f`, `y`/`n` (case-insensitive).
    case boolean
    /// An ISO 8601 calendar date `YYYY-MM-DD`, optionally followed by `T` and a time.
    case isoDate = "iso_date"
    /// An absolute `http`/`https`/`ftp` URL with a host.
    case url
    /// An email address `local@domain.tld`.
    case email
}
