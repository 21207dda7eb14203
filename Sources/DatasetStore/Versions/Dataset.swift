import Foundation

/// A named collection of immutable versions, with its license, attribution and sensitive fields.
public struct Dataset: Sendable, Hashable, Codable {
    /// The store's id for the dataset.
    public let id: Int64
    /// The unique name.
    public let name: String
    /// The license text or SPDX id recorded with every export.
    public let license: String
    /// The attribution recorded with every export.
    public let attribution: String
    /// Fields (`text` or names in ``Example/fields``) holding personal data; masked for principals without `read-sensitive`.
    public let sensitiveFields: [String]
    /// When it was created.
    public let createdAt: Date
}
