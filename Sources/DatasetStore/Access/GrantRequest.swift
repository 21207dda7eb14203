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
