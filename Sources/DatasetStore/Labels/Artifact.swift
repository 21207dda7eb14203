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
