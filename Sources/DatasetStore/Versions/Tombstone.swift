/// The record kept after an erasure: the id, when and by whom — no content.
public struct Tombstone: Sendable, Codable, Equatable {
    /// The erased example's id.
    public let exampleID: String
    /// When, milliseconds since 1970.
    public let erasedAt: Int64
    /// Who erased it.
    public let erasedBy: String
}
