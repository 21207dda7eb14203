import Foundation
import GRDB

/// The handle of one unit of work on a ``SQLiteDatasetStore``: the store's writes, run in the unit's immediate
/// transaction as its principal.
///
/// Every operation authorizes through the store's one authorization function, runs in a savepoint of its own and
/// appends its audit entry in the transaction, so the entries commit (or vanish) with the unit. An operation that
/// throws is rolled back alone and audited as denied or failed before its error is rethrown; if the error leaves
/// the unit's closure, the whole unit rolls back and the store audits the failure once more, outside.
///
/// Not `Sendable`, and valid only inside the closure of ``SQLiteDatasetStore/write(as:_:)`` (it wraps GRDB's
/// `Database` for that closure): using it afterwards traps.
public final class SQLiteStoreTransaction: StoreTransaction {
    /// The principal every operation of the unit acts as.
    public let principal: Principal
    let store: SQLiteDatasetStore
    let db: Database
    private var isOpen = true
    /// Operations that completed in this unit, in order (named in the audit entry if the unit rolls back).
    private(set) var completedOperations: [String] = []
    private var lastFailure: Failure?

    /// An operation that threw, as the audit log names it.
    struct Failure {
        let operation: String
        let action: String
        let dataset: String?
        let version: String?
        let outcome: AuditOutcome
        let detail: String
        let error: any Error
    }

    init(store: SQLiteDatasetStore, db: Database, principal: Principal) {
        self.store = store
        self.db = db
        self.principal = principal
    }

    /// Ends the handle's life: any later use traps.
    func close() { isOpen = false }

    /// The failed operation that `error` (thrown out of the unit's closure) came from, if it came from one.
    func failure(thrown error: any Error) -> Failure? {
        guard let lastFailure else { return nil }
        if let thrown = error as? DatasetStoreError, let recorded = lastFailure.error as? DatasetStoreError {
            return thrown == recorded ? lastFailure : nil
        }
        return type(of: error) == type(of: lastFailure.error)
            && String(describing: error) == String(describing: lastFailure.error) ? lastFailure : nil
    }

    /// Runs one operation of the unit: resolve the dataset, authorize, run `body` in a savepoint, audit.
    ///
    /// With `model`, `action` is checked on that model (a store-wide grant counts, a dataset grant does not), and the
    /// audit entry of a refusal or failure names the model in its detail (an allowed one names it through `body`'s
    /// note). A refusal (the authorization check, or a refusal found by `body` such as a privilege escalation) is audited
    /// as `denied`, any other error as `failed`; both roll back the operation's savepoint first and are rethrown,
    /// GRDB errors as ``DatasetStoreError/storage(_:)``.
    func perform<T>(
        _ operation: String, action: Action?, dataset: String?, model: String? = nil, version: String? = nil,
        _ body: (Database, DatasetRow?) throws -> (T, SQLiteDatasetStore.AuditNote)
    ) throws -> T {
        precondition(isOpen, "a store transaction was used outside the write(as:) closure that received it")
        let actionName = action?.rawValue ?? "authenticated"
        var result: T?
        do {
            try db.inSavepoint {
                let row = try dataset.map { try store.resolveDataset($0, for: principal, action, db: db) }
                let allowed: Bool
                if let model, let action {
                    allowed = try store.permissionSnapshot(principal, db: db).allows(action, model: model)
                } else {
                    allowed =
                        try action.map { try store.authorize(principal, $0, datasetID: row?.id, db: db) }
                        ?? store.permissionSnapshot(principal, db: db).exists
                }
                guard allowed else {
                    if let model, action != nil {
                        throw DatasetStoreError.modelPermissionDenied(
                            principal: principal.name, operation: operation, model: model)
                    }
                    throw store.denial(principal, action, dataset)
                }
                let (value, note) = try body(db, row)
                try store.appendAudit(
                    db, principal: principal.name, operation: operation, action: actionName,
                    dataset: note.dataset ?? dataset, version: note.version ?? version, outcome: .allowed,
                    detail: note.detail, change: note.change)
                result = value
                return .commit
            }
        } catch {
            let thrown: any Error
            if let databaseError = error as? DatabaseError {
                thrown = DatasetStoreError.storage(databaseError.message ?? databaseError.description)
            } else {
                thrown = error
            }
            let outcome: AuditOutcome
            switch thrown as? DatasetStoreError {
            case .permissionDenied?, .modelPermissionDenied?, .privilegeEscalation?, .unauthenticated?:
                outcome = .denied
            default: outcome = .failed
            }
            var detail = SQLiteDatasetStore.describe(thrown)
            if let model, !detail.contains("model '\(DisplayText.escaped(model))'") {
                detail = "model '\(DisplayText.escaped(model))': " + detail
            }
            let failure = Failure(
                operation: operation, action: actionName, dataset: dataset, version: version, outcome: outcome,
                detail: detail, error: thrown)
            lastFailure = failure
            // Audited inside the unit: kept if the caller handles the error and the unit commits, rolled back
            // (and audited again by `write(as:)`) if the error leaves the unit.
            try store.appendAudit(
                db, principal: principal.name, operation: operation, action: actionName, dataset: dataset,
                version: version, outcome: outcome, detail: String(failure.detail.prefix(2000)))
            throw thrown
        }
        guard let result else { throw DatasetStoreError.storage("operation '\(operation)' produced no result") }
        completedOperations.append(operation)
        return result
    }
}
