import Foundation

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
    /// When it was granted.
    public let grantedAt: Date
}
