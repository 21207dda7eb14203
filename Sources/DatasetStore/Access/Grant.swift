import Foundation

/// A role held by a principal: store-wide, on one dataset, or on one model (never on both a dataset and a model).
public struct Grant: Sendable, Hashable, Codable {
    /// The principal's name.
    public let principal: String
    /// The role's name.
    public let role: String
    /// The dataset, or nil (store-wide, or on a model).
    public let dataset: String?
    /// The model (a served adapter, by name), or nil (store-wide, or on a dataset).
    public let model: String?
    /// Who granted it.
    public let grantedBy: String
    /// When it was granted.
    public let grantedAt: Date

    /// Whether the grant holds on every dataset and model.
    public var isStoreWide: Bool { dataset == nil && model == nil }

    init(principal: String, role: String, dataset: String?, model: String? = nil, grantedBy: String, grantedAt: Date) {
        self.principal = principal
        self.role = role
        self.dataset = dataset
        self.model = model
        self.grantedBy = grantedBy
        self.grantedAt = grantedAt
    }
}
