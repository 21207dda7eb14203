/// The result of checking the audit chain.
public struct AuditVerification: Sendable, Codable, Equatable {
    /// Whether every entry and the recorded head check out.
    public let ok: Bool
    /// Number of entries checked.
    public let entryCount: Int
    /// The id of the first entry that does not check out (for a truncated tail: the first missing id).
    public let firstBadEntry: Int64?
    /// What is wrong there.
    public let reason: String?
}
