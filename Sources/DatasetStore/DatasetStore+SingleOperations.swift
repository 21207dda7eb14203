import Foundation
import FoundryCore
import Labeling

// Every single write of the store is a unit of work of one operation, through the same code as a unit of several:
// `write(as:)` plus the transaction's method. A backend implements `write(as:)` and its transaction once.

extension DatasetStore {
    /// Creates a dataset. Requires store-wide `write`.
    ///
    /// - Parameters:
    ///   - name: a unique name.
    ///   - license: license text or SPDX id, recorded with every export.
    ///   - attribution: attribution recorded with every export.
    ///   - sensitiveFields: fields (`text` or field names) masked for principals without `read-sensitive`.
    ///   - principal: the acting principal.
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    public func createDataset(
        name: String, license: String, attribution: String, sensitiveFields: [String] = [], as principal: Principal
    ) throws -> Dataset {
        try write(as: principal) {
            try $0.createDataset(
                name: name, license: license, attribution: attribution, sensitiveFields: sensitiveFields)
        }
    }

    /// Changes a dataset's license, attribution or sensitive columns; see
    /// ``StoreTransaction/configureDataset(_:change:)``. Requires `write` and `read-sensitive` on the dataset.
    public func configureDataset(_ dataset: String, change: DatasetSettings, as principal: Principal) throws
        -> Dataset
    {
        try write(as: principal) { try $0.configureDataset(dataset, change: change) }
    }

    /// Imports rows as a new immutable version of a dataset, in one transaction. Requires `write` on the dataset.
    ///
    /// The version id is opaque (random); identical content is recognised by a digest keyed with the store's key, which
    /// no principal sees (order matters: row i of the version is row i of the label matrices and soft labels attached
    /// to it). Importing rows identical to an existing version returns that version with `created == false` and
    /// writes nothing but the audit entry. A dataset with sensitive columns also needs `read-sensitive` to import into
    /// (otherwise "unchanged" would confirm guesses about masked values). With `createIfMissing`, a missing
    /// dataset is created in the same unit of work (store-wide `write`), so a failed import leaves no empty dataset.
    /// - Parameters:
    ///   - examples: the rows; example ids must be unique and non-empty, text and ids must not contain NUL.
    ///   - dataset: the dataset's name.
    ///   - message: a note kept with the version.
    ///   - createIfMissing: license, attribution and sensitive fields of the dataset to create when it is missing.
    ///   - principal: the acting principal.
    ///   - progress: called every 50,000 inserted rows (inside the transaction).
    /// - Throws: ``DatasetStoreError/duplicateExampleID(row:exampleID:)``, ``DatasetStoreError/invalidExample(row:exampleID:field:reason:)``,
    ///   ``DatasetStoreError/erasedExample(dataset:exampleID:)``, ``DatasetStoreError/unknownDataset(_:)``,
    ///   ``DatasetStoreError/permissionDenied(principal:action:dataset:)``.
    /// - Complexity: O(n) rows in one transaction.
    @discardableResult
    public func importVersion(
        _ examples: [Example], into dataset: String, message: String = "", createIfMissing: NewDataset? = nil,
        as principal: Principal, progress: ProgressHandler? = nil
    ) throws -> ImportResult {
        try write(as: principal) {
            try $0.importVersion(
                examples, into: dataset, message: message, createIfMissing: createIfMissing, progress: progress)
        }
    }

    /// Erases an example from every version of the dataset (right to be forgotten). Requires `delete`.
    ///
    /// Every artifact built from a version holding the example, and every artifact derived from those, is marked
    /// stale with the reason.
    /// - Returns: the affected versions and the artifacts that just became stale.
    /// - Throws: ``DatasetStoreError/unknownVersion(dataset:version:)`` when no version holds the id.
    public func eraseExample(_ exampleID: String, from dataset: String, as principal: Principal) throws -> ErasureReport
    {
        try write(as: principal) { try $0.eraseExample(exampleID, from: dataset) }
    }

