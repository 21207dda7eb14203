import Foundation
import GRDB

extension SQLiteDatasetStore {
    /// `PRAGMA application_id` of a Foundry store: "FDRY".
    static let applicationID: Int32 = 0x4644_5259
    /// The sub-key purpose of the digest that recognises identical content.
    static let contentPurpose = "foundry.version-content.v1"

    /// The migration that keys a store (`v6`), run once with the store's key:
    ///
    /// - marks the file as a Foundry store (`application_id`) and records a check of the key and a random store id;
    /// - records each dataset's columns (field names seen in its versions) and turns legacy sensitive names into
    ///   column names: an exact field name stays, a name matching a field but for case becomes that field, and any
    ///   other name (the text column under its file name, such as `CONTENT`) masks the text column — failing safe;
    /// - gives each version a keyed content digest (for change detection) and replaces the unsalted content hash that
    ///   served as its id by an opaque random id wherever the hash could reveal something (the dataset has sensitive
    ///   columns, or the version has erased rows); other versions keep their id until that changes;
    /// - seals the legacy audit chain with a first keyed entry that commits to its head and records the principals,
    ///   tokens, roles and grants as they are (the starting point of the audit replay).
    static func keyChain(_ db: Database, key: StoreKey) throws {
        try db.execute(
            sql: """
                ALTER TABLE dataset ADD COLUMN idColumn TEXT;
                ALTER TABLE dataset ADD COLUMN textColumn TEXT;
                ALTER TABLE dataset ADD COLUMN columns TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE version ADD COLUMN contentDigest BLOB;
                ALTER TABLE version ADD COLUMN idIsContentHash INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX version_content ON version(datasetId, contentDigest);
                ALTER TABLE audit_entry ADD COLUMN change TEXT;
                ALTER TABLE audit_entry ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
                """)
        try db.execute(sql: "PRAGMA application_id = \(applicationID)")
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO store_meta(key, value) VALUES
                    ('audit_head_mac', X''), ('store_id', ?), ('key_check', ?), ('audit_keyed_from', 
                     (SELECT value + 1 FROM store_meta WHERE key = 'audit_head_id'))
                """,
            arguments: [CanonicalEncoding.hex(TokenHasher.randomBytes(16)), Data(key.check)])
        var replacedIDs = 0
        for dataset in try Row.fetchAll(db, sql: "SELECT id, sensitiveFields FROM dataset") {
            let datasetID: Int64 = dataset["id"]
            let columns = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT j.key FROM version v JOIN version_row r ON r.versionKey = v.key,
                        json_each(r.fields) j
                    WHERE v.datasetId = ? AND r.fields IS NOT NULL ORDER BY j.key
                    """, arguments: [datasetID])
            var sensitive: [String] = []
            for name in try decodeList(dataset["sensitiveFields"]) {
                let mapped: String
                if name == "text" || columns.contains(name) {
                    mapped = name
                } else if let match = columns.first(where: { $0.lowercased() == name.lowercased() }) {
                    mapped = match
                } else {
                    mapped = "text"
                }
                if !sensitive.contains(mapped) { sensitive.append(mapped) }
            }
            try db.execute(
                sql: "UPDATE dataset SET columns = ?, sensitiveFields = ? WHERE id = ?",
                arguments: [encodeList(columns), encodeList(sensitive.sorted()), datasetID])
            for version in try Row.fetchAll(
                db, sql: "SELECT key, id, erasedCount FROM version WHERE datasetId = ?", arguments: [datasetID])
            {
                let versionKey: Int64 = version["key"]
                let id: String = version["id"]
                let erased: Int = version["erasedCount"]
                let digest: Data? =
                    erased == 0
                    ? TokenHasher.bytes(fromHex: Substring(id)).map { Data(key.mac(contentPurpose, $0)) } : nil
                if sensitive.isEmpty && erased == 0 {
                    try db.execute(
                        sql: "UPDATE version SET contentDigest = ?, idIsContentHash = 1 WHERE key = ?",
                        arguments: [digest, versionKey])
                } else {
                    try replaceVersionID(db, versionKey: versionKey, datasetID: datasetID, oldID: id)
                    try db.execute(
                        sql: "UPDATE version SET contentDigest = ? WHERE key = ?", arguments: [digest, versionKey])
                    replacedIDs += 1
                }
            }
        }
        let legacyEntries = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_entry") ?? 0
        let legacyHead =
            try Data.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'audit_head_hash'") ?? Data()
        let baseline = try accessState(db)
        try appendAudit(
            db, key: key, principal: "-", operation: sealOperation, action: "migrate", dataset: nil, version: nil,
            outcome: .allowed,
            detail:
                "audit chain keyed after \(legacyEntries) earlier entries (head \(CanonicalEncoding.hex(legacyHead).prefix(16))); "
                + "\(replacedIDs) version ids replaced by opaque ids",
            change: baseline.asChanges, checkHead: false)
    }

    /// Gives a version a fresh opaque id (32 random bytes, hex) and rewrites the stale reasons that name the old one.
    ///
    /// - Returns: the new id.
    @discardableResult
    static func replaceVersionID(_ db: Database, versionKey: Int64, datasetID: Int64, oldID: String) throws -> String {
        let newID = newVersionID()
        try db.execute(
            sql: "UPDATE version SET id = ?, idIsContentHash = 0 WHERE key = ?", arguments: [newID, versionKey])
        try db.execute(
            sql: """
                UPDATE artifact SET staleReason = replace(staleReason, ?, ?)
                WHERE staleReason IS NOT NULL AND versionKey IN (SELECT key FROM version WHERE datasetId = ?)
                """, arguments: [String(oldID.prefix(12)), String(newID.prefix(12)), datasetID])
        return newID
    }

    /// A new opaque version id: 32 random bytes as 64 hex digits (the form content hashes had, so prefixes work).
    static func newVersionID() -> String { CanonicalEncoding.hex(TokenHasher.randomBytes(32)) }

    /// What an existing file is, read from its header without opening it as a database.
    enum FileKind {
        /// Empty: a new store.
        case empty
        /// A keyed Foundry store.
        case keyedStore
        /// A store written by a Foundry before keying, or not a store at all (told by ``isLegacyStore(_:)``).
        case unmarkedDatabase
    }

    /// Classifies the file at `path` from its first 100 bytes.
    ///
    /// - Throws: ``DatasetStoreError/notAStore(path:reason:)`` for a file that is not an SQLite database or is another
    ///   application's.
    static func fileKind(_ path: String) throws -> FileKind {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetStoreError.notAStore(path: path, reason: "cannot read it")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        if header.isEmpty { return .empty }
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw DatasetStoreError.notAStore(path: path, reason: "not an SQLite database")
        }
        let bytes = Array(header)
        let applicationID = Int32(bitPattern: bytes[68...71].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        if applicationID == Self.applicationID { return .keyedStore }
        guard applicationID == 0 else {
            throw DatasetStoreError.notAStore(
                path: path, reason: "another application's database (application_id \(applicationID))")
        }
        return .unmarkedDatabase
    }

    /// What an unmarked database holds, read with a read-only connection (the file is not modified).
    enum UnmarkedKind {
        /// Not a store.
        case foreign
        /// A store written before keying.
        case legacy
        /// A keyed store whose header was not yet checkpointed from its WAL.
        case keyed
    }

    /// Tells a store written before keying (it has the store's tables and migrations) from a keyed store whose
    /// `application_id` is still in the WAL, and from anything else.
    static func unmarkedKind(_ path: String) -> UnmarkedKind {
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return .foreign }
        let found = try? queue.read { db -> UnmarkedKind in
            let tables = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM sqlite_master WHERE type = 'table'
                    AND name IN ('store_meta', 'principal', 'api_token', 'audit_entry', 'grdb_migrations')
                    """)
            guard tables == 5,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM grdb_migrations WHERE identifier = 'v1-core'") == true
            else { return .foreign }
            let keyed = try Bool.fetchOne(db, sql: "SELECT 1 FROM store_meta WHERE key = 'key_check'") == true
            return keyed ? .keyed : .legacy
        }
        try? queue.close()
        return found ?? .foreign
    }
}
