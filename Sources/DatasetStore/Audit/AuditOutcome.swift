/// How an audited operation ended.
public enum AuditOutcome: String, Sendable, Codable {
    /// Authorized and completed.
    case allowed
    /// Refused by the authorization check.
    case denied
    /// Authorized but failed (bad input, missing dataset, storage error); nothing was changed.
    case failed
}
