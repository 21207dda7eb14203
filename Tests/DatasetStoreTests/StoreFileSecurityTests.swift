import Foundation
import FoundryTestSupport
import GRDB
import Testing

@testable import DatasetStore

/// Issue 15, findings 3 and 4, tried with write or read access to the store file itself, and the upgrade of a store
/// written by the Foundry from before the fix.
@Suite("The store file under attack", .serialized)
struct StoreFileSecurityTests {
    /// A store with some history (datasets, principals, grants, reads), its owner's token in a file.
    static func busyStore() throws -> (TemporaryStore, URL) {
        let fixture = try TemporaryStore(ownerName: "alice")
        try fixture.dataset("d", rows: 5, sensitive: ["email"])
        _ = try fixture.principal("vera", role: "viewer", dataset: "d")
        for _ in 0..<80 { _ = try fixture.store.examples(of: "d", as: fixture.owner) }
        let token = fixture.directory.appendingPathComponent("alice.token")
        try Data(fixture.ownerToken.utf8).write(to: token)
        return (fixture, token)
    }

    /// `foundry store audit verify` on the fixture's file (with `extra` arguments).
    static func verify(_ fixture: TemporaryStore, _ token: URL, _ extra: [String] = []) throws -> FoundryCLI.Output {
        try FoundryCLI.run(
            ["store", "audit", "verify", "--store", fixture.path, "--token-file", token.path] + extra,
            in: fixture.directory)
    }

