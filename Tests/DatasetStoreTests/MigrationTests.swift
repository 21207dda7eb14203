import Foundation
import GRDB
import Testing

@testable import DatasetStore

@Suite("Migrations")
struct MigrationTests {
    @Test("a store written by an older schema is upgraded in order, and v4 backfills erased-row counts")
    func upgradeFromV3() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        do {
            let old = try DatabaseQueue(path: path)
            try SQLiteDatasetStore.migrator.migrate(old, upTo: "v3-grant-lookup")
            try old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO principal(id, name, kind, createdAt) VALUES (1, 'root', 'person', 0);
                        INSERT INTO dataset(id, name, license, attribution, sensitiveFields, createdAt, createdBy)
                            VALUES (1, 'd', 'MIT', 'a', '[]', 0, 1);
                        INSERT INTO version(key, datasetId, id, rowCount, message, createdBy, createdAt)
                            VALUES (1, 1, 'abcd', 3, '', 1, 0);
                        INSERT INTO version_row(versionKey, position, exampleId, text, fields, erased) VALUES
                            (1, 0, 'a', 'x', '{}', 0), (1, 1, 'b', NULL, NULL, 1), (1, 2, 'c', NULL, NULL, 1);
                        """)
            }
            #expect(try old.read { db in try db.columns(in: "version").map(\.name) }.contains("erasedCount") == false)
        }
        let store = try SQLiteDatasetStore(path: path)
        #expect(try store.appliedMigrations().last == "v4-version-erased-count")
        let count = try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT erasedCount FROM version WHERE key = 1")
        }
        #expect(count == 2)
        #expect(try store.integrityCheck() == ["ok"])
    }
}
