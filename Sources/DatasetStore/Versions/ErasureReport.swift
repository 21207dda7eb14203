import Foundation

/// What an erasure touched.
public struct ErasureReport: Sendable, Codable, Equatable {
    /// The dataset.
    public let dataset: String
    /// The erased example id.
    public let exampleID: String
    /// Versions whose row content was removed.
    public let affectedVersions: [String]
    /// Artifacts marked stale: built from an affected version, or derived (at any depth) from such an artifact.
    public let staleArtifacts: [Artifact]
    /// When it was erased.
    public let erasedAt: Date
}
