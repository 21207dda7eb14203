import Foundation

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
    public func apply(to table: CleaningTable, decisions: ReviewDecisions) throws -> (
        table: CleaningTable, log: [ChangeLogEntry]
    ) {
        let actual = table.fingerprint
        guard actual == fingerprint else {
            throw CleaningError.decisionsForDifferentData(path: table.source, expected: actual, found: fingerprint)
        }
        guard decisions.fingerprint == fingerprint else {
            throw CleaningError.decisionsForDifferentData(
                path: "decisions", expected: fingerprint, found: decisions.fingerprint)
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
                        if result.columns[c][position] == from {
                            result.setCell(row: position, column: c, to: to)
                        } else {
                            status = "skipped: cell was changed by an earlier change"
                        }
                    } else {
                        status = "skipped: no column \(column)"
                    }
                }
            } else {
                status = "skipped: no row \(change.row)"
            }
            log.append(
                ChangeLogEntry(
                    id: change.id, constraint: change.constraint, row: change.row, action: change.action,
                    reason: change.reason, status: status))
        }
        if !dropped.isEmpty { result.keepRows((0..<table.rowCount).filter { !dropped.contains($0) }) }
        return (result, log)
    }
}
