/// One item of a bulk grant: principal, role and scope by name.
public struct GrantRequest: Sendable, Hashable {
    /// The grantee's name.
    public let principal: String
    /// The role's name.
    public let role: String
    /// The dataset, or nil (store-wide, or on a model).
    public let dataset: String?
    /// The model (a served adapter, by name), or nil (store-wide, or on a dataset).
    public let model: String?

    /// Creates a request on a dataset (nil = store-wide).
    public init(principal: String, role: String, dataset: String?) {
        self.principal = principal
        self.role = role
        self.dataset = dataset
        self.model = nil
    }

    /// Creates a request on a model.
    public init(principal: String, role: String, model: String) {
        self.principal = principal
        self.role = role
        self.dataset = nil
        self.model = model
    }

    /// Creates a request on a dataset, a model or store-wide (both nil). Naming both a dataset and a model is
    /// refused by the grant with ``DatasetStoreError/conflictingScope(dataset:model:)``.
    public init(principal: String, role: String, dataset: String?, model: String?) {
        self.principal = principal
        self.role = role
        self.dataset = dataset
        self.model = model
    }
}
