import GRDB

extension SQLiteDatasetStore {
    /// The store's schema with every migration, the keyed ones included (they need the store's key).
    static func migrator(key: StoreKey) -> DatabaseMigrator {
        var migrator = migrator
        migrator.registerMigration(keyedMigration) { db in try keyChain(db, key: key) }
        migrator.registerMigration(modelGrantsMigration) { db in try addModelGrants(db) }
        return migrator
    }

    /// The migration that keys the store (see ``keyChain(_:key:)``).
    static let keyedMigration = "v6-keyed-audit-opaque-ids-columns"

    /// The migration that adds models as a scope of grants and the token epoch (see ``addModelGrants(_:)``).
    static let modelGrantsMigration = "v7-model-grants-token-epoch"

    /// The `v7` migration (after the keyed one, so it runs on every store once it is keyed):
    ///
    /// - `model_grant`: a role held on one model (a served adapter, by name). A table of its own rather than a column
    ///   of `role_grant`, so that a grant holds a dataset, a model or neither (store-wide) and never both by
    ///   construction, and so that a Foundry from before models, opening this file, sees no model grant at all rather
    ///   than mistaking one for a store-wide grant (its `role_grant` query knows only datasets): it fails safe.
    /// - `token_epoch` in `store_meta`, bumped by triggers whenever a token is issued, revoked or deleted, by any code
    ///   path and any process, so that a server's cached authenticator (``ModelAccessGate``) can tell with one indexed
    ///   read per call whether any token it remembers may have changed.
    static func addModelGrants(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE model_grant(
                    id INTEGER PRIMARY KEY,
                    principalId INTEGER NOT NULL REFERENCES principal(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    model TEXT NOT NULL CHECK (length(model) > 0),
                    grantedBy INTEGER NOT NULL REFERENCES principal(id),
                    grantedAt INTEGER NOT NULL);
                CREATE UNIQUE INDEX model_grant_unique ON model_grant(principalId, role, model);
                INSERT OR IGNORE INTO store_meta(key, value) VALUES ('token_epoch', 0);
                CREATE TRIGGER api_token_epoch_insert AFTER INSERT ON api_token
                BEGIN UPDATE store_meta SET value = value + 1 WHERE key = 'token_epoch'; END;
                CREATE TRIGGER api_token_epoch_update AFTER UPDATE ON api_token
                BEGIN UPDATE store_meta SET value = value + 1 WHERE key = 'token_epoch'; END;
                CREATE TRIGGER api_token_epoch_delete AFTER DELETE ON api_token
                BEGIN UPDATE store_meta SET value = value + 1 WHERE key = 'token_epoch'; END;
                """)
    }

    /// The store's unkeyed schema as ordered, named migrations (v1–v5, as shipped). Never edit a shipped migration:
    /// append a new one (to ``migrator(key:)``
    /// when it needs the key or must run after the keyed migration).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_meta(key TEXT PRIMARY KEY NOT NULL, value ANY) STRICT;
                    INSERT INTO store_meta(key, value) VALUES ('grant_epoch', 0), ('audit_head_id', 0), ('audit_head_hash', X'');
                    CREATE TABLE principal(
                        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, createdAt INTEGER NOT NULL);
                    CREATE TABLE api_token(
                        id INTEGER PRIMARY KEY,
                        principalId INTEGER NOT NULL REFERENCES principal(id) ON DELETE CASCADE,
                        lookup TEXT NOT NULL UNIQUE, salt BLOB NOT NULL, digest BLOB NOT NULL,
                        createdAt INTEGER NOT NULL, revokedAt INTEGER);
                    CREATE TABLE custom_role(name TEXT PRIMARY KEY NOT NULL, actions INTEGER NOT NULL, createdAt INTEGER NOT NULL);
                    CREATE TABLE dataset(
                        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, license TEXT NOT NULL,
                        attribution TEXT NOT NULL, sensitiveFields TEXT NOT NULL, createdAt INTEGER NOT NULL,
                        createdBy INTEGER NOT NULL REFERENCES principal(id));
                    CREATE TABLE role_grant(
                        id INTEGER PRIMARY KEY,
                        principalId INTEGER NOT NULL REFERENCES principal(id) ON DELETE CASCADE,
                        role TEXT NOT NULL,
                        datasetId INTEGER REFERENCES dataset(id) ON DELETE CASCADE,
                        grantedBy INTEGER NOT NULL REFERENCES principal(id),
                        grantedAt INTEGER NOT NULL);
                    CREATE UNIQUE INDEX role_grant_unique ON role_grant(principalId, role, ifnull(datasetId, 0));
                    CREATE TABLE version(
                        key INTEGER PRIMARY KEY,
                        datasetId INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
                        id TEXT NOT NULL, parentKey INTEGER REFERENCES version(key),
                        rowCount INTEGER NOT NULL, message TEXT NOT NULL,
                        createdBy INTEGER NOT NULL REFERENCES principal(id), createdAt INTEGER NOT NULL,
                        UNIQUE(datasetId, id));
                    CREATE TABLE version_row(
                        versionKey INTEGER NOT NULL REFERENCES version(key) ON DELETE CASCADE,
                        position INTEGER NOT NULL, exampleId TEXT NOT NULL, text TEXT, fields TEXT,
                        erased INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY(versionKey, position)) WITHOUT ROWID;
                    CREATE TABLE tombstone(
                        datasetId INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
                        exampleId TEXT NOT NULL, erasedAt INTEGER NOT NULL,
                        erasedBy INTEGER NOT NULL REFERENCES principal(id),
                        PRIMARY KEY(datasetId, exampleId)) WITHOUT ROWID;
                    CREATE TABLE gold_label(
                        versionKey INTEGER NOT NULL REFERENCES version(key) ON DELETE CASCADE,
                        exampleId TEXT NOT NULL, label INTEGER NOT NULL,
                        PRIMARY KEY(versionKey, exampleId)) WITHOUT ROWID;
                    CREATE TABLE artifact(
                        id INTEGER PRIMARY KEY,
                        versionKey INTEGER NOT NULL REFERENCES version(key) ON DELETE CASCADE,
                        kind TEXT NOT NULL, name TEXT NOT NULL, details TEXT NOT NULL,
                        createdBy INTEGER NOT NULL REFERENCES principal(id), createdAt INTEGER NOT NULL,
                        staleReason TEXT, staleAt INTEGER);
                    CREATE UNIQUE INDEX artifact_name ON artifact(versionKey, kind, name);
                    CREATE TABLE label_matrix(
                        artifactId INTEGER PRIMARY KEY REFERENCES artifact(id) ON DELETE CASCADE,
                        lfNames TEXT NOT NULL, classNames TEXT NOT NULL, rowCount INTEGER NOT NULL,
                        rowOffsets BLOB NOT NULL, voteLFs BLOB NOT NULL, voteClasses BLOB NOT NULL);
                    CREATE TABLE probabilistic_labels(
                        artifactId INTEGER PRIMARY KEY REFERENCES artifact(id) ON DELETE CASCADE,
                        labelModel TEXT NOT NULL, labelModelJSON TEXT NOT NULL,
                        rowCount INTEGER NOT NULL, classCount INTEGER NOT NULL, probabilities BLOB NOT NULL);
                    CREATE TABLE cleaning_decision(
                        artifactId INTEGER PRIMARY KEY REFERENCES artifact(id) ON DELETE CASCADE,
                        payload BLOB NOT NULL);
                    CREATE TABLE audit_entry(
                        id INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, principal TEXT NOT NULL,
                        operation TEXT NOT NULL, action TEXT NOT NULL, dataset TEXT, version TEXT,
                        outcome TEXT NOT NULL, detail TEXT NOT NULL,
                        previousHash BLOB NOT NULL, hash BLOB NOT NULL);
                    """)
        }
        migrator.registerMigration("v2-audit-append-only") { db in
            // Defence in depth: ordinary SQL cannot edit or delete audit entries. The hash chain
            // still catches anyone who drops these triggers first.
            try db.execute(
                sql: """
                    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
                    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
                    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
                    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
                    """)
        }
        migrator.registerMigration("v3-grant-lookup") { db in
            try db.execute(sql: "CREATE INDEX role_grant_principal ON role_grant(principalId)")
        }
        migrator.registerMigration("v4-version-erased-count") { db in
            // Keeps the number of erased rows per version, so reading a version's metadata never scans its rows.
            try db.execute(
                sql: """
                    ALTER TABLE version ADD COLUMN erasedCount INTEGER NOT NULL DEFAULT 0;
                    UPDATE version SET erasedCount =
                        (SELECT count(*) FROM version_row r WHERE r.versionKey = version.key AND r.erased = 1);
                    """)
        }
        migrator.registerMigration("v5-soft-labels-lineage-files") { db in
            // Soft labels carry their class names (NULL in rows stored before: read back as class_0, class_1, …);
            // probabilistic labels are renamed soft labels everywhere. Artifacts may derive from another artifact
            // (lineage chains) and carry files.
            try db.execute(
                sql: """
                    ALTER TABLE probabilistic_labels RENAME TO soft_labels;
                    ALTER TABLE soft_labels ADD COLUMN classNames TEXT;
                    UPDATE artifact SET kind = 'soft-labels' WHERE kind = 'probabilistic-labels';
                    ALTER TABLE artifact ADD COLUMN derivedFrom INTEGER REFERENCES artifact(id);
                    CREATE INDEX artifact_derived_from ON artifact(derivedFrom);
                    CREATE TABLE artifact_file(
                        artifactId INTEGER NOT NULL REFERENCES artifact(id) ON DELETE CASCADE,
                        name TEXT NOT NULL, bytes BLOB NOT NULL, sha256 TEXT NOT NULL,
                        PRIMARY KEY(artifactId, name)) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
