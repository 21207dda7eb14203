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
    /// The columns holding personal data, by their names in the data (the text column's name, or names in
    /// ``Example/fields``); masked for principals without `read-sensitive`. The id column is never sensitive.
    public let sensitiveFields: [String]
    /// When it was created.
    public let createdAt: Date
    /// The name of the id column in the data (`id` for datasets created before names were recorded).
    public let idColumn: String
    /// The name of the text column in the data (`text` for datasets created before names were recorded).
    public let textColumn: String
    /// The other columns seen in the dataset's versions, sorted.
    public let columns: [String]

    /// Creates a dataset value (the store makes them).
    public init(
        id: Int64, name: String, license: String, attribution: String, sensitiveFields: [String], createdAt: Date,
        idColumn: String = "id", textColumn: String = "text", columns: [String] = []
    ) {
        self.id = id
        self.name = name
        self.license = license
        self.attribution = attribution
        self.sensitiveFields = sensitiveFields
        self.createdAt = createdAt
        self.idColumn = idColumn
        self.textColumn = textColumn
        self.columns = columns
    }
}
