/// A single-row comparison `column <op> value` used by ``ConstraintKind/rowPredicate(condition:requirement:)``.
public struct Comparison: Sendable, Equatable, Hashable, Codable {
    /// The comparison operator. Ordering operators compare numerically when both sides are numbers, else as text.
    public enum Operator: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// Equal text.
        case equal = "=="
        /// Different text (null never compares).
        case notEqual = "!="
        /// Less than.
        case less = "<"
        /// Less than or equal.
        case lessOrEqual = "<="
        /// Greater than.
        case greater = ">"
        /// Greater than or equal.
        case greaterOrEqual = ">="
        /// The cell is null (`value` ignored).
        case isNull = "is_null"
        /// The cell is not null (`value` ignored).
        case isNotNull = "not_null"
        /// The cell contains `value` as a substring.
        case contains
    }
    /// The column read.
    public var column: String
    /// The operator.
    public var op: Operator
    /// The right-hand side (unused by the null tests).
    public var value: String?

    /// Creates a comparison `column <op> value`.
    public init(_ column: String, _ op: Operator, _ value: String? = nil) {
        self.column = column
        self.op = op
        self.value = value
    }
}
