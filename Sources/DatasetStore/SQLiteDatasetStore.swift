import Foundation
import GRDB

/// The embedded store: one SQLite file (WAL, foreign keys on) opened through a GRDB `DatabasePool`.
///
/// Every public operation takes the acting ``Principal`` and runs through ``authorize(_:_:datasetID:db:)``,
/// the single authorization function; every operation, allowed, denied or failed, appends a
/// ``AuditEntry`` chained under the store's key. Writes run as units of work (``write(as:_:)``): one immediate
/// transaction, all or nothing, serialized across threads and processes; a single write is a unit of
/// one operation. Reads run in one snapshot, so a reader never sees half a version.
///
/// Owns the database handle, hence a class; `Sendable` because `DatabasePool` is and the grant
/// cache guards its state with a lock.
public final class SQLiteDatasetStore: DatasetStore, Sendable {
    /// The handle of a unit of work on this store.
    public typealias Transaction = SQLiteStoreTransaction

    /// The store file's path.
    public let path: String
    let pool: DatabasePool
    let grantCache = GrantCache()
    let datasetIDs = DatasetIDCache()
    /// The store's key (from the caller, `$FOUNDRY_STORE_KEY` or the key file).
    let key: StoreKey

    /// Opens the store at `path`, creating it (and its key file) when absent, applying pending migrations.
    ///
    /// - Throws: see ``init(path:key:create:environment:)``.
    public convenience init(path: String) throws {
        try self.init(path: path, key: nil)
    }

