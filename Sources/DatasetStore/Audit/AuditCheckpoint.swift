import Foundation

/// A signed head of the audit log, in the manner of a transparency log's signed tree head (RFC 6962): the number of
/// entries and the Merkle tree hash over them, signed with the store's key.
///
/// Kept apart from the store (another machine, a ticket, a commit), it lets a later ``AuditLogStore/verifyAuditLog(against:as:)``
/// prove that the first `entryCount` entries are still there, unchanged: truncating the log below the checkpoint or
/// rewriting any entry it covers — even with a recomputed chain — fails the check.
public struct AuditCheckpoint: Sendable, Codable, Equatable {
    /// The store's identity (a random id fixed when the store was keyed); a checkpoint of another store is refused.
    public let storeID: String
    /// How many entries the checkpoint covers (entries 1 … entryCount).
    public let entryCount: Int
    /// The RFC 6962 Merkle tree hash over the entries' hashes, hex.
    public let root: String
    /// The hash of entry `entryCount`, hex.
    public let head: String
    /// When the checkpoint was made.
    public let createdAt: Date
    /// HMAC-SHA256 of the fields above under a key derived from the store's key, hex.
    public let signature: String

    enum CodingKeys: String, CodingKey {
        case storeID = "store_id"
        case entryCount = "entry_count"
        case root, head
        case createdAt = "created_at"
        case signature
    }

    /// Creates a checkpoint value (the store makes and checks signatures).
    public init(storeID: String, entryCount: Int, root: String, head: String, createdAt: Date, signature: String) {
        self.storeID = storeID
        self.entryCount = entryCount
        self.root = root
        self.head = head
        self.createdAt = createdAt
        self.signature = signature
    }
}
