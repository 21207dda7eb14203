/// One proposed change to one row.
public struct ProposedChange: Sendable, Equatable, Codable, Identifiable {
    /// A stable id: a hash of the constraint's kind and repair, the row id, the row's content and the action.
    /// The same data and constraint give the same id on every run, so decisions re-apply.
    public var id: String
    /// The name of the constraint proposing it.
    public var constraint: String
    /// The row id.
    public var row: Int
    /// What would change.
    public var action: Action
    /// Why (the constraint's failure reason).
    public var reason: String

    /// Creates a proposal.
    public init(id: String, constraint: String, row: Int, action: Action, reason: String) {
        self.id = id
        self.constraint = constraint
        self.row = row
        self.action = action
        self.reason = reason
    }

    /// A change to a row.
    public enum Action: Sendable, Equatable, Codable {
        /// Remove the row.
        case dropRow
        /// Replace a cell's value (`nil` is null).
        case setCell(column: String, from: String?, to: String?)
    }

    /// A one-line description such as `row 17: set text from "a " to "a"`.
    public var summary: String {
        switch action {
        case .dropRow: return "row \(row): drop row"
        case let .setCell(column, from, to):
            func show(_ value: String?) -> String { value.map { "\"\(ValidationReport.clip($0))\"" } ?? "null" }
            return "row \(row): set \(column) from \(show(from)) to \(show(to))"
        }
    }
}
