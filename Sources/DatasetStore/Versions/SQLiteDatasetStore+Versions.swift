import Foundation
import FoundryCore
import GRDB

extension SQLiteStoreTransaction {
    /// Imports rows as a new immutable version (`write`), creating the dataset first when it is missing and
    /// `createIfMissing` is given (store-wide `write`).
    ///
    /// - Throws: see ``DatasetStore/importVersion(_:into:message:createIfMissing:as:progress:)``.
    @discardableResult
    public func importVersion(
        _ examples: [Example], into dataset: String, message: String = "", createIfMissing: NewDataset? = nil,
        progress: ProgressHandler? = nil
    ) throws -> ImportResult {
        try importPrepared(
            Result { try PreparedImport(examples, message: message) }, into: dataset,
            createIfMissing: createIfMissing, progress: progress)
    }

    /// Imports rows already hashed and validated (a failed preparation is audited as the import's failure).
    func importPrepared(
        _ prepared: Result<PreparedImport, any Error>, into dataset: String, createIfMissing: NewDataset?,
        progress: ProgressHandler?
    ) throws -> ImportResult {
        var datasetCreated = false
        if let createIfMissing, try !store.datasetExists(named: dataset, db: db) {
            _ = try createDataset(name: dataset, settings: createIfMissing)
            datasetCreated = true
        }
        return try perform("import", action: .write, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            // Created meanwhile by someone else (or long ago): the import must not silently run under other settings.
            if let createIfMissing, !datasetCreated {
                try SQLiteDatasetStore.checkSameSettings(createIfMissing, as: row)
            }
            let prepared = try prepared.get()
            let examples = prepared.examples
            let store = self.store
            // Whoever may write a dataset with sensitive columns could otherwise test guesses about masked values by
            // importing them and watching for "unchanged".
            if !row.sensitiveFields.isEmpty, try !store.authorize(principal, .readSensitive, datasetID: row.id, db: db)
            {
                throw DatasetStoreError.permissionDenied(
                    principal: principal.name, action: .readSensitive, dataset: dataset)
            }
            // Erased ids first: an erased row can never be matched, not even against the version it was erased from.
            let tombstones = try Set(
                String.fetchAll(db, sql: "SELECT exampleId FROM tombstone WHERE datasetId = ?", arguments: [row.id]))
            if !tombstones.isEmpty, let erased = examples.first(where: { tombstones.contains($0.id) }) {
                throw DatasetStoreError.erasedExample(dataset: dataset, exampleID: erased.id)
            }
            let known = Array(Set(row.columns).union(prepared.fieldNames)).sorted()
            _ = try SQLiteDatasetStore.checkSensitive(
                row.sensitiveFields, dataset: row.name, idColumn: row.idColumn, textColumn: row.textColumn,
                known: known)
            let digest = Data(store.key.mac(SQLiteDatasetStore.contentPurpose, prepared.contentHash))
            if let existing = try store.versionRow(datasetID: row.id, contentDigest: digest, db: db) {
                return (
                    ImportResult(
                        version: try store.version(existing, dataset: row.name, db: db), created: false,
                        datasetCreated: datasetCreated),
                    SQLiteDatasetStore.AuditNote(
                        version: existing.id, detail: "identical to existing version, \(examples.count) rows")
                )
            }
            if known != row.columns {
                try db.execute(
                    sql: "UPDATE dataset SET columns = ? WHERE id = ?",
                    arguments: [SQLiteDatasetStore.encodeList(known), row.id])
            }
            let parent = try Int64.fetchOne(
                db, sql: "SELECT key FROM version WHERE datasetId = ? ORDER BY key DESC LIMIT 1", arguments: [row.id])
            let now = SQLiteDatasetStore.now()
            let versionID = SQLiteDatasetStore.newVersionID()
            try db.execute(
                sql: """
                    INSERT INTO version(datasetId, id, parentKey, rowCount, message, createdBy, createdAt, contentDigest)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    row.id, versionID, parent, examples.count, prepared.message, principal.id, now, digest,
                ])
            let key = db.lastInsertedRowID
            try store.insertRows(examples, fieldsJSON: prepared.fieldsJSON, versionKey: key, db: db, progress: progress)
            let stored = VersionRecord(
                key: key, id: versionID, parentKey: parent, rowCount: examples.count,
                message: prepared.message, createdBy: principal.id, createdAt: now)
            return (
                ImportResult(
                    version: try store.version(stored, dataset: row.name, db: db), created: true,
                    datasetCreated: datasetCreated),
                SQLiteDatasetStore.AuditNote(version: versionID, detail: "\(examples.count) rows")
            )
        }
    }

    /// One version's metadata as this unit sees it; nil is the latest. Requires `read`.
    public func version(_ version: String?, of dataset: String) throws -> DatasetVersion {
        try perform("show-version", action: .read, dataset: dataset, version: version) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try store.resolveVersion(version, dataset: row, db: db)
            let value = try store.version(record, dataset: row.name, db: db)
            return (value, SQLiteDatasetStore.AuditNote(version: value.id, detail: ""))
        }
    }
}

/// Rows hashed and validated for import, outside the write lock.
struct PreparedImport {
    let examples: [Example]
    let fieldsJSON: [String]
    /// SHA-256 of the canonical rows: internal, never shown (the store keeps only a keyed digest of it).
    let contentHash: [UInt8]
    /// The field names found in the rows.
    let fieldNames: Set<String>
    let message: String

    /// Validates ids, text and the message and hashes the rows (see ``SQLiteDatasetStore/contentHash(of:)``).
    ///
    /// - Throws: ``DatasetStoreError/duplicateExampleID(row:exampleID:)``,
    ///   ``DatasetStoreError/invalidExample(row:exampleID:field:reason:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    init(_ examples: [Example], message: String) throws {
        var seen = Set<String>(minimumCapacity: examples.count)
        var fieldsJSON = [String]()
        fieldsJSON.reserveCapacity(examples.count)
        var hasher = CanonicalHasher(domain: CanonicalEncoding.versionDomain)
        var fieldNames = Set<String>()
        var lastKeys: Dictionary<String, String>.Keys?
        for (row, example) in examples.enumerated() {
            guard seen.insert(example.id).inserted else {
                throw DatasetStoreError.duplicateExampleID(row: row, exampleID: example.id)
            }
            guard !example.id.isEmpty, Validation.storable(example.id) else {
                throw DatasetStoreError.invalidExample(
                    row: row, exampleID: example.id, field: "id", reason: "must be non-empty and without NUL")
            }
            guard Validation.storable(example.text) else {
                throw DatasetStoreError.invalidExample(
                    row: row, exampleID: example.id, field: "text", reason: "contains a NUL character")
            }
            // Rows of one file share their keys: compare with the previous row's before forming a union.
            if !example.fields.isEmpty, lastKeys.map({ $0 != example.fields.keys }) ?? true {
                fieldNames.formUnion(example.fields.keys)
                lastKeys = example.fields.keys
            }
            let json = CanonicalEncoding.fieldsJSON(example.fields)
            hasher.append(example.id)
            hasher.append(example.text)
            hasher.append(json)
            fieldsJSON.append(json)
        }
        guard Validation.storable(message) else {
            throw DatasetStoreError.invalidName(kind: "message", name: message, reason: "contains a NUL character")
        }
        self.examples = examples
        self.fieldsJSON = fieldsJSON
        self.contentHash = hasher.finalize()
        self.fieldNames = fieldNames
        self.message = message
    }
}

extension SQLiteDatasetStore {
    /// The content hash of rows: SHA-256 over the canonical encoding (domain, then for each row in order: id, text,
    /// canonical fields JSON, each length-prefixed). Internal: the store keeps only a digest of it keyed with the
    /// store's key, and version ids are opaque, so nothing a principal sees can be tested against guessed rows.
    ///
    /// - Complexity: O(total bytes).
    static func contentHash(of examples: [Example]) -> [UInt8] {
        var hasher = CanonicalHasher(domain: CanonicalEncoding.versionDomain)
        for example in examples {
            hasher.append(example.id)
            hasher.append(example.text)
            hasher.append(CanonicalEncoding.fieldsJSON(example.fields))
        }
        return hasher.finalize()
    }

    /// Refuses an import that asks for other settings than the existing dataset's: always for the id and text
    /// columns (when the dataset records them), and for license, attribution and sensitive columns when the caller
    /// insists on them.
    static func checkSameSettings(_ requested: NewDataset, as row: DatasetRow) throws {
        var differences: [String] = []
        if row.columnNamesRecorded && requested.idColumn != row.idColumn {
            differences.append("with id column '\(row.idColumn)', not '\(requested.idColumn)'")
        }
        if row.columnNamesRecorded && requested.textColumn != row.textColumn {
            differences.append("with text column '\(row.textColumn)', not '\(requested.textColumn)'")
        }
        if requested.settingsRequired {
            if requested.license != row.license { differences.append("with license '\(row.license)'") }
            if requested.attribution != row.attribution {
                differences.append("with attribution '\(row.attribution)'")
            }
            if Array(Set(requested.sensitiveFields)).sorted() != row.sensitiveFields {
                differences.append(
                    "with sensitive columns [\(row.sensitiveFields.joined(separator: ","))], not [\(Array(Set(requested.sensitiveFields)).sorted().joined(separator: ","))]"
                )
            }
        }
        if !differences.isEmpty {
            throw DatasetStoreError.datasetSettingsDiffer(
                dataset: row.name, reason: differences.joined(separator: ", "))
        }
    }

    /// Imports rows as a new immutable version; see ``DatasetStore/importVersion(_:into:message:createIfMissing:as:progress:)``.
    ///
    /// Hashes and validates the rows before taking the write lock, then imports them as a unit of work of one
    /// operation (two when the dataset is created).
    @discardableResult
    public func importVersion(
        _ examples: [Example], into dataset: String, message: String = "", createIfMissing: NewDataset? = nil,
        as principal: Principal, progress: ProgressHandler? = nil
    ) throws -> ImportResult {
        let prepared = Result { try PreparedImport(examples, message: message) }
        return try write(as: principal) {
            try $0.importPrepared(prepared, into: dataset, createIfMissing: createIfMissing, progress: progress)
        }
    }

    /// The dataset's versions, oldest first. Requires `read`.
    public func versions(of dataset: String, as principal: Principal) throws -> [DatasetVersion] {
        try performRead(principal, operation: "list-versions", action: .read, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let records = try Row.fetchAll(
                db, sql: "SELECT * FROM version WHERE datasetId = ? ORDER BY key", arguments: [row.id]
            )
            .map(VersionRecord.init(row:))
            let list = try records.map { try version($0, dataset: row.name, db: db) }
            return (list, AuditNote(detail: "\(list.count) versions"))
        }
    }

    /// One version's metadata; `version` is an id, a unique prefix of one, or nil for the latest. Requires `read`.
    public func version(_ version: String?, of dataset: String, as principal: Principal) throws -> DatasetVersion {
        try performRead(principal, operation: "show-version", action: .read, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let value = try self.version(record, dataset: row.name, db: db)
            return (value, AuditNote(version: value.id, detail: ""))
        }
    }

    /// A version's rows in order, erased rows omitted, sensitive fields masked unless the principal has `read-sensitive`.
    /// Requires `read`. The rows come from one snapshot: a concurrent import is seen entirely or not at all.
    public func examples(of dataset: String, version: String? = nil, as principal: Principal) throws -> [Example] {
        var result: [Example] = []
        try forEachExample(of: dataset, version: version, as: principal) { result.append($0) }
        return result
    }

    /// Streams a version's rows (see ``examples(of:version:as:)``) without holding them all in memory.
    ///
    /// - Returns: the version that was read.
    @discardableResult
    public func forEachExample(
        of dataset: String, version: String? = nil, as principal: Principal, _ body: (Example) throws -> Void
    ) throws -> DatasetVersion {
        try performRead(principal, operation: "read-examples", action: .read, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let mask = row.mask(canReadSensitive: try authorize(principal, .readSensitive, datasetID: row.id, db: db))
            let cursor = try Row.fetchCursor(
                db,
                sql:
                    "SELECT exampleId, text, fields FROM version_row WHERE versionKey = ? AND erased = 0 ORDER BY position",
                arguments: [record.key])
            var count = 0
            while let stored = try cursor.next() {
                var example = Example(
                    id: stored[0], text: stored[1] ?? "", fields: try CanonicalEncoding.parseFields(stored[2] ?? "{}"))
                mask.apply(&example)
                try body(example)
                count += 1
            }
            let value = try self.version(record, dataset: row.name, db: db)
            let note =
                mask.isEmpty
                ? "\(count) rows"
                : "\(count) rows, masked: \(mask.names(textColumn: row.textColumn).joined(separator: ","))"
            return (value, AuditNote(version: record.id, detail: note))
        }
    }

    /// Added, removed and changed example ids from version `from` to version `to`. Requires `read`.
    ///
    /// Compares only what the principal may see: without `read-sensitive`, a row whose only change is in a masked
    /// column is not reported as changed. Erased rows are left out (erasure applies to every version).
    /// - Complexity: O(n + m) time and memory for versions of n and m rows.
    public func diff(_ dataset: String, from: String, to: String, as principal: Principal) throws -> VersionDiff {
        try performRead(principal, operation: "diff", action: .read, dataset: dataset, version: to) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let old = try resolveVersion(from, dataset: row, db: db)
            let new = try resolveVersion(to, dataset: row, db: db)
            let mask = row.mask(canReadSensitive: try authorize(principal, .readSensitive, datasetID: row.id, db: db))
            func load(_ key: Int64) throws -> (ids: [String], content: [String: String]) {
                var ids: [String] = []
                var content: [String: String] = [:]
                let cursor = try Row.fetchCursor(
                    db,
                    sql:
                        "SELECT exampleId, text, fields FROM version_row WHERE versionKey = ? AND erased = 0 ORDER BY position",
                    arguments: [key])
                while let stored = try cursor.next() {
                    let id: String = stored[0]
                    ids.append(id)
                    if mask.isEmpty {
                        content[id] = (stored[1] as String? ?? "") + "\u{0}" + (stored[2] as String? ?? "")
                    } else {
                        var example = Example(
                            id: id, text: stored[1] ?? "",
                            fields: try CanonicalEncoding.parseFields(stored[2] ?? "{}"))
                        mask.apply(&example)
                        content[id] = example.text + "\u{0}" + CanonicalEncoding.fieldsJSON(example.fields)
                    }
                }
                return (ids, content)
            }
            let (oldIDs, oldContent) = try load(old.key)
            let (newIDs, newContent) = try load(new.key)
            let added = newIDs.filter { oldContent[$0] == nil }
            let removed = oldIDs.filter { newContent[$0] == nil }
            let changed = newIDs.filter { id in oldContent[id].map { $0 != newContent[id] } ?? false }
            let diff = VersionDiff(from: old.id, to: new.id, added: added, removed: removed, changed: changed)
            return (
                diff,
                AuditNote(
                    version: new.id,
                    detail: "from \(old.id.prefix(12)): +\(added.count) -\(removed.count) ~\(changed.count)")
            )
        }
    }

    /// The erasure tombstones of a dataset: which example ids were erased, when and by whom. Requires
    /// `read-sensitive` (maintainer or above): readers see only how many rows of a version were erased.
    public func tombstones(of dataset: String, as principal: Principal) throws -> [Tombstone] {
        try performRead(principal, operation: "list-tombstones", action: .readSensitive, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let list = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.exampleId, t.erasedAt, p.name FROM tombstone t JOIN principal p ON p.id = t.erasedBy
                    WHERE t.datasetId = ? ORDER BY t.erasedAt, t.exampleId
                    """, arguments: [row.id]
            ).map { Tombstone(exampleID: $0[0], erasedAt: Self.date($0[1]), erasedBy: $0[2]) }
            return (list, AuditNote(detail: "\(list.count) tombstones"))
        }
    }