    /// Opens the store at `path`, creating it when absent and `create` is true, applying pending migrations.
    ///
    /// An existing file is checked from its header (and, for a store written before keying, with a read-only
    /// connection) before anything is written: a file that is not a Foundry store is refused and left untouched. A
    /// new store and its key file are created with mode 0600 (SQLite gives the WAL and shared-memory files the same
    /// mode); an existing store readable by others is restricted to its owner. Connections set
    /// `PRAGMA secure_delete = ON`, so erased and deleted content is overwritten in the file, not just unlinked.
    /// - Parameters:
    ///   - path: the SQLite file.
    ///   - key: the store's key; nil reads `$FOUNDRY_STORE_KEY`, else the key file `PATH.key` (created for a new
    ///     store, or when a store written before keying is opened for the first time).
    ///   - create: whether a missing file is created.
    ///   - environment: where `$FOUNDRY_STORE_KEY` is looked up.
    /// - Throws: ``DatasetStoreError/notAStore(path:reason:)``, ``DatasetStoreError/missingKey(path:keyFile:)``,
    ///   ``DatasetStoreError/wrongKey(path:)``, ``DatasetStoreError/invalidKey(source:reason:)``,
    ///   ``DatasetStoreError/storage(_:)`` when the file cannot be opened or migrated.
    public init(
        path: String, key: StoreKey? = nil, create: Bool = true,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.path = path
        var info = stat()
        if lstat(path, &info) != 0 {
            guard create else { throw DatasetStoreError.notAStore(path: path, reason: "there is no such file") }
            do {
                try PrivateFile.createExclusive(path, contents: Data())
            } catch {
                // Another process may have created it first; anything else is a real failure.
                guard lstat(path, &info) == 0 else {
                    throw DatasetStoreError.storage("\(path): cannot create the store: \(error)")
                }
            }
        }
        var kind = try Self.fileKind(path)
        if kind == .unmarkedDatabase {
            switch Self.unmarkedKind(path) {
            case .foreign: throw DatasetStoreError.notAStore(path: path, reason: "it has no store tables")
            case .keyed: kind = .keyedStore
            case .legacy: break
            }
        }
        var resolvedKey = try key ?? StoreKey.load(forStoreAt: path, environment: environment)
        if resolvedKey == nil {
            guard kind != .keyedStore else {
                throw DatasetStoreError.missingKey(path: path, keyFile: StoreKey.defaultFile(forStoreAt: path))
            }
            resolvedKey = try StoreKey.create(forStoreAt: path)
        }
        guard let storeKey = resolvedKey else { throw DatasetStoreError.missingKey(path: path, keyFile: path + ".key") }
        self.key = storeKey
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(60)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator(key: storeKey).migrate(pool)
            let check = try pool.read { db in
                try Data.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'key_check'")
            }
            guard let check, Self.constantTimeEquals(Array(check), storeKey.check) else {
                throw DatasetStoreError.wrongKey(path: path)
            }
        } catch let error as DatabaseError {
            throw DatasetStoreError.storage("\(path): \(error.message ?? error.description)")
        }
        for file in [path, path + "-wal", path + "-shm"] { PrivateFile.restrict(file) }
    }

    /// The names of the migrations applied to this store, in order.
    public func appliedMigrations() throws -> [String] {
        try storage { try pool.read { db in try Self.migrator(key: key).appliedIdentifiers(db).sorted() } }
    }

    /// Runs `PRAGMA integrity_check` and returns its report (`["ok"]` for a sound file).
    public func integrityCheck() throws -> [String] {
        try storage { try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } }
    }

    // MARK: - The one authorization function

    /// Decides whether `principal` may do `action` on the dataset with id `datasetID` (nil = store-wide).
    ///
    /// This is the only place permissions are decided (models: ``PermissionSnapshot/allows(_:model:)`` on the same
    /// snapshot). It reads the grant epoch in the caller's
    /// transaction and answers from the in-memory ``PermissionSnapshot`` of the principal, reloading
    /// it when any grant, revoke or role change (from any process) bumped the epoch.
    ///
    /// - Complexity: O(1) when cached; O(g) for a principal with g grants on reload.
    func authorize(_ principal: Principal, _ action: Action, datasetID: Int64?, db: Database) throws -> Bool {
        try permissionSnapshot(principal, db: db).allows(action, datasetID: datasetID)
    }

    func permissionSnapshot(_ principal: Principal, db: Database) throws -> PermissionSnapshot {
        let epoch =
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM store_meta WHERE key = 'grant_epoch'")) ?? 0
        return try grantCache.snapshot(principal: principal.id, epoch: epoch) {
            try loadPermissions(principalID: principal.id, db: db)
        }
    }

    private func loadPermissions(principalID: Int64, db: Database) throws -> PermissionSnapshot {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM principal WHERE id = ?", arguments: [principalID]) != nil else {
            return PermissionSnapshot(exists: false, storeWide: .none, perDataset: [:])
        }
        var custom: [String: ActionSet] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, actions FROM custom_role") {
            custom[row["name"]] = ActionSet(rawValue: UInt16(truncatingIfNeeded: row["actions"] as Int64))
        }
        var storeWide = ActionSet.none
        var perDataset: [Int64: ActionSet] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT role, datasetId FROM role_grant WHERE principalId = ?", arguments: [principalID])
        while let row = try rows.next() {
            let role: String = row["role"]
            let actions = AccessPolicy.builtInRole(named: role)?.actionSet ?? custom[role] ?? .none
            if let dataset: Int64 = row["datasetId"] {
                perDataset[dataset] = (perDataset[dataset] ?? .none).union(actions)
            } else {
                storeWide = storeWide.union(actions)
            }
        }
        var perModel: [String: ActionSet] = [:]
        let models = try Row.fetchCursor(
            db, sql: "SELECT role, model FROM model_grant WHERE principalId = ?", arguments: [principalID])
        while let row = try models.next() {
            let role: String = row["role"]
            let actions = AccessPolicy.builtInRole(named: role)?.actionSet ?? custom[role] ?? .none
            let model: String = row["model"]
            perModel[model] = (perModel[model] ?? .none).union(actions)
        }
        return PermissionSnapshot(exists: true, storeWide: storeWide, perDataset: perDataset, perModel: perModel)
    }

    func bumpGrantEpoch(_ db: Database) throws {
        try db.execute(sql: "UPDATE store_meta SET value = value + 1 WHERE key = 'grant_epoch'")
    }

    /// Whether `principal` may do `action` on `dataset` (nil = store-wide), without doing anything.
    ///
    /// Answers only about the caller's own rights and touches no data, so it is not audited.
    /// - Throws: ``DatasetStoreError/unknownDataset(_:)``.
    public func isAllowed(_ principal: Principal, _ action: Action, dataset: String?) throws -> Bool {
        try storage {
            // No explicit transaction: each statement reads a committed state, and the snapshot is
            // tagged with the epoch read before it is loaded, so a cached answer is never older than that epoch.
            try pool.unsafeRead { db in
                let datasetID = try dataset.map { try self.datasetID(named: $0, db: db) }
                return try authorize(principal, action, datasetID: datasetID, db: db)
            }
        }
    }

    /// Answers many permission questions for one principal in one read snapshot (for example to
    /// render what a user may do). Each answer runs the full authorization function, as an operation would.
    ///
    /// - Parameter questions: (action, dataset or nil for store-wide) pairs.
    /// - Throws: ``DatasetStoreError/unknownDataset(_:)``.
    /// - Complexity: O(questions) when the principal's grants are cached.
    public func areAllowed(_ principal: Principal, _ questions: [(action: Action, dataset: String?)]) throws -> [Bool] {
        try storage {
            try pool.read { db in
                try questions.map { question in
                    let datasetID = try question.dataset.map { try self.datasetID(named: $0, db: db) }
                    return try authorize(principal, question.action, datasetID: datasetID, db: db)
                }
            }
        }
    }

    /// The id of a dataset by name, from an in-memory map (names are unique and never change).
    func datasetID(named name: String, db: Database) throws -> Int64 {
        if let known = datasetIDs.id(for: name) { return known }
        guard
            let id = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM dataset WHERE name IN (?, ?) LIMIT 1"),
                arguments: [name, Validation.normalized(name)])
        else {
            throw DatasetStoreError.unknownDataset(name)
        }
        datasetIDs.remember(name, id)
        return id
    }

    /// The caller's current permissions (what ``isAllowed(_:_:dataset:)`` consults), for tools and benchmarks.
    public func permissions(of principal: Principal) throws -> PermissionSnapshot {
        try storage { try pool.read { db in try permissionSnapshot(principal, db: db) } }
    }

    // MARK: - The unit of work and the audited read runner

    /// What an operation tells the audit log besides its outcome.
    struct AuditNote {
        var version: String?
        var detail: String
        /// The changes to principals, tokens, roles or grants the operation made (replayed by `audit verify`).
        var change: [AuditChange]? = nil
        /// The dataset to name in the entry when the operation was not given one (creating a dataset).
        var dataset: String? = nil
    }

    private enum Outcome<T> {
        case done(T)
        case denied(DatasetStoreError)
    }

    /// Runs a unit of work in one immediate transaction (see ``DatasetStore/write(as:_:)``).
    ///
    /// Each operation of the handle authorizes, runs in a savepoint and appends its audit entry inside the
    /// transaction. When `body` throws, GRDB rolls the transaction back, and one entry naming the failed operation
    /// (or `unit-of-work`) is appended in a transaction of its own.
    public func write<T>(as principal: Principal, _ body: (SQLiteStoreTransaction) throws -> T) throws -> T {
        var unit: SQLiteStoreTransaction?
        do {
            return try pool.write { db in
                let transaction = SQLiteStoreTransaction(store: self, db: db, principal: principal)
                unit = transaction
                defer { transaction.close() }
                return try body(transaction)
            }
        } catch {
            let failure = unit?.failure(thrown: error)
            let rolledBack = unit?.completedOperations ?? []
            var detail = failure?.detail ?? Self.describe(error)
            if !rolledBack.isEmpty {
                detail +=
                    " (unit of work rolled back with \(rolledBack.count) earlier operation"
                    + (rolledBack.count == 1 ? "" : "s") + ": " + rolledBack.joined(separator: ", ") + ")"
            }
            try auditOutcome(
                principal.name, failure?.operation ?? "unit-of-work", failure?.action ?? "authenticated",
                failure?.dataset, failure?.version, failure?.outcome ?? .failed, detail)
            if let error = error as? DatabaseError {
                throw DatasetStoreError.storage(error.message ?? error.description)
            }
            throw error
        }
    }

    /// A thrown error as audit detail.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return String(describing: error)
    }

    /// Runs a reading operation in one snapshot (authorize and read together), then appends its audit entry.
    func performRead<T>(
        _ principal: Principal, operation: String, action: Action?, dataset: String?, version: String? = nil,
        _ body: (Database, DatasetRow?) throws -> (T, AuditNote)
    ) throws -> T {
        let actionName = action?.rawValue ?? "authenticated"
        let outcome: Outcome<(T, AuditNote)>
        do {
            outcome = try pool.read { db in
                let row = try dataset.map { try resolveDataset($0, for: principal, action, db: db) }
                let allowed =
                    try action.map { try authorize(principal, $0, datasetID: row?.id, db: db) }
                    ?? permissionSnapshot(principal, db: db).exists
                guard allowed else { return .denied(denial(principal, action, dataset)) }
                return .done(try body(db, row))
            }
        } catch let error as DatasetStoreError {
            try auditOutcome(principal.name, operation, actionName, dataset, version, .failed, error.description)
            throw error
        } catch let error as DatabaseError {
            let message = error.message ?? error.description
            try auditOutcome(principal.name, operation, actionName, dataset, version, .failed, message)
            throw DatasetStoreError.storage(message)
        }
        switch outcome {
        case let .denied(error):
            try auditOutcome(principal.name, operation, actionName, dataset, version, .denied, "")
            throw error
        case let .done((value, note)):
            try storage {
                try pool.write { db in
                    try appendAudit(
                        db, principal: principal.name, operation: operation, action: actionName,
                        dataset: note.dataset ?? dataset, version: note.version ?? version, outcome: .allowed,
                        detail: String(note.detail.prefix(2000)), change: note.change)
                }
            }
            return value
        }
    }

    /// The dataset an operation names, or — when it does not exist and the principal could not do `action` on it
    /// anyway — the same refusal as for a dataset it may not touch, so that existence is not revealed.
    func resolveDataset(_ name: String, for principal: Principal, _ action: Action?, db: Database) throws -> DatasetRow
    {
        do {
            return try datasetRow(named: name, db: db)
        } catch DatasetStoreError.unknownDataset(let missing) {
            if let action, try !authorize(principal, action, datasetID: nil, db: db) {
                throw denial(principal, action, name)
            }
            throw DatasetStoreError.unknownDataset(missing)
        }
    }

    /// The error for a principal refused `action` (nil: the principal no longer exists).
    func denial(_ principal: Principal, _ action: Action?, _ dataset: String?) -> DatasetStoreError {
        guard let action else { return .unauthenticated(reason: "principal '\(principal.name)' no longer exists") }
        return .permissionDenied(principal: principal.name, action: action, dataset: dataset)
    }

    /// Appends one audit entry in a write transaction of its own.
    func auditOutcome(
        _ principal: String, _ operation: String, _ action: String, _ dataset: String?, _ version: String?,
        _ outcome: AuditOutcome, _ detail: String
    ) throws {
        try storage {
            try pool.write { db in
                try appendAudit(
                    db, principal: principal, operation: operation, action: action, dataset: dataset, version: version,
                    outcome: outcome, detail: String(detail.prefix(2000)))
            }
        }
    }

    /// Maps GRDB errors to ``DatasetStoreError/storage(_:)``.
    func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw DatasetStoreError.storage(error.message ?? error.description)
        }
    }

    /// The current time as the store records it: milliseconds since 1970.
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// A stored time (milliseconds since 1970) as a `Date`.
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
