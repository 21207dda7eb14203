/// The result of checking the audit log.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// Whether every entry, the recorded head, the access replay and the checkpoint (if any) check out.
    public let ok: Bool
    /// Number of entries checked.
    public let entryCount: Int
    /// The id of the first entry that does not check out (for a truncated tail: the first missing id).
    public let firstBadEntry: Int64?
    /// What is wrong there.
    public let reason: String?
    /// The number of entries of the checkpoint checked against, if one was given.
    public let checkpointEntries: Int?

    /// Creates a result.
    public init(ok: Bool, entryCount: Int, firstBadEntry: Int64?, reason: String?, checkpointEntries: Int? = nil) {
        self.ok = ok
        self.entryCount = entryCount
        self.firstBadEntry = firstBadEntry
        self.reason = reason
        self.checkpointEntries = checkpointEntries
    }
}
