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
