/// An artifact in a ``DatasetLineage`` with the artifacts derived from it.
public struct LineageNode: Sendable, Codable, Equatable {
    /// The artifact.
    public let artifact: Artifact
    /// Artifacts whose `derivedFrom` is this one, oldest first (they may belong to another version of the dataset).
    public let derived: [LineageNode]

    /// This artifact followed by all its descendants, depth first.
    public var flattened: [Artifact] { [artifact] + derived.flatMap(\.flattened) }
}
