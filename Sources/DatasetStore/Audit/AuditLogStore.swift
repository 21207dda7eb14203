/// The append-only audit log, chained under the store's key.
///
/// Part of ``DatasetStore``; reading, verifying and checkpointing need store-wide `admin`.
public protocol AuditLogStore: Sendable {
    /// The most recent entries, oldest first.
    func auditLog(limit: Int, as principal: Principal) throws -> [AuditEntry]
    /// Recomputes the chain and replays the access changes; reports the first entry that does not check out.
    func verifyAuditLog(as principal: Principal) throws -> AuditVerification
    /// ``verifyAuditLog(as:)``, and also checks that the entries `checkpoint` covers are still there, unchanged.
    func verifyAuditLog(against checkpoint: AuditCheckpoint?, as principal: Principal) throws -> AuditVerification
    /// A signed head of the log as it is now, to keep apart from the store.
    func auditCheckpoint(as principal: Principal) throws -> AuditCheckpoint
}