    /// Exports a version's rows with the dataset's license and attribution. Requires `export`.
    ///
    /// Sensitive fields are masked unless the exporter also holds `read-sensitive`; erased rows are left out. The
    /// export is recorded in the lineage (kind `export`) and the audit log. To write the rows to a file all or
    /// nothing, export inside ``write(as:_:)`` and write the file in the same closure: a failed write then
    /// records no export either.
    public func export(_ dataset: String, version: String? = nil, as principal: Principal) throws -> ExportedDataset {
        try write(as: principal) { try $0.export(dataset, version: version) }
    }

    /// Stores gold labels (class index per example id) for a version, replacing earlier ones for those ids.
    /// Requires `label`.
    ///
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` for an id not in the version (or
    ///   erased) or a negative class.
    public func setGoldLabels(_ labels: [String: Int], dataset: String, version: String?, as principal: Principal)
        throws
    {
        try write(as: principal) { try $0.setGoldLabels(labels, dataset: dataset, version: version) }
    }

    /// Stores a label matrix (one row per version row, in order) with the LF set that produced it. Requires `label`.
    ///
    /// Recorded in the lineage as an artifact of kind ``ArtifactKind/labelMatrix``.
    /// - Parameters:
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    ///   - derivedFrom: the artifact the matrix was built from, if any.
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` when the row count differs from the
    ///   version's; ``DatasetStoreError/duplicateName(kind:name:)``.
    public func storeLabelMatrix(
        _ matrix: LabelMatrix, name: String, dataset: String, version: String?, derivedFrom: Int64? = nil,
        as principal: Principal
    ) throws -> Artifact {
        try write(as: principal) {
            try $0.storeLabelMatrix(matrix, name: name, dataset: dataset, version: version, derivedFrom: derivedFrom)
        }
    }

