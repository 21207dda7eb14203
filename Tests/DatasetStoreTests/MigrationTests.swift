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
        #expect(try store.appliedMigrations().last == SQLiteDatasetStore.modelGrantsMigration)
        let count = try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT erasedCount FROM version WHERE key = 1")
        }
        #expect(count == 2)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("v5: probabilistic labels stored before class names existed read back as soft labels named class_0, class_1")
    func upgradeFromV4() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        let probabilities: [Float] = [0.9, 0.1, 0.25, 0.75]
        do {
            let old = try DatabaseQueue(path: path)
            try SQLiteDatasetStore.migrator.migrate(old, upTo: "v4-version-erased-count")
            try old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO principal(id, name, kind, createdAt) VALUES (1, 'root', 'person', 0);
                        INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt)
                            VALUES (1, 'owner', NULL, 1, 0);
                        INSERT INTO dataset(id, name, license, attribution, sensitiveFields, createdAt, createdBy)
                            VALUES (1, 'd', 'MIT', 'a', '[]', 0, 1);
                        INSERT INTO version(key, datasetId, id, rowCount, message, createdBy, createdAt)
                            VALUES (1, 1, 'abcd', 2, '', 1, 0);
                        INSERT INTO artifact(id, versionKey, kind, name, details, createdBy, createdAt)
                            VALUES (7, 1, 'probabilistic-labels', 'old', '{"labelModel":["dawid-skene"]}', 1, 1000);
                        """)
                try db.execute(
                    sql: """
                        INSERT INTO probabilistic_labels(
                            artifactId, labelModel, labelModelJSON, rowCount, classCount, probabilities)
                        VALUES (7, 'dawid-skene', '{"iterations":50}', 2, 2, ?)
                        """, arguments: [BlobCoding.encode(probabilities)])
            }
        }
        let store = try SQLiteDatasetStore(path: path)
        #expect(try store.appliedMigrations().last == SQLiteDatasetStore.modelGrantsMigration)
        let owner = try store.pool.read { db in try store.principalRow(named: "root", db: db) }
        let stored = try store.softLabels(named: "old", dataset: "d", version: "abcd", as: owner)
        #expect(stored.softLabels.classNames == ["class_0", "class_1"])
        #expect(stored.softLabels.probabilities == probabilities)
        #expect(stored.labelModelMethod == "dawid-skene")
        #expect(stored.labelModelFile == #"{"iterations":50}"#)
        #expect(stored.artifact.kind == .softLabels)
        #expect(stored.artifact.derivedFrom == nil && stored.artifact.files.isEmpty)
        #expect(stored.artifact.createdAt == Date(timeIntervalSince1970: 1))
        #expect(try store.integrityCheck() == ["ok"])
        // New soft labels can be derived from the old ones' artifact on the upgraded store.
        let child = try store.recordArtifact(
            kind: .adapter, name: "a", files: ["training.json": Data("{}".utf8)], derivedFrom: 7, dataset: "d",
            version: nil, as: owner)
        #expect(child.version == "abcd")
    }
}
