/// One row of a dataset version: an id, its text, and other fields (stored as a JSON object of strings).
public struct Example: Sendable, Hashable, Codable {
    /// The example's id, unique within a version.
    public var id: String
    /// The text.
    public var text: String
    /// Other fields by name.
    public var fields: [String: String]

    /// Creates an example.
    public init(id: String, text: String, fields: [String: String] = [:]) {
        self.id = id
        self.text = text
        self.fields = fields
    }

    /// The value substituted for sensitive fields when the reader lacks `read-sensitive`.
    public static let maskedValue = "[masked]"
}

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
