import Foundation

/// Something built from a dataset version or derived from another artifact (a label matrix, soft labels, a label
/// model, an adapter, an export), tracked for lineage.
public struct Artifact: Sendable, Hashable, Codable {
    /// The store's id for the artifact.
    public let id: Int64
    /// What it is.
    public let kind: ArtifactKind
    /// The artifact's name, unique per version and kind.
    public let name: String
    /// The dataset it was built from.
    public let dataset: String
    /// The version it was built from.
    public let version: String
    /// The artifact it was derived from (its parent in the lineage chain), if any.
    public let derivedFrom: Int64?
    /// Free-form details (JSON or text).
    public let details: String
    /// The files stored with it (names, sizes, digests); read them with ``LabelArtifactStore/artifactFiles(artifact:as:)``.
    public let files: [ArtifactFileInfo]
    /// Who recorded it.
    public let createdBy: String
    /// When it was recorded.
    public let createdAt: Date
    /// Whether what it was built from changed since (an example was erased): rebuild it.
    public let isStale: Bool
    /// Why it is stale.
    public let staleReason: String?
    /// When it became stale.
    public let staleAt: Date?
}

extension Artifact {
    /// The stale reason shown to principals without `read-sensitive`: erasure details (which example, by whom) are
    /// for maintainers and above.
    static let redactedStaleReason = "an example of its version was erased (details need read-sensitive)"

    /// This artifact with its stale reason redacted.
    func redactingErasure() -> Artifact {
        guard staleReason != nil else { return self }
        return Artifact(
            id: id, kind: kind, name: name, dataset: dataset, version: version, derivedFrom: derivedFrom,
            details: details, files: files, createdBy: createdBy, createdAt: createdAt, isStale: isStale,
            staleReason: Self.redactedStaleReason, staleAt: staleAt)
    }
}
