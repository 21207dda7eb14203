/// Something built from a dataset version (label matrix, label model output, adapter, export), tracked for lineage.
public struct Artifact: Sendable, Hashable, Codable {
    /// The store's id for the artifact.
    public let id: Int64
    /// The kind: `label-matrix`, `probabilistic-labels`, `cleaning-decisions`, `export`, `label-model`, `adapter`, ….
    public let kind: String
    /// The artifact's name.
    public let name: String
    /// The dataset it was built from.
    public let dataset: String
    /// The version it was built from.
    public let version: String
    /// Free-form details (JSON or text).
    public let details: String
    /// Who recorded it.
    public let createdBy: String
    /// When, milliseconds since 1970.
    public let createdAt: Int64
    /// Whether the version it was built from changed since (an example was erased): rebuild it.
    public let isStale: Bool
    /// Why it is stale.
    public let staleReason: String?
}

/// What an erasure touched.
public struct ErasureReport: Sendable, Codable, Equatable {
    /// The dataset.
    public let dataset: String
    /// The erased example id.
    public let exampleID: String
    /// Versions whose row content was removed.
    public let affectedVersions: [String]
    /// Artifacts marked stale because they were built from an affected version.
    public let staleArtifacts: [Artifact]
    /// When, milliseconds since 1970.
    public let erasedAt: Int64
}

/// The record kept after an erasure: the id, when and by whom — no content.
public struct Tombstone: Sendable, Codable, Equatable {
    /// The erased example's id.
    public let exampleID: String
    /// When, milliseconds since 1970.
    public let erasedAt: Int64
    /// Who erased it.
    public let erasedBy: String
}
