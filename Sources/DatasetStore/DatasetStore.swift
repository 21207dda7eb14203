import FoundryCore
import Labeling

/// # DatasetStore
///
/// A governed store for training data: datasets, immutable content-addressed versions, examples,
/// gold labels, label matrices, probabilistic labels, cleaning decisions and lineage — with
/// principals, API tokens, roles scoped per dataset (RBAC with domains), one authorization
/// function, sensitive-field masking, a hash-chained audit log and erasure with tombstones.
///
/// ``SQLiteDatasetStore`` is the embedded backend (one SQLite file, WAL, GRDB). Everything
/// SQLite-specific lives in its `SQLiteDatasetStore+*.swift` files; callers program against this
/// protocol so that a PostgreSQL backend (docs/design/postgres-backend.md) can be added.
///
/// Every operation takes the acting ``Principal`` (from ``authenticate(token:)``), is checked
/// against ``AccessPolicy`` and appends an ``AuditEntry``, whether allowed, denied or failed.
public protocol DatasetStore: Sendable {
    /// Creates the first owner of an empty store (the one unchecked operation) and returns its token.
    func bootstrapOwner(name: String, kind: PrincipalKind) throws -> IssuedToken
    /// Checks a token and returns its principal.
    func authenticate(token: String) throws -> Principal
    /// Whether the principal may do `action` on `dataset` (nil = store-wide).
    func isAllowed(_ principal: Principal, _ action: Action, dataset: String?) throws -> Bool

    /// Creates a principal (admin).
    func createPrincipal(name: String, kind: PrincipalKind, as principal: Principal) throws -> Principal
    /// Issues a token for a principal (admin).
    func issueToken(for name: String, as principal: Principal) throws -> IssuedToken
    /// Revokes a principal's tokens (admin).
    func revokeTokens(of name: String, as principal: Principal) throws -> Int
    /// Defines a custom role (admin).
    func defineRole(name: String, actions: [Action], as principal: Principal) throws -> Role
    /// Grants a role on a dataset or store-wide (grant, no escalation).
    func grant(role: String, to grantee: String, dataset: String?, as principal: Principal) throws -> Grant
    /// Revokes a role (grant).
    func revoke(role: String, from grantee: String, dataset: String?, as principal: Principal) throws -> Bool
    /// A principal's grants (own, or admin).
    func grants(of name: String, as principal: Principal) throws -> [Grant]

    /// Creates a dataset (store-wide write).
    func createDataset(
        name: String, license: String, attribution: String, sensitiveFields: [String], as principal: Principal
    ) throws -> Dataset
    /// Readable datasets.
    func datasets(as principal: Principal) throws -> [Dataset]
    /// Imports rows as a content-addressed version (write).
    func importVersion(
        _ examples: [Example], into dataset: String, message: String, as principal: Principal,
        progress: ProgressHandler?
    ) throws -> ImportResult
    /// A dataset's versions (read).
    func versions(of dataset: String, as principal: Principal) throws -> [DatasetVersion]
    /// A version's rows, masked as the principal's rights require (read).
    func examples(of dataset: String, version: String?, as principal: Principal) throws -> [Example]
    /// Added, removed and changed rows between versions (read).
    func diff(_ dataset: String, from: String, to: String, as principal: Principal) throws -> VersionDiff

    /// Stores gold labels (label).
    func setGoldLabels(_ labels: [String: Int], dataset: String, version: String?, as principal: Principal) throws
    /// Stores a label matrix (label).
    func storeLabelMatrix(
        _ matrix: LabelMatrix, name: String, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact
    /// Stores probabilistic labels (label).
    func storeProbabilisticLabels(
        _ labels: ProbabilisticLabels, name: String, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact
    /// Stores cleaning decisions (write).
    func storeCleaningDecisions(
        _ decisions: CleaningDecisions, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact
    /// Records a downstream artifact (write).
    func recordArtifact(
        kind: String, name: String, details: String, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact
    /// Artifacts built from the dataset, with stale flags (read).
    func lineage(of dataset: String, staleOnly: Bool, as principal: Principal) throws -> [Artifact]

    /// Erases an example from every version (delete).
    func eraseExample(_ exampleID: String, from dataset: String, as principal: Principal) throws -> ErasureReport
    /// Exports a version with license and attribution (export).
    func export(_ dataset: String, version: String?, as principal: Principal) throws -> ExportedDataset
    /// Answers many permission questions in one snapshot.
    func areAllowed(_ principal: Principal, _ questions: [(action: Action, dataset: String?)]) throws -> [Bool]
    /// All principals (admin).
    func principals(as principal: Principal) throws -> [Principal]
    /// Built-in and custom roles.
    func roles(as principal: Principal) throws -> [Role]
    /// Grants many roles at once (grant, no escalation).
    func grantMany(_ requests: [GrantRequest], as principal: Principal) throws -> [Grant]
    /// One dataset (read).
    func dataset(named name: String, as principal: Principal) throws -> Dataset
    /// One version's metadata (read).
    func version(_ version: String?, of dataset: String, as principal: Principal) throws -> DatasetVersion
    /// Streams a version's rows (read).
    func forEachExample(of dataset: String, version: String?, as principal: Principal, _ body: (Example) throws -> Void)
        throws -> DatasetVersion
    /// Gold labels of a version (read).
    func goldLabels(dataset: String, version: String?, as principal: Principal) throws -> [String: Int]
    /// A stored label matrix (read).
    func labelMatrix(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> LabelMatrix
    /// Stored probabilistic labels (read).
    func probabilisticLabels(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> ProbabilisticLabels
    /// Stored cleaning decisions (read).
    func cleaningDecisions(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> CleaningDecisions
    /// Erasure tombstones (read).
    func tombstones(of dataset: String, as principal: Principal) throws -> [Tombstone]
    /// Recent audit entries (admin).
    func auditLog(limit: Int, as principal: Principal) throws -> [AuditEntry]
    /// Checks the audit hash chain (admin).
    func verifyAuditLog(as principal: Principal) throws -> AuditVerification
}
