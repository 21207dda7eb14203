import Foundation

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
    /// When it was imported.
    public let createdAt: Date
}
