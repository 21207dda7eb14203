/// The outcome of one constraint.
public struct ConstraintResult: Sendable, Equatable, Codable {
    /// The constraint's name.
    public var name: String
    /// The constraint's kind keyword (`not_null`, …).
    public var kind: String
    /// The constraint's severity.
    public var severity: Constraint.Severity
    /// The required passing fraction, if any.
    public var mostly: Double?
    /// Rows the constraint applied to (null cells are not evaluated by column constraints).
    public var rowsEvaluated: Int
    /// Rows that failed.
    public var rowsFailed: Int
    /// Whether the constraint passed under `mostly` (and its dataset-level condition, if any).
    public var passed: Bool
    /// A dataset-level explanation (for example the observed row count), if any.
    public var detail: String?
    /// Failing rows with reasons (the first ``ValidationOptions/maxFailuresListed`` of them).
    public var failures: [RowFailure]
    /// A few distinct failing values; empty for sensitive constraints unless requested.
    public var sampleValues: [String]

    /// Creates a result.
    public init(
        name: String, kind: String, severity: Constraint.Severity, mostly: Double?, rowsEvaluated: Int,
        rowsFailed: Int, passed: Bool, detail: String?, failures: [RowFailure], sampleValues: [String]
    ) {
        self.name = name
        self.kind = kind
        self.severity = severity
        self.mostly = mostly
        self.rowsEvaluated = rowsEvaluated
        self.rowsFailed = rowsFailed
        self.passed = passed
        self.detail = detail
        self.failures = failures
        self.sampleValues = sampleValues
    }

    /// The fraction of evaluated rows that passed (1 when none were evaluated).
    public var passFraction: Double {
        rowsEvaluated == 0 ? 1 : Double(rowsEvaluated - rowsFailed) / Double(rowsEvaluated)
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, severity, mostly, rowsEvaluated = "rows_evaluated", rowsFailed = "rows_failed", passed, detail,
            failures, sampleValues = "sample_values"
    }
}
