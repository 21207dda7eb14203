import Foundation
import FoundryCore
import Labeling

/// The handle of one unit of work (``DatasetStore/write(as:_:)``): the store's writes, run in one transaction as the
/// unit's principal.
///
/// Each method is authorized and audited like its single-operation twin on the store, and runs in a savepoint: an
/// operation that throws leaves nothing behind even when the closure catches its error. A handle is not `Sendable`
/// and is valid only inside the closure that received it, like GRDB's `Database`.
public protocol StoreTransaction {
    /// The principal every operation of the unit acts as.
    var principal: Principal { get }

    // MARK: Datasets and versions

    /// Creates a dataset (store-wide `write`).
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    func createDataset(name: String, license: String, attribution: String, sensitiveFields: [String]) throws -> Dataset

    /// Creates a dataset with its id and text column names (store-wide `write`).
    ///
    /// - Throws: as ``createDataset(name:license:attribution:sensitiveFields:)``, and
    ///   ``DatasetStoreError/invalidSensitiveColumn(dataset:column:reason:)`` for the id column.
    func createDataset(name: String, settings: NewDataset) throws -> Dataset

    /// Changes a dataset's license, attribution or sensitive columns (`write` and `read-sensitive`), audited with the
    /// old and new values.
    ///
    /// - Throws: ``DatasetStoreError/invalidSensitiveColumn(dataset:column:reason:)``.
    func configureDataset(_ dataset: String, change: DatasetSettings) throws -> Dataset

    /// Imports rows as a new version with an opaque id (`write`; also `read-sensitive` when the dataset has
    /// sensitive columns); when the dataset is missing and `createIfMissing` is
    /// given, creates it first (store-wide `write`) in this unit.
    ///
    /// - Returns: the version; ``ImportResult/created`` is false when identical rows were already stored.
    /// - Throws: the errors of ``DatasetVersionStore/importVersion(_:into:message:createIfMissing:as:progress:)``.
    func importVersion(
        _ examples: [Example], into dataset: String, message: String, createIfMissing: NewDataset?,
        progress: ProgressHandler?
    ) throws -> ImportResult

    /// One version's metadata, as this unit sees it; nil is the latest (`read`).
    func version(_ version: String?, of dataset: String) throws -> DatasetVersion

    /// Erases an example from every version (`delete`); see ``DatasetVersionStore/eraseExample(_:from:as:)``.
    func eraseExample(_ exampleID: String, from dataset: String) throws -> ErasureReport

    /// Exports a version (`export`), recording the export in the lineage; see ``DatasetVersionStore/export(_:version:as:)``.
    func export(_ dataset: String, version: String?) throws -> ExportedDataset

    /// Exports a version (`export`) that the caller writes to `destination` (named in the audit log).
    func export(_ dataset: String, version: String?, destination: String?) throws -> ExportedDataset

    // MARK: Labels and artifacts

    /// Stores gold labels (`label`).
    func setGoldLabels(_ labels: [String: Int], dataset: String, version: String?) throws

    /// Stores a label matrix, one row per row of the version (`label`).
    ///
    /// - Parameters:
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    ///   - derivedFrom: the artifact the matrix was built from, if any (same dataset).
    func storeLabelMatrix(
        _ matrix: LabelMatrix, name: String, dataset: String, version: String?, derivedFrom: Int64?
    ) throws -> Artifact

    /// Stores soft labels, one row per row of the version, with the label model that produced them (`label`).
    ///
    /// - Parameters:
    ///   - labelModelMethod: the label model's method name (`dawid-skene`, `moments`, …).
    ///   - labelModelFile: the text of the fitted label model's JSON file.
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    ///   - derivedFrom: typically the label matrix (or label-model artifact) the labels were predicted from.
    func storeSoftLabels(
        _ labels: SoftLabels, name: String, labelModelMethod: String, labelModelFile: String, dataset: String,
        version: String?, derivedFrom: Int64?
    ) throws -> Artifact

    /// Stores cleaning decisions (`write`).
    func storeCleaningDecisions(_ decisions: CleaningDecisions, dataset: String, version: String?) throws -> Artifact

    /// Records an artifact with its files (`write`); see
    /// ``LabelArtifactStore/recordArtifact(kind:name:details:files:derivedFrom:dataset:version:as:)``.
    func recordArtifact(
        kind: ArtifactKind, name: String, details: String, files: [String: Data], derivedFrom: Int64?,
        dataset: String, version: String?
    ) throws -> Artifact

    /// One artifact by id, as this unit sees it (`read` on its dataset).
    func artifact(id: Int64) throws -> Artifact

    // MARK: Principals and grants

    /// Creates a principal (store-wide `admin`).
    func createPrincipal(name: String, kind: PrincipalKind) throws -> Principal
    /// Issues a token for a principal (store-wide `admin`).
    func issueToken(for name: String) throws -> IssuedToken
    /// Revokes a principal's tokens (store-wide `admin`); returns how many.
    func revokeTokens(of name: String) throws -> Int
    /// Defines a custom role (store-wide `admin`).
    func defineRole(name: String, actions: [Action]) throws -> Role
    /// Grants roles (`grant` on each scope — a dataset, a model or store-wide — no escalation).
    func grantMany(_ requests: [GrantRequest]) throws -> [Grant]
    /// Revokes a role (`grant`); returns whether one was held.
    func revoke(role: String, from grantee: String, dataset: String?) throws -> Bool
    /// Revokes a role on a model (`grant` and the role's actions on the model); returns whether one was held.
    func revoke(role: String, from grantee: String, model: String) throws -> Bool
}
