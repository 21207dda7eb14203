/// The kind of an ``Artifact``: one of the kinds the store writes itself, or any other non-empty name.
public struct ArtifactKind: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The kind's name as stored (`label-matrix`, `adapter`, …).
    public let rawValue: String

    /// A kind by name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A kind by name, from a literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Decodes a kind from its name.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the kind as its name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The kind's name.
    public var description: String { rawValue }

    /// A label matrix (``LabelArtifactStore/storeLabelMatrix(_:name:dataset:version:derivedFrom:as:)``).
    public static let labelMatrix: ArtifactKind = "label-matrix"
    /// Soft labels with their label model (``LabelArtifactStore/storeSoftLabels(_:name:labelModelMethod:labelModelFile:dataset:version:derivedFrom:as:)``).
    public static let softLabels: ArtifactKind = "soft-labels"
    /// Cleaning decisions (``LabelArtifactStore/storeCleaningDecisions(_:dataset:version:as:)``).
    public static let cleaningDecisions: ArtifactKind = "cleaning-decisions"
    /// An export of a version (recorded by ``DatasetVersionStore/export(_:version:as:)``).
    public static let export: ArtifactKind = "export"
    /// A fitted label model (its JSON file as an artifact file).
    public static let labelModel: ArtifactKind = "label-model"
    /// A trained adapter (`adapter_config.json`, `adapter_model.safetensors`, `training.json` as artifact files).
    public static let adapter: ArtifactKind = "adapter"
}
