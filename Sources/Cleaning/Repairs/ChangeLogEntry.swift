/// One entry of the change log written when a plan is applied.
public struct ChangeLogEntry: Sendable, Equatable, Codable {
    /// The proposal's id.
    public var id: String
    /// The constraint that proposed it.
    public var constraint: String
    /// The row id (0-based position in the input: row 0 is the first data row).
    public var row: Int
    /// What changed.
    public var action: ProposedChange.Action
    /// Why.
    public var reason: String
    /// `applied`, or why it was skipped.
    public var status: String
}
