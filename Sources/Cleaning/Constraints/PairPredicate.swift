/// A comparison of one column of two rows t1 and t2 inside a ``ConstraintKind/denial(predicates:)``.
public struct PairPredicate: Sendable, Equatable, Hashable, Codable {
    /// How the two values are compared.
    public enum Relation: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// t1.column = t2.column
        case equal
        /// t1.column ≠ t2.column
        case notEqual = "not_equal"
    }
    /// The column compared.
    public var column: String
    /// The relation between t1's and t2's values.
    public var relation: Relation

    /// Creates a predicate `t1.column <relation> t2.column`.
    public init(_ column: String, _ relation: Relation) {
        self.column = column
        self.relation = relation
    }
}
