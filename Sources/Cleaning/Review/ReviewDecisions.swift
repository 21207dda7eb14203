import Foundation
import FoundryCore

/// Accept/reject decisions on proposed changes, bound to the fingerprint of the data they were made for.
///
/// Saved as JSON; on the next run over the same data the decisions re-apply (ids are stable), decided changes
/// are not proposed again, and ``diff(_:)`` shows what an edit of the constraints changed.
public struct ReviewDecisions: Sendable, Equatable, Codable {
    /// A decision on one proposal.
    public enum Decision: String, Sendable, Equatable, Codable {
        /// Apply the change.
        case accept
        /// Do not apply it, and do not propose it again.
        case reject
    }

    /// The ``CleaningTable/fingerprint`` of the data.
    public var fingerprint: String
    /// Decisions by proposal id.
    public var decisions: [String: Decision]
    /// The ids proposed by the last recorded plan, with their constraint names.
    public var proposals: [String: String]

    /// Creates empty decisions for data with `fingerprint`.
    public init(fingerprint: String) {
        self.fingerprint = fingerprint
        decisions = [:]
        proposals = [:]
    }

    /// Records one decision.
    public mutating func decide(_ id: String, _ decision: Decision) { decisions[id] = decision }

    /// Decides every pending change of `plan` made by `constraint`.
    public mutating func decide(constraint: String, in plan: RepairPlan, _ decision: Decision) {
        for change in pending(in: plan) where change.constraint == constraint { decisions[change.id] = decision }
    }

    /// Decides every pending change of `plan`.
    public mutating func decideAll(in plan: RepairPlan, _ decision: Decision) {
        for change in pending(in: plan) { decisions[change.id] = decision }
    }

    /// The changes of `plan` without a decision yet (rejected and accepted ones are not proposed again).
    public func pending(in plan: RepairPlan) -> [ProposedChange] { plan.changes.filter { decisions[$0.id] == nil } }

    /// How `plan` differs from the last recorded plan.
    public func diff(_ plan: RepairPlan) -> PlanDiff {
        let current = Set(plan.changes.map(\.id))
        return PlanDiff(
            new: plan.changes.filter { proposals[$0.id] == nil }.map(\.id),
            gone: proposals.keys.filter { !current.contains($0) }.sorted(),
            unchanged: plan.changes.filter { proposals[$0.id] != nil }.map(\.id))
    }

    /// Remembers `plan`'s proposals as the last plan (for the next ``diff(_:)``).
    public mutating func record(_ plan: RepairPlan) {
        proposals = Dictionary(plan.changes.map { ($0.id, $0.constraint) }, uniquingKeysWith: { first, _ in first })
    }

    /// Loads decisions and checks they belong to the data with `fingerprint`.
    ///
    /// - Throws: ``CleaningError/invalidDecisions(path:reason:)`` for an unreadable or malformed file;
    ///   ``CleaningError/decisionsForDifferentData(path:expected:found:)`` when it was made for other data.
    public static func load(_ url: URL, expectedFingerprint: String) throws -> ReviewDecisions {
        let data = try DecisionsFile.read(url)
        let decoded: ReviewDecisions
        do { decoded = try JSONDecoder().decode(ReviewDecisions.self, from: data) } catch {
            throw CleaningError.invalidDecisions(path: url.path, reason: "not a decisions JSON file (\(error))")
        }
        guard decoded.fingerprint == expectedFingerprint else {
            throw CleaningError.decisionsForDifferentData(
                path: url.path, expected: expectedFingerprint, found: decoded.fingerprint)
        }
        return decoded
    }

    /// Writes the decisions as indented JSON in Foundry's one encoding (``FoundryJSON``: sorted keys), all or
    /// nothing (``AtomicFile``): a failed save leaves an earlier file as it was.
    ///
    /// - Throws: ``CleaningError/invalidDecisions(path:reason:)`` when the file cannot be written.
    public func save(to url: URL) throws { try DecisionsFile.save(self, to: url) }
}
