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
    public init(
        includeSensitiveValues: Bool = false, maxSampleValues: Int = 5, maxFailuresListed: Int? = 1000,
        parallel: Bool = true
    ) {
        self.parallel = parallel
        self.includeSensitiveValues = includeSensitiveValues
        self.maxSampleValues = maxSampleValues
        self.maxFailuresListed = maxFailuresListed
    }
}