    /// Stores soft labels (n × k Float32 and the class names) with the label model that produced them. Requires
    /// `label`.
    ///
    /// Recorded in the lineage as an artifact of kind ``ArtifactKind/softLabels``.
    /// - Parameters:
    ///   - labels: one row per row of the version.
    ///   - name: a name unique among the version's soft labels.
    ///   - labelModelMethod: the label model's method (`dawid-skene`, `moments`, …).
    ///   - labelModelFile: the text of the fitted label model's JSON file (read back byte for byte).
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    ///   - derivedFrom: the label matrix (or label-model artifact) the labels were predicted from.
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` when the row count differs from the
    ///   version's; ``DatasetStoreError/duplicateName(kind:name:)``; ``DatasetStoreError/invalidLineage(artifact:reason:)``.
    public func storeSoftLabels(
        _ labels: SoftLabels, name: String, labelModelMethod: String, labelModelFile: String, dataset: String,
        version: String?, derivedFrom: Int64? = nil, as principal: Principal
    ) throws -> Artifact {
        try write(as: principal) {
            try $0.storeSoftLabels(
                labels, name: name, labelModelMethod: labelModelMethod, labelModelFile: labelModelFile,
                dataset: dataset, version: version, derivedFrom: derivedFrom)
        }
    }

    /// Stores cleaning decisions (an opaque JSON payload from the Cleaning module) for a version. Requires `write`.
    public func storeCleaningDecisions(
        _ decisions: CleaningDecisions, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try write(as: principal) { try $0.storeCleaningDecisions(decisions, dataset: dataset, version: version) }
    }

    /// Records an artifact (a label model, an adapter, …) built from a version or derived from another artifact,
    /// with the files it consists of. Requires `write`.
    ///
    /// - Parameters:
    ///   - kind: the artifact kind (``ArtifactKind/labelModel``, ``ArtifactKind/adapter``, …).
    ///   - name: a name unique per version and kind.
    ///   - details: free-form details (JSON or text).
    ///   - files: file contents by file name (`adapter_config.json`, `adapter_model.safetensors`, …); names are plain
    ///     file names (no `/`), readable back through ``LabelArtifactStore/artifactFiles(artifact:as:)``.
    ///   - derivedFrom: the artifact this one was built from (same dataset); erasing an example behind it marks this
    ///     one stale too.
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``,
    ///   ``DatasetStoreError/invalidLineage(artifact:reason:)``.
    public func recordArtifact(
        kind: ArtifactKind, name: String, details: String = "", files: [String: Data] = [:], derivedFrom: Int64? = nil,
        dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try write(as: principal) {
            try $0.recordArtifact(
                kind: kind, name: name, details: details, files: files, derivedFrom: derivedFrom, dataset: dataset,
                version: version)
        }
    }

    /// Creates a principal (without grants or tokens). Requires store-wide `admin`.
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    public func createPrincipal(name: String, kind: PrincipalKind, as principal: Principal) throws -> Principal {
        try write(as: principal) { try $0.createPrincipal(name: name, kind: kind) }
    }

    /// Issues a new API token for a principal; the token is returned once. Requires store-wide `admin`.
    public func issueToken(for name: String, as principal: Principal) throws -> IssuedToken {
        try write(as: principal) { try $0.issueToken(for: name) }
    }

    /// Revokes every token of a principal. Requires store-wide `admin`.
    ///
    /// - Returns: the number of tokens revoked.
    public func revokeTokens(of name: String, as principal: Principal) throws -> Int {
        try write(as: principal) { try $0.revokeTokens(of: name) }
    }

    /// Defines a custom role. Requires store-wide `admin`.
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)`` when the name is taken (built-in names included).
    public func defineRole(name: String, actions: [Action], as principal: Principal) throws -> Role {
        try write(as: principal) { try $0.defineRole(name: name, actions: actions) }
    }

    /// Grants `role` to a principal on `dataset` (nil = store-wide).
    ///
    /// Requires `grant` on that scope and every action of the role on that scope (no escalation).
    /// - Throws: ``DatasetStoreError/privilegeEscalation(principal:role:missing:)``, ``DatasetStoreError/unknownRole(_:)``,
    ///   ``DatasetStoreError/unknownPrincipal(_:)``, ``DatasetStoreError/unknownDataset(_:)``.
    public func grant(role: String, to grantee: String, dataset: String?, as principal: Principal) throws -> Grant {
        let granted = try grantMany([GrantRequest(principal: grantee, role: role, dataset: dataset)], as: principal)
        guard let first = granted.first else { throw DatasetStoreError.storage("the grant returned no record") }
        return first
    }

    /// Grants `role` to a principal on the model called `model` (a served adapter, by name; the store keeps no
    /// registry of models).
    ///
    /// Requires `grant` on that model (or store-wide) and every action of the role there (no escalation). Audited as
    /// `grant-model`; `audit verify` replays it.
    /// - Throws: ``DatasetStoreError/privilegeEscalation(principal:role:missing:)``, ``DatasetStoreError/unknownRole(_:)``,
    ///   ``DatasetStoreError/unknownPrincipal(_:)``, ``DatasetStoreError/modelPermissionDenied(principal:operation:model:)``,
    ///   ``DatasetStoreError/invalidName(kind:name:reason:)`` when `model` is not a model name.
    public func grant(role: String, to grantee: String, model: String, as principal: Principal) throws -> Grant {
        let granted = try grantMany([GrantRequest(principal: grantee, role: role, model: model)], as: principal)
        guard let first = granted.first else { throw DatasetStoreError.storage("the grant returned no record") }
        return first
    }

    /// Revokes `role` from a principal on the model called `model`. Requires `grant` and the role's actions on that
    /// model (or store-wide). Audited as `revoke-model`.
    ///
    /// - Returns: whether a grant was removed.
    public func revoke(role: String, from grantee: String, model: String, as principal: Principal) throws -> Bool {
        try write(as: principal) { try $0.revoke(role: role, from: grantee, model: model) }
    }

    /// Grants several roles in one transaction (all or nothing); each item is checked like
    /// ``grant(role:to:dataset:as:)``. Granting a role the grantee already holds on that scope is a no-op.
    public func grantMany(_ requests: [GrantRequest], as principal: Principal) throws -> [Grant] {
        guard !requests.isEmpty else { return [] }
        return try write(as: principal) { try $0.grantMany(requests) }
    }

    /// Revokes `role` from a principal on `dataset` (nil = store-wide). Requires `grant` and the role's actions on
    /// that scope.
    ///
    /// - Returns: whether a grant was removed.
    public func revoke(role: String, from grantee: String, dataset: String?, as principal: Principal) throws -> Bool {
        try write(as: principal) { try $0.revoke(role: role, from: grantee, dataset: dataset) }
    }
}
