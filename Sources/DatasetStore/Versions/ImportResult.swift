/// The outcome of importing rows as a version.
public struct ImportResult: Sendable, Codable {
    /// The version holding the rows.
    public let version: DatasetVersion
    /// False when identical rows were already stored (same keyed content digest): nothing was written.
    public let created: Bool
    /// Whether the dataset itself was created by this import (see ``NewDataset``).
    public let datasetCreated: Bool
}
