/// One version in a ``DatasetLineage`` and the artifacts built directly from it.
public struct VersionLineage: Sendable, Codable, Equatable {
    /// The version.
    public let version: DatasetVersion
    /// Artifacts with no parent artifact, built from this version, oldest first, each with its derived artifacts.
    public let artifacts: [LineageNode]
}