    // MARK: - Helpers

    /// Rows per multi-row INSERT (5 parameters each, far below SQLite's limit of 32,766).
    static let insertBatch = 64

    /// Inserts a version's rows with two prepared statements reused throughout: a multi-row INSERT
    /// for full batches (one statement execution per 64 rows) and a single-row one for the rest.
    func insertRows(
        _ examples: [Example], fieldsJSON: [String], versionKey: Int64, db: Database, progress: ProgressHandler?
    ) throws {
        let columns = "INSERT INTO version_row(versionKey, position, exampleId, text, fields) VALUES "
        let batch = Self.insertBatch
        let multi = try db.makeStatement(
            sql: columns + Array(repeating: "(?, ?, ?, ?, ?)", count: batch).joined(separator: ", "))
        let single = try db.makeStatement(sql: columns + "(?, ?, ?, ?, ?)")
        let key = versionKey.databaseValue
        var values: [DatabaseValue] = []
        values.reserveCapacity(batch * 5)
        func append(_ position: Int) {
            let example = examples[position]
            values.append(key)
            values.append(position.databaseValue)
            values.append(example.id.databaseValue)
            values.append(example.text.databaseValue)
            values.append(fieldsJSON[position].databaseValue)
        }
        var position = 0
        var reported = 0
        while position < examples.count {
            let statement: Statement
            let end: Int
            if position + batch <= examples.count {
                statement = multi
                end = position + batch
            } else {
                statement = single
                end = position + 1
            }
            values.removeAll(keepingCapacity: true)
            for row in position..<end { append(row) }
            // A homogeneous [DatabaseValue] avoids boxing each argument in an existential.
            statement.setUncheckedArguments(StatementArguments(values))
            try statement.execute()
            position = end
            if let progress, position / 50_000 > reported {
                reported = position / 50_000
                progress(Progress(completed: position, total: examples.count, message: "rows inserted"))
            }
        }
    }

