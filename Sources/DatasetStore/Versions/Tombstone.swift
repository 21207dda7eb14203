import Foundation

/// The record kept after an erasure: the id, when and by whom — no content.
public struct Tombstone: Sendable, Codable, Equatable {
    /// The erased example's id.
    public let exampleID: String
    /// When it was erased.
    public let erasedAt: Date
    /// Who erased it.
    public let erasedBy: String
}