    /// Opens the store file directly, as an attacker with write access would (no key).
    static func tamper(_ fixture: TemporaryStore, _ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: fixture.path)
        try queue.writeWithoutTransaction { db in try body(db) }
        try queue.close()
    }

    // MARK: 3. The audit log

    @Test("3. deleting the last 50 entries (trigger dropped) fails `audit verify`, with or without moving the head")
    func truncatedTailIsCaught() throws {
        guard FoundryCLI.isAvailable else { return }
        for movesHead in [false, true] {
            let (fixture, token) = try Self.busyStore()
            #expect(try Self.verify(fixture, token).status == 0)
            try Self.tamper(fixture) { db in
                try db.execute(sql: "DROP TRIGGER audit_entry_no_delete")
                let last = try Int64.fetchOne(db, sql: "SELECT max(id) FROM audit_entry") ?? 0
                try db.execute(sql: "DELETE FROM audit_entry WHERE id > ?", arguments: [last - 50])
                if movesHead {
                    let row = try #require(
                        try Row.fetchOne(db, sql: "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1"))
                    try db.execute(
                        sql: "UPDATE store_meta SET value = ? WHERE key = 'audit_head_id'", arguments: [row["id"]])
                    try db.execute(
                        sql: "UPDATE store_meta SET value = ? WHERE key = 'audit_head_hash'",
                        arguments: [row["hash"] as Data])
                }
            }
            let result = try Self.verify(fixture, token)
            #expect(result.status == 2, "truncation (head moved: \(movesHead)) passed: \(result.standardOutput)")
            #expect(result.standardOutput.contains("TAMPERED"))
            // Verifying again (after the verification's own entries were appended) still fails.
            #expect(try Self.verify(fixture, token).status == 2)
        }
    }

    @Test("3. a rewritten log with a recomputed (unkeyed) chain fails `audit verify`")
    func rewrittenChainIsCaught() throws {
        guard FoundryCLI.isAvailable else { return }
        let (fixture, token) = try Self.busyStore()
        try Self.tamper(fixture) { db in
            try db.execute(sql: "DROP TRIGGER audit_entry_no_update")
            try db.execute(sql: "UPDATE audit_entry SET detail = 'nothing happened' WHERE operation = 'grant'")
            // Recompute every hash as the attacker can: SHA-256 without the key.
            var previous = SQLiteDatasetStore.genesisHash
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_entry ORDER BY id") {
                let hash = SQLiteDatasetStore.legacyEntryHash(
                    previous: previous, id: row["id"], timestamp: row["timestamp"], principal: row["principal"],
                    operation: row["operation"], action: row["action"], dataset: row["dataset"],
                    version: row["version"], outcome: row["outcome"], detail: row["detail"])
                try db.execute(
                    sql: "UPDATE audit_entry SET previousHash = ?, hash = ?, keyed = 0, change = NULL WHERE id = ?",
                    arguments: [Data(previous), Data(hash), row["id"]])
                previous = hash
            }
            let count = try Int64.fetchOne(db, sql: "SELECT count(*) FROM audit_entry") ?? 0
            try db.execute(
                sql: "UPDATE store_meta SET value = ? WHERE key = 'audit_keyed_from'", arguments: [count + 1])
            try db.execute(
                sql: "UPDATE store_meta SET value = ? WHERE key = 'audit_head_hash'", arguments: [Data(previous)])
        }
        let result = try Self.verify(fixture, token)
        #expect(result.status == 2, "\(result.standardOutput)")
    }

    @Test("3. an owner grant inserted straight into the grants table fails `audit verify` (the replay differs)")
    func grantOutsideTheLogIsCaught() throws {
        guard FoundryCLI.isAvailable else { return }
        let (fixture, token) = try Self.busyStore()
        try Self.tamper(fixture) { db in
            try db.execute(
                sql: """
                    INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt)
                    SELECT id, 'owner', NULL, id, 0 FROM principal WHERE name = 'vera'
                    """)
        }
        let result = try Self.verify(fixture, token)
        #expect(result.status == 2)
        #expect(result.standardOutput.contains("owner") && result.standardOutput.contains("vera"))
    }

    @Test("3. a checkpoint catches a rollback to an older copy of the file, which the chain alone cannot")
    func checkpointCatchesRollback() throws {
        guard FoundryCLI.isAvailable else { return }
        let (fixture, token) = try Self.busyStore()
        let backup = fixture.directory.appendingPathComponent("backup.sqlite")
        try fixture.store.pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
        try FileManager.default.copyItem(atPath: fixture.path, toPath: backup.path)
        _ = try fixture.store.eraseExample("e1", from: "d", as: fixture.owner)
        let checkpoint = fixture.directory.appendingPathComponent("head.json").path
        let made = try FoundryCLI.run(
            [
                "store", "audit", "checkpoint", "--out", checkpoint, "--store", fixture.path, "--token-file",
                token.path,
            ], in: fixture.directory)
        try #require(made.status == 0, "\(made.standardError)")
        #expect(try Self.verify(fixture, token, ["--against", checkpoint]).status == 0)
        try fixture.store.pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
        // Roll the file back: the older copy is a consistent, keyed log — only the checkpoint tells.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: fixture.path + suffix) }
        #expect(rename(backup.path, fixture.path) == 0)
        let against = try Self.verify(fixture, token, ["--against", checkpoint])
        #expect(against.status == 2, "\(against.standardOutput)")
        #expect(against.standardOutput.contains("removed"))
        // Without the checkpoint the older copy is a consistent log; with it, still caught after more entries.
        #expect(try Self.verify(fixture, token).status == 0)
        let later = try Self.verify(fixture, token, ["--against", checkpoint])
        #expect(later.status == 2)
        #expect(later.standardOutput.contains("rewritten"))
    }

    @Test("3. a forged checkpoint (not signed with the store's key) is refused")
    func forgedCheckpoint() throws {
        let (fixture, _) = try Self.busyStore()
        let real = try fixture.store.auditCheckpoint(as: fixture.owner)
        let forged = AuditCheckpoint(
            storeID: real.storeID, entryCount: real.entryCount - 5, root: real.root, head: real.head,
            createdAt: real.createdAt, signature: real.signature)
        let result = try fixture.store.verifyAuditLog(against: forged, as: fixture.owner)
        #expect(!result.ok)
        #expect(result.reason?.contains("signature") == true)
        #expect(try fixture.store.verifyAuditLog(against: real, as: fixture.owner).ok)
    }

    // MARK: 4. Private files

    @Test("4. the store, its key, its WAL and shared memory, and token files are readable by their owner only")
    func filesArePrivate() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("s.sqlite").path
        let store = try SQLiteDatasetStore(path: path)
        let owner = try store.bootstrapOwner(name: "alice").principal
        _ = try store.createDataset(name: "d", license: "MIT", attribution: "", sensitiveFields: [], as: owner)
        for file in [path, path + ".key", path + "-wal", path + "-shm"] {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
        let secureDelete = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") }
        #expect(secureDelete == 1)
        if FoundryCLI.isAvailable {
            let cli = directory.file("cli.sqlite").path
            let created = try FoundryCLI.run(
                ["store", "init", "--store", cli, "--owner", "bob", "--token-out", directory.file("t").path])
            try #require(created.status == 0, "\(created.standardError)")
            for file in [cli, cli + ".key", directory.file("t").path] {
                let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
                #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
            }
        }
    }

    @Test("4. erased text does not survive in the store file (secure_delete)")
    func erasedTextLeavesTheFile() throws {
        let fixture = try TemporaryStore()
        let marker = "UNIQUE-MARKER-\(UUID().uuidString)"
        _ = try fixture.store.createDataset(
            name: "d", license: "MIT", attribution: "", sensitiveFields: [], as: fixture.owner)
        _ = try fixture.store.importVersion(
            [Example(id: "a", text: marker), Example(id: "b", text: "other")], into: "d", as: fixture.owner)
        _ = try fixture.store.eraseExample("a", from: "d", as: fixture.owner)
        try fixture.store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        #expect(bytes.range(of: Data(marker.utf8)) == nil, "the erased text is still in the file")
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: fixture.path + "-wal"))) ?? Data()
        #expect(wal.range(of: Data(marker.utf8)) == nil)
    }

    @Test("4/9. a failed login on an SQLite file that is not a store leaves it byte for byte untouched")
    func foreignFilesAreNotTouched() throws {
        guard FoundryCLI.isAvailable else { return }
        let directory = TemporaryDirectory()
        let path = directory.file("other.db").path
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('x')")
            }
            try queue.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = try directory.write("t", "fdy_0123456789abcdef_" + String(repeating: "0", count: 64))
        let output = try FoundryCLI.run(
            ["store", "whoami", "--store", path, "--token-file", directory.file("t").path], in: directory.url)
        #expect(output.status != 0)
        #expect(output.standardError.contains("not a Foundry store"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + ".key"))
        let text = directory.file("plain.txt").path
        _ = try directory.write("plain.txt", "hello")
        let notSQLite = try FoundryCLI.run(
            ["store", "whoami", "--store", text, "--token-file", directory.file("t").path], in: directory.url)
        #expect(notSQLite.status != 0)
        #expect(try String(contentsOfFile: text, encoding: .utf8) == "hello")
    }

    @Test("the store refuses a wrong key and a missing key file, naming what to do")
    func keyProblems() throws {
        let fixture = try TemporaryStore()
        #expect(throws: DatasetStoreError.wrongKey(path: fixture.path)) {
            _ = try SQLiteDatasetStore(path: fixture.path, key: StoreKey.generate())
        }
        try FileManager.default.moveItem(atPath: fixture.path + ".key", toPath: fixture.path + ".key.bak")
        #expect(throws: DatasetStoreError.missingKey(path: fixture.path, keyFile: fixture.path + ".key")) {
            _ = try SQLiteDatasetStore(path: fixture.path, environment: [:])
        }
        let hex = try String(contentsOfFile: fixture.path + ".key.bak", encoding: .utf8)
        let fromEnvironment = try SQLiteDatasetStore(
            path: fixture.path, environment: [StoreKey.environmentVariable: hex])
        #expect(try fromEnvironment.verifyAuditLog(as: fixture.owner).ok)
        chmod(fixture.path + ".key.bak", 0o644)
        try FileManager.default.moveItem(atPath: fixture.path + ".key.bak", toPath: fixture.path + ".key")
        #expect(throws: DatasetStoreError.self) { _ = try SQLiteDatasetStore(path: fixture.path, environment: [:]) }
    }

    // MARK: Upgrade

    /// A `foundry` binary from before keying (release 0.5.0), named by `$FOUNDRY_OLD_BIN`; the test that needs it
    /// is skipped without it, and `upgradeKeepsHarmlessIDs` covers the upgrade on every machine.
    static let oldBinary: String? = {
        guard let candidate = ProcessInfo.processInfo.environment["FOUNDRY_OLD_BIN"] else { return nil }
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }()

    @Test(
        "a store created by the Foundry from before keying upgrades without losing anything",
        .enabled(if: oldBinary != nil && FoundryCLI.isAvailable, "needs the pre-change binary (FOUNDRY_OLD_BIN)"))
    func upgradeFromThePreviousRelease() throws {
        let old = URL(fileURLWithPath: try #require(Self.oldBinary))
        let directory = TemporaryDirectory()
        let store = directory.file("old.sqlite").path
        func runOld(_ arguments: [String]) throws -> FoundryCLI.Output {
            var arguments = arguments + ["--store", store]
            if arguments.first == "store", arguments.dropFirst().first != "init" {
                arguments += ["--token-file", directory.file("alice.token").path]
            }
            return try FoundryCLI.run(arguments, executable: old, in: directory.url)
        }
        func runNew(_ arguments: [String], as who: String = "alice") throws -> FoundryCLI.Output {
            try FoundryCLI.run(
                arguments + ["--store", store, "--token-file", directory.file("\(who).token").path], in: directory.url)
        }
        let created = try runOld(["store", "init", "--owner", "alice", "--json"])
        try #require(created.status == 0, "\(created.standardError)")
        _ = try directory.write("alice.token", try #require(created.json()["token"] as? String))
        let sample = TestData.packageFile("Datasets/samples/youtube_spam_sample.csv").path
        let plain = try runOld([
            "store", "import", sample, "--dataset", "plain", "--id-field", "COMMENT_ID",
            "--text-field", "CONTENT", "--json",
        ])
        try #require(plain.status == 0, "\(plain.standardError)")
        let plainID = try #require((plain.json()["version"] as? [String: Any])?["id"] as? String)
        // The finding: the old store accepted the CSV name of the text column and masked nothing.
        let pii = try runOld([
            "store", "import", sample, "--dataset", "pii", "--id-field", "COMMENT_ID",
            "--text-field", "CONTENT", "--sensitive", "CONTENT", "--json",
        ])
        try #require(pii.status == 0, "\(pii.standardError)")
        let piiID = try #require((pii.json()["version"] as? [String: Any])?["id"] as? String)
        let granted = try runOld([
            "store", "grant", "viewer", "vera", "--dataset", "pii", "--create-principal",
            "--json",
        ])
        try #require(granted.status == 0, "\(granted.standardError)")
        _ = try directory.write("vera.token", try #require(granted.json()["token"] as? String))
        try #require(try runOld(["store", "erase", "plain", "sample-428abf2c89e7786d"]).status == 0)
        let entriesBefore = try #require(
            try runOld(["store", "audit", "--limit", "100000", "--json"]).json()["entries"] as? [Any]
        ).count

        // The new binary opens it: the log verifies (legacy entries and the keyed seal), nothing was lost.
        let verified = try runNew(["store", "audit", "verify", "--json"])
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        #expect((try verified.json()["entry_count"] as? Int ?? 0) > entriesBefore)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: store)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0, "the upgraded store is still readable by others")
        #expect(FileManager.default.fileExists(atPath: store + ".key"))
        // Ids: kept where they revealed nothing (no sensitive columns, no erasure) — here both datasets changed:
        // `plain` had an erasure, `pii` sensitive columns; both got opaque ids. Rows and counts are intact.
        let plainVersions = try #require(
            try runNew(["store", "list", "plain", "--json"]).json()["versions"] as? [[String: Any]])
        #expect(plainVersions.count == 1 && plainVersions[0]["row_count"] as? Int == 260)
        #expect(plainVersions[0]["erased_count"] as? Int == 1)
        #expect(plainVersions[0]["id"] as? String != plainID)
        let piiVersions = try #require(
            try runNew(["store", "list", "pii", "--json"]).json()["versions"] as? [[String: Any]])
        #expect(piiVersions[0]["id"] as? String != piiID)
        // The viewer now sees the text masked: the legacy name CONTENT was mapped to the text column.
        let shown = try runNew(["store", "show", "pii", "--limit", "5", "--json"], as: "vera")
        #expect(shown.status == 0, "\(shown.standardError)")
        let examples = try #require(shown.json()["examples"] as? [[String: Any]])
        #expect(examples.count == 5 && examples.allSatisfy { $0["text"] as? String == "[masked]" })
        let owner = try runNew(["store", "show", "pii", "--limit", "1", "--json"])
        #expect((try owner.json()["examples"] as? [[String: Any]])?.first?["text"] as? String != "[masked]")
        // A second open changes nothing more and still verifies.
        #expect(try runNew(["store", "audit", "verify"]).status == 0)
    }

    @Test("upgrade keeps the id of a version that reveals nothing, and replaces the ones that could")
    func upgradeKeepsHarmlessIDs() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("legacy.sqlite").path
        let rows = [Example(id: "a", text: "x"), Example(id: "b", text: "y")]
        let legacyID = CanonicalEncoding.hex(SQLiteDatasetStore.contentHash(of: rows))
        do {
            let old = try DatabaseQueue(path: path)
            try SQLiteDatasetStore.migrator.migrate(old)
            try old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO principal(id, name, kind, createdAt) VALUES (1, 'root', 'person', 0);
                        INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt) VALUES (1, 'owner', NULL, 1, 0);
                        INSERT INTO dataset(id, name, license, attribution, sensitiveFields, createdAt, createdBy)
                            VALUES (1, 'open', 'MIT', 'a', '[]', 0, 1), (2, 'pii', 'MIT', 'a', '["Email"]', 0, 1);
                        INSERT INTO version(key, datasetId, id, rowCount, message, createdBy, createdAt)
                            VALUES (1, 1, ?, 2, '', 1, 0), (2, 2, ?, 2, '', 1, 0);
                        INSERT INTO version_row(versionKey, position, exampleId, text, fields, erased) VALUES
                            (1, 0, 'a', 'x', '{}', 0), (1, 1, 'b', 'y', '{}', 0),
                            (2, 0, 'a', 'x', '{"email":"a@b"}', 0), (2, 1, 'b', 'y', '{"email":"c@d"}', 0);
                        """, arguments: [legacyID, legacyID])
            }
            try old.close()
        }
        let store = try SQLiteDatasetStore(path: path)
        let root = Principal(id: 1, name: "root", kind: .person)
        #expect(try store.version(nil, of: "open", as: root).id == legacyID)
        #expect(try store.version(nil, of: "pii", as: root).id != legacyID)
        // The legacy sensitive name `Email` (wrong case) now names the column `email`.
        #expect(try store.dataset(named: "pii", as: root).sensitiveFields == ["email"])
        // Identical content is still recognised (keyed digest computed from the legacy hash).
        #expect(try store.importVersion(rows, into: "open", as: root).created == false)
        #expect(try store.verifyAuditLog(as: root).ok)
    }
}
