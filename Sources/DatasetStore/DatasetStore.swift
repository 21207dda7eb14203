import FoundryCore
import Labeling

/// # DatasetStore
///
/// A governed store for training data: datasets, immutable versions (opaque ids; identical content recognised by a
/// digest keyed with the store's key), examples,
/// gold labels, label matrices, soft labels, cleaning decisions, artifacts with their files, and the
/// lineage that links them (version → label matrix → soft labels → adapter) — with principals, API
/// tokens, roles scoped per dataset (RBAC with domains), one authorization function,
/// masking of sensitive columns, an audit log chained under the store's key (with signed checkpoints) and erasure
/// with tombstones. The threat model and what the store promises against it are in docs/SECURITY.md.
///
/// The contract is split by concern: ``DatasetVersionStore`` (datasets, versions, erasure, export),
/// ``LabelArtifactStore`` (labels, artifacts, files, lineage), ``AccessControlStore`` (principals,
/// tokens, roles, grants) and ``AuditLogStore``; `DatasetStore` composes them and adds the unit of
/// work, ``write(as:_:)``. ``SQLiteDatasetStore`` is the embedded backend (one SQLite file, WAL,
/// GRDB). Everything SQLite-specific lives in its `SQLiteDatasetStore+*.swift` files; callers
/// program against these protocols so that a PostgreSQL backend (docs/design/postgres-backend.md)
/// can be added.
///
/// Every operation takes the acting ``Principal`` (from ``AccessControlStore/authenticate(token:)``),
/// is checked against ``AccessPolicy`` and appends an ``AuditEntry``, whether allowed, denied or
/// failed. Each single write (``DatasetVersionStore/importVersion(_:into:message:createIfMissing:as:progress:)``,
/// ``LabelArtifactStore/storeSoftLabels(_:name:labelModelMethod:labelModelFile:dataset:version:derivedFrom:as:)``,
/// …) is a unit of work of one operation; a flow that stores several things at once runs them in one
/// unit:
///
/// ```swift
/// let (matrixArtifact, softArtifact) = try store.write(as: principal) { tx in
///     let matrix = try tx.storeLabelMatrix(votes, name: "lfs-v1", dataset: "sms", version: nil, derivedFrom: nil)
///     let soft = try tx.storeSoftLabels(
///         labels, name: "ds-v1", labelModelMethod: "dawid-skene", labelModelFile: modelJSON,
///         dataset: "sms", version: nil, derivedFrom: matrix.id)
///     return (matrix, soft)
/// }
/// ```
public protocol DatasetStore: DatasetVersionStore, LabelArtifactStore, AccessControlStore, AuditLogStore {
    /// The handle a unit of work receives: not `Sendable`, valid only inside the closure.
    associatedtype Transaction: StoreTransaction

    /// Runs a unit of work: every operation `body` performs through the handle runs in one immediate transaction.
    ///
    /// Each operation is still authorized and audited on its own; the audit entries of the unit commit with it. If
    /// `body` throws anywhere (an operation refused or failed, or the caller's own error), nothing of the unit is
    /// stored, and one audit entry is appended afterwards: `denied` or `failed`, naming the operation that failed
    /// (or `unit-of-work` for an error of the caller's) and how many operations were rolled back. An operation whose
    /// error the closure catches is rolled back alone (a savepoint) and audited as failed within the unit.
    ///
    /// Units are serialized across threads and processes. Do not call the store's own methods from inside `body`
    /// (the write lock is held: use the handle), and do not let the handle escape: using it after `body` returned
    /// is a programming error that traps.
    /// - Parameters:
    ///   - principal: the acting principal for every operation of the unit.
    ///   - body: the operations, given the transaction handle.
    /// - Returns: what `body` returned, after the unit committed.
    /// - Throws: the error `body` threw (GRDB errors as ``DatasetStoreError/storage(_:)``).
    func write<T>(as principal: Principal, _ body: (Transaction) throws -> T) throws -> T
}
