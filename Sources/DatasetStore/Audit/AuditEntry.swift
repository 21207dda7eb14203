import Foundation

/// One entry of the append-only audit log, chained under the store's key.
///
/// `hash = HMAC-SHA256(auditKey, previousHash ‖ canonical(entry))`, where the audit key is derived from the store's
/// key (held outside the store file), so editing, deleting or reordering any entry breaks the chain from there on and
/// nobody without the key can recompute it. Entries written before the store was keyed (by an older Foundry) are
/// chained with plain SHA-256; the first keyed entry (`audit-seal`) commits to their head.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// Sequence number, 1, 2, 3, … without gaps.
    public let id: Int64
    /// When it was appended (stored, and hashed, as milliseconds since 1970).
    public let timestamp: Date
    /// The acting principal's name (`"-"` when no token was accepted).
    public let principal: String
    /// The operation (`import`, `read-examples`, `grant`, …).
    public let operation: String
    /// The action checked (`read`, `write`, …), or `authenticated`.
    public let action: String
    /// The dataset concerned, if any.
    public let dataset: String?
    /// The version concerned, if any.
    public let version: String?
    /// The outcome.
    public let outcome: AuditOutcome
    /// Extra detail (counts, the role granted, the error of a failure).
    public let detail: String
    /// The changes to principals, tokens, roles or grants the entry made, as JSON (replayed by `audit verify`).
    public let change: String?
    /// The hash of the previous entry, hex.
    public let previousHash: String
    /// This entry's hash, hex.
    public let hash: String
}
