import FoundryCore

/// Soft labels as stored: the probabilities and class names, the label model that produced them, and their artifact.
public struct StoredSoftLabels: Sendable, Equatable {
    /// The n × k probabilities and class names.
    public let softLabels: SoftLabels
    /// The label model's method (`dawid-skene`, `moments`, …).
    public let labelModelMethod: String
    /// The text of the fitted label model's JSON file, as stored.
    public let labelModelFile: String
    /// The lineage record (version, parent, stale flag).
    public let artifact: Artifact
}
