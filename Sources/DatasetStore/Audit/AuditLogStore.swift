/// The append-only, hash-chained audit log.
///
/// Part of ``DatasetStore``; reading and verifying need store-wide `admin`.
public protocol AuditLogStore: Sendable {
    /// The most recent entries, oldest first.
    func auditLog(limit: Int, as principal: Principal) throws -> [AuditEntry]
    /// Recomputes the hash chain and reports the first entry that does not check out.
    func verifyAuditLog(as principal: Principal) throws -> AuditVerification
}
