/// A role held by a principal, store-wide or on one dataset.
public struct Grant: Sendable, Hashable, Codable {
    /// The principal's name.
    public let principal: String
    /// The role's name.
    public let role: String
    /// The dataset, or nil for store-wide.
    public let dataset: String?
    /// Who granted it.
    public let grantedBy: String
    /// When, milliseconds since 1970.
    public let grantedAt: Int64
}

/// One item of a bulk grant: principal, role and scope by name.
public struct GrantRequest: Sendable, Hashable {
    /// The grantee's name.
    public let principal: String
    /// The role's name.
    public let role: String
    /// The dataset, or nil for store-wide.
    public let dataset: String?

    /// Creates a request.
    public init(principal: String, role: String, dataset: String?) {
        self.principal = principal
        self.role = role
        self.dataset = dataset
    }
}
