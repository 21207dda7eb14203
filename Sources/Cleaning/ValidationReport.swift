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
    public init(name: String, kind: String, severity: Constraint.Severity, mostly: Double?, rowsEvaluated: Int,
                rowsFailed: Int, passed: Bool, detail: String?, failures: [RowFailure], sampleValues: [String]) {
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

/// One failing row.
public struct RowFailure: Sendable, Equatable, Codable {
    /// The row id (its 0-based position in the input).
    public var row: Int
    /// Why it failed.
    public var reason: String
    /// The failing value, unless hidden (sensitive constraint without ``ValidationOptions/includeSensitiveValues``).
    public var value: String?

    /// Creates a failure record.
    public init(row: Int, reason: String, value: String?) {
        self.row = row
        self.reason = reason
        self.value = value
    }
}

/// Options for ``ConstraintSet/validate(_:options:)``.
public struct ValidationOptions: Sendable, Equatable {
    /// Show values of sensitive constraints (PII) in failures and samples.
    public var includeSensitiveValues: Bool
    /// Distinct failing values kept per constraint.
    public var maxSampleValues: Int
    /// Failing rows listed per constraint (all are counted); `nil` lists all.
    public var maxFailuresListed: Int?

    /// Evaluate constraints concurrently (on all cores).
    public var parallel: Bool

    /// Creates options (defaults: sensitive values hidden, 5 samples, 1,000 listed failures, parallel).
    public init(includeSensitiveValues: Bool = false, maxSampleValues: Int = 5, maxFailuresListed: Int? = 1000,
                parallel: Bool = true) {
        self.parallel = parallel
        self.includeSensitiveValues = includeSensitiveValues
        self.maxSampleValues = maxSampleValues
        self.maxFailuresListed = maxFailuresListed
    }
}
