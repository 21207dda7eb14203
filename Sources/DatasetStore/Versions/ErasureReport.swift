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
