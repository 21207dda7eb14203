/// What ``LFApplier/apply(_:progress:cancellation:)`` produces.
public struct LFApplierResult: Sendable {
    /// The votes.
    public let labelMatrix: LabelMatrix
    /// One report per labeling function, in column order.
    public let faults: [LFFaultReport]

    /// Total number of faults over all functions.
    public var totalFaults: Int { faults.reduce(0) { $0 + $1.count } }
}

/// How often one labeling function failed, and its first error.
public struct LFFaultReport: Sendable, Equatable, Codable {
    /// The function's name.
    public let lf: String
    /// Rows on which it threw (or voted outside `0..<k`); those rows count as abstain.
    public let count: Int
    /// The first such row.
    public let firstRow: Int?
    /// The first error's description.
    public let firstError: String?
}
