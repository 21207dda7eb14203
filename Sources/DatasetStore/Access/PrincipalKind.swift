/// Whether a principal is a person or a service account.
public enum PrincipalKind: String, Sendable, Codable, CaseIterable {
    /// A human user.
    case person
    /// A machine identity (a pipeline, a training job).
    case service
}
