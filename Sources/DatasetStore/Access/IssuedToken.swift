/// A freshly issued API token: the secret is shown once and only its salted hash is stored.
public struct IssuedToken: Sendable {
    /// The principal the token authenticates.
    public let principal: Principal
    /// The token text (`fdy_<lookup>_<secret>`); keep it secret, it cannot be recovered.
    public let token: String
}
