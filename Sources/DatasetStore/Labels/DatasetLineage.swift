/// A dataset's lineage as chains: each version, the artifacts built directly from it, and below each artifact the
/// artifacts derived from it (version → label matrix → soft labels → adapter).
public struct DatasetLineage: Sendable, Codable, Equatable {
    /// The dataset.
    public let dataset: String
    /// Its versions, oldest first, each with the trees of artifacts built from it.
    public let versions: [VersionLineage]

    /// Every artifact of the tree, parents before children, in version order.
    public var artifacts: [Artifact] { versions.flatMap { $0.artifacts.flatMap(\.flattened) } }
}
