/// Added, removed and changed example ids between two versions.
public struct VersionDiff: Sendable, Hashable, Codable {
    /// The older version.
    public let from: String
    /// The newer version.
    public let to: String
    /// Ids in `to` but not in `from`, in `to`'s order.
    public let added: [String]
    /// Ids in `from` but not in `to`, in `from`'s order.
    public let removed: [String]
    /// Ids in both whose text or fields differ, in `to`'s order.
    public let changed: [String]
}
