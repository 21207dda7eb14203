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
