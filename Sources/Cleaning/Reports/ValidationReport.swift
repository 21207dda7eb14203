/// The outcome of evaluating a ``ConstraintSet`` over a table: one ``ConstraintResult`` per constraint.
public struct ValidationReport: Sendable, Equatable, Codable {
    /// The table's source.
    public var source: String
    /// Rows in the table.
    public var rowCount: Int
    /// One result per constraint, in constraint order.
    public var results: [ConstraintResult]

    /// Creates a report.
    public init(source: String, rowCount: Int, results: [ConstraintResult]) {
        self.source = source
        self.rowCount = rowCount
        self.results = results
    }

    /// Whether every error-severity constraint passed (warnings do not fail a validation).
    public var passed: Bool { results.allSatisfy { $0.passed || $0.severity == .warning } }

    enum CodingKeys: String, CodingKey {
        case source, rowCount = "row_count", results
    }
}