    func resolveVersion(_ spec: String?, dataset: DatasetRow, db: Database) throws -> VersionRecord {
        guard let spec, spec != "latest" else {
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM version WHERE datasetId = ? ORDER BY key DESC LIMIT 1",
                    arguments: [dataset.id])
            else { throw DatasetStoreError.unknownVersion(dataset: dataset.name, version: "latest") }
            return VersionRecord(row: row)
        }
        if let exact = try versionRow(datasetID: dataset.id, exactID: spec, db: db) { return exact }
        let lowered = spec.lowercased()
        guard lowered.count >= 4, lowered.allSatisfy(\.isHexDigit) else {
            throw DatasetStoreError.unknownVersion(dataset: dataset.name, version: spec)
        }
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM version WHERE datasetId = ? AND substr(id, 1, ?) = ? LIMIT 2",
            arguments: [dataset.id, lowered.count, lowered])
        guard rows.count == 1 else {
            if rows.isEmpty { throw DatasetStoreError.unknownVersion(dataset: dataset.name, version: spec) }
            throw DatasetStoreError.ambiguousVersion(dataset: dataset.name, prefix: spec, matches: rows.count)
        }
        return VersionRecord(row: rows[0])
    }

    /// Whether a dataset of this name exists (unauthorized: names are unique store-wide and not secret).
    func datasetExists(named name: String, db: Database) throws -> Bool {
        if datasetIDs.id(for: name) != nil { return true }
        return try Bool.fetchOne(
            db, sql: "SELECT 1 FROM dataset WHERE name IN (?, ?)", arguments: [name, Validation.normalized(name)])
            != nil
    }

    /// The version of the dataset whose content has this keyed digest (erased versions have none).
    func versionRow(datasetID: Int64, contentDigest: Data, db: Database) throws -> VersionRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM version WHERE datasetId = ? AND contentDigest = ? LIMIT 1",
            arguments: [datasetID, contentDigest]
        )
        .map(VersionRecord.init(row:))
    }

    func versionRow(datasetID: Int64, exactID: String, db: Database) throws -> VersionRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM version WHERE datasetId = ? AND id = ?", arguments: [datasetID, exactID]
        )
        .map(VersionRecord.init(row:))
    }

    func version(_ record: VersionRecord, dataset: String, db: Database) throws -> DatasetVersion {
        let parent = try record.parentKey.flatMap {
            try String.fetchOne(db, sql: "SELECT id FROM version WHERE key = ?", arguments: [$0])
        }
        let creator =
            try String.fetchOne(db, sql: "SELECT name FROM principal WHERE id = ?", arguments: [record.createdBy])
            ?? "?"
        return DatasetVersion(
            id: record.id, dataset: dataset, rowCount: record.rowCount, erasedCount: record.erasedCount, parent: parent,
            message: record.message, createdBy: creator, createdAt: Self.date(record.createdAt))
    }
}

/// A version's row as stored.
struct VersionRecord: Sendable {
    let key: Int64
    let id: String
    let parentKey: Int64?
    let rowCount: Int
    let message: String
    let createdBy: Int64
    let createdAt: Int64
    let erasedCount: Int

    init(
        key: Int64, id: String, parentKey: Int64?, rowCount: Int, message: String, createdBy: Int64, createdAt: Int64,
        erasedCount: Int = 0
    ) {
        self.erasedCount = erasedCount
        self.key = key
        self.id = id
        self.parentKey = parentKey
        self.rowCount = rowCount
        self.message = message
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    init(row: Row) {
        self.init(
            key: row["key"], id: row["id"], parentKey: row["parentKey"], rowCount: row["rowCount"],
            message: row["message"],
            createdBy: row["createdBy"], createdAt: row["createdAt"], erasedCount: row["erasedCount"])
    }
}
