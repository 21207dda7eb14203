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
