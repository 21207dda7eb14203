import Foundation
import FoundryCore
import Labeling

/// Labels and artifacts of dataset versions: gold labels, label matrices, soft labels, cleaning decisions, artifacts
/// with files, and the lineage chains that link them.
///
/// Part of ``DatasetStore``; every method takes the acting principal and is authorized and audited.
public protocol LabelArtifactStore: Sendable {
    /// Stores gold labels (`label`).
    func setGoldLabels(_ labels: [String: Int], dataset: String, version: String?, as principal: Principal) throws
    /// Gold labels of a version (`read`).
    func goldLabels(dataset: String, version: String?, as principal: Principal) throws -> [String: Int]
    /// Stores a label matrix, one row per version row (`label`).
    func storeLabelMatrix(
        _ matrix: LabelMatrix, name: String, dataset: String, version: String?, derivedFrom: Int64?,
        as principal: Principal
    ) throws -> Artifact
    /// A stored label matrix (`read`).
    func labelMatrix(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> LabelMatrix
    /// A stored label matrix by artifact id (`read` on its dataset).
    func labelMatrix(artifact id: Int64, as principal: Principal) throws -> LabelMatrix
    /// Stores soft labels with the label model that produced them (`label`).
    func storeSoftLabels(
        _ labels: SoftLabels, name: String, labelModelMethod: String, labelModelFile: String, dataset: String,
        version: String?, derivedFrom: Int64?, as principal: Principal
    ) throws -> Artifact
    /// Stored soft labels with their label model (`read`).
    func softLabels(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> StoredSoftLabels
    /// Stored soft labels by artifact id (`read` on their dataset).
    func softLabels(artifact id: Int64, as principal: Principal) throws -> StoredSoftLabels
    /// Stores cleaning decisions (`write`).
    func storeCleaningDecisions(
        _ decisions: CleaningDecisions, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact
    /// Stored cleaning decisions (`read`).
    func cleaningDecisions(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> CleaningDecisions
    /// Records an artifact built from a version or derived from another artifact, with its files (`write`).
    func recordArtifact(
        kind: ArtifactKind, name: String, details: String, files: [String: Data], derivedFrom: Int64?,
        dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact
    /// One artifact by id (`read` on its dataset).
    func artifact(id: Int64, as principal: Principal) throws -> Artifact
    /// One artifact by kind and name on a version (`read`).
    func artifact(kind: ArtifactKind, name: String, dataset: String, version: String?, as principal: Principal) throws
        -> Artifact
    /// The files of an artifact by name, checked against their recorded SHA-256 (`read` on its dataset).
    func artifactFiles(artifact id: Int64, as principal: Principal) throws -> [String: Data]
    /// Every artifact built from the dataset's versions, oldest first, with stale flags (`read`).
    func lineage(of dataset: String, staleOnly: Bool, as principal: Principal) throws -> [Artifact]
    /// The dataset's lineage as chains: version → artifacts built from it → artifacts derived from those (`read`).
    func lineageTree(of dataset: String, staleOnly: Bool, as principal: Principal) throws -> DatasetLineage
}
