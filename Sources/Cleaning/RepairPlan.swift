import Foundation

/// Row-level changes proposed by the repairs of a ``ConstraintSet`` for one table, waiting for review.
///
/// Built by ``RepairPlanner/plan(for:constraints:)``; applied with ``apply(to:decisions:)``.
public struct RepairPlan: Sendable, Equatable, Codable {
    /// The ``CleaningTable/fingerprint`` of the table the plan was made for.
    public var fingerprint: String
    /// The proposals, grouped by constraint in constraint order, rows ascending within a constraint.
    public var changes: [ProposedChange]

    /// Creates a plan.
    public init(fingerprint: String, changes: [ProposedChange]) {
        self.fingerprint = fingerprint
        self.changes = changes
    }
}

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

/// One entry of the change log written when a plan is applied.
public struct ChangeLogEntry: Sendable, Equatable, Codable {
    /// The proposal's id.
    public var id: String
    /// The constraint that proposed it.
    public var constraint: String
    /// The row id.
    public var row: Int
    /// What changed.
    public var action: ProposedChange.Action
    /// Why.
    public var reason: String
    /// `applied`, or why it was skipped.
    public var status: String
}

extension RepairPlan {
    /// Applies the accepted changes to `table` (which is not modified; a new table is returned).
    ///
    /// Cell changes apply in plan order; a cell change whose `from` value no longer matches (an earlier accepted
    /// change rewrote the cell) is skipped and logged. Dropped rows are removed last.
    ///
    /// - Returns: the new table and one log entry per accepted change.
    /// - Throws: ``CleaningError/decisionsForDifferentData(path:expected:found:)`` when the plan or the decisions
    ///   were made for different data.
    /// - Complexity: O(rows + changes).
    public func apply(to table: CleaningTable, decisions: ReviewDecisions) throws -> (table: CleaningTable, log: [ChangeLogEntry]) {
        let actual = table.fingerprint
        guard actual == fingerprint else {
            throw CleaningError.decisionsForDifferentData(path: table.source, expected: actual, found: fingerprint)
        }
        guard decisions.fingerprint == fingerprint else {
            throw CleaningError.decisionsForDifferentData(path: "decisions", expected: fingerprint, found: decisions.fingerprint)
        }
        var result = table
        var positionByRow: [Int: Int] = [:]
        for (position, id) in table.rowIDs.enumerated() { positionByRow[id] = position }
        var dropped = Set<Int>()
        var log: [ChangeLogEntry] = []
        for change in changes where decisions.decisions[change.id] == .accept {
            var status = "applied"
            if let position = positionByRow[change.row] {
                switch change.action {
                case .dropRow:
                    if !dropped.insert(position).inserted { status = "skipped: row already dropped" }
                case let .setCell(column, from, to):
                    if let c = result.columnIndex(column) {
                        if result.columns[c][position] == from { result.setCell(row: position, column: c, to: to) }
                        else { status = "skipped: cell was changed by an earlier change" }
                    } else {
                        status = "skipped: no column \(column)"
                    }
                }
            } else {
                status = "skipped: no row \(change.row)"
            }
            log.append(ChangeLogEntry(id: change.id, constraint: change.constraint, row: change.row, action: change.action,
                                      reason: change.reason, status: status))
        }
        if !dropped.isEmpty { result.keepRows((0..<table.rowCount).filter { !dropped.contains($0) }) }
        return (result, log)
    }
}
