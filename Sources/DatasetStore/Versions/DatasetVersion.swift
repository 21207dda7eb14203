import Foundation

/// One immutable version of a dataset; its id is opaque (random), identical content is recognised by a keyed digest.
public struct DatasetVersion: Sendable, Hashable, Codable {
    /// The version id: 64 hex digits, random (versions from before the store was keyed may keep the SHA-256 of their
    /// rows while that reveals nothing: no sensitive columns, no erased rows).
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
