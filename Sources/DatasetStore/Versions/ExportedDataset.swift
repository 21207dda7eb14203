/// A version's rows as exported, with the license and attribution that must travel with them.
public struct ExportedDataset: Sendable {
    /// The dataset.
    public let dataset: Dataset
    /// The version.
    public let version: DatasetVersion
    /// The rows (sensitive fields masked unless the exporter holds `read-sensitive`; erased rows omitted).
    public let examples: [Example]
    /// The fields that were masked.
    public let maskedFields: [String]
    /// The lineage record of this export.
    public let artifact: Artifact
}
