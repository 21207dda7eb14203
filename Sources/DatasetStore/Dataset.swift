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
    /// Creation time, milliseconds since 1970.
    public let createdAt: Int64
}

/// One immutable, content-addressed version of a dataset.
public struct DatasetVersion: Sendable, Hashable, Codable {
    /// The version id: hex SHA-256 of the canonical encoding of its rows (see ``CanonicalEncoding``).
    public let id: String
    /// The dataset's name.
    public let dataset: String
    /// Number of rows (erased rows included; their content is gone).
    public let rowCount: Int
    /// Number of rows whose content was erased.
    public let erasedCount: Int
    /// The dataset's latest version when this one was imported, if any.
    public let parent: String?
    /// A free-form note given at import.
    public let message: String
    /// Who imported it.
    public let createdBy: String
    /// Import time, milliseconds since 1970.
    public let createdAt: Int64
}

/// The outcome of importing rows as a version.
public struct ImportResult: Sendable, Codable {
    /// The version holding the rows.
    public let version: DatasetVersion
    /// False when identical rows were already stored (same content hash): nothing was written.
    public let created: Bool
}
