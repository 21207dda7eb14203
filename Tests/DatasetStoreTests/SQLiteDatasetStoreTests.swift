import Foundation
import FoundryCore
import GRDB
import Labeling
import Testing

@testable import DatasetStore

@Suite("SQLiteDatasetStore: datasets, versions, labels, lineage, erasure, export")
struct SQLiteDatasetStoreTests {
    @Test("opening applies the named migrations in order; WAL and foreign keys are on")
    func migrationsAndPragmas() throws {
        let fixture = try TemporaryStore()
        #expect(
            try fixture.store.appliedMigrations() == [
                "v1-core", "v2-audit-append-only", "v3-grant-lookup", "v4-version-erased-count",
                "v5-soft-labels-lineage-files", SQLiteDatasetStore.keyedMigration,
                SQLiteDatasetStore.modelGrantsMigration,
            ])
        let (journal, foreignKeys) = try fixture.store.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(journal == "wal")
        #expect(foreignKeys == 1)
        #expect(try fixture.store.integrityCheck() == ["ok"])
        // Reopening is idempotent.
        let again = try SQLiteDatasetStore(path: fixture.path)
        #expect(try again.appliedMigrations().count == 7)
    }

    @Test("a labeling workflow through the backend-independent DatasetStore protocol")
    func throughTheProtocol() throws {
        let fixture = try TemporaryStore()
        let store: any DatasetStore = fixture.store
        let owner = try store.authenticate(token: fixture.ownerToken)
        _ = try store.createDataset(
            name: "sms", license: "CC-BY-4.0", attribution: "UCI", sensitiveFields: [], as: owner)
        let version = try store.importVersion(
            TemporaryStore.rows(3), into: "sms", message: "v1", as: owner, progress: nil
        ).version
        _ = try store.createPrincipal(name: "bot", kind: .service, as: owner)
        _ = try store.grant(role: "labeler", to: "bot", dataset: "sms", as: owner)
        let bot = try store.authenticate(token: try store.issueToken(for: "bot", as: owner).token)
        let matrix = try LabelMatrix(
            denseVotes: [0, 1, -1], rowCount: 3, lfNames: ["kw"], classNames: ["ham", "spam"])
        _ = try store.storeLabelMatrix(matrix, name: "lfs", dataset: "sms", version: version.id, as: bot)
        #expect(try store.labelMatrix(named: "lfs", dataset: "sms", version: nil, as: bot) == matrix)
        #expect(try store.areAllowed(bot, [(.label, "sms"), (.write, "sms")]) == [true, false])
        #expect(try store.roles(as: bot).map(\.name) == ["owner", "maintainer", "labeler", "viewer"])
        #expect(try store.grants(of: "bot", as: bot).map(\.role) == ["labeler"])
        #expect(try store.lineage(of: "sms", staleOnly: false, as: bot).map(\.name) == ["lfs"])
        #expect(try store.verifyAuditLog(as: owner).ok)
    }

    @Test("a store has exactly one bootstrap: the second is refused")
    func bootstrapOnce() throws {
        let fixture = try TemporaryStore()
        #expect(throws: DatasetStoreError.alreadyInitialized(path: fixture.path)) {
            try fixture.store.bootstrapOwner(name: "intruder")
        }
        #expect(try fixture.store.isAllowed(fixture.owner, .admin, dataset: nil))
    }

    @Test("version ids are opaque; identical rows give the same version and no duplicate, any change a new id")
    func contentAddressedVersions() throws {
        let fixture = try TemporaryStore()
        let first = try fixture.dataset("d", rows: 4)
        // Opaque: 64 hex digits that are not the content hash of the rows (which could be tested against guesses).
        #expect(first != CanonicalEncoding.hex(SQLiteDatasetStore.contentHash(of: TemporaryStore.rows(4))))
        #expect(first.count == 64)
        let again = try fixture.store.importVersion(TemporaryStore.rows(4), into: "d", as: fixture.owner)
        #expect(again.version.id == first)
        #expect(!again.created)
        #expect(try fixture.store.versions(of: "d", as: fixture.owner).count == 1)
        var changed = TemporaryStore.rows(4)
        changed[2].fields["tag"] = "x"
        let second = try fixture.store.importVersion(changed, into: "d", message: "edit", as: fixture.owner)
        #expect(second.created)
        #expect(second.version.id != first)
        #expect(second.version.parent == first)
        #expect(second.version.message == "edit")
        // Field order never matters; the canonical JSON sorts keys.
        #expect(CanonicalEncoding.fieldsJSON(["b": "1", "a": "\"q\"\n"]) == #"{"a":"\"q\"\n","b":"1"}"#)
        let rows = try fixture.store.examples(of: "d", version: String(first.prefix(8)), as: fixture.owner)
        #expect(rows == TemporaryStore.rows(4))
        #expect(try fixture.store.examples(of: "d", as: fixture.owner) == changed)
    }

    @Test("bad imports are rejected with the row and field named, and write nothing")
    func badImports() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 2)
        let duplicated = [Example(id: "a", text: "1"), Example(id: "a", text: "2")]
        #expect(throws: DatasetStoreError.duplicateExampleID(row: 1, exampleID: "a")) {
            try fixture.store.importVersion(duplicated, into: "d", as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.unknownDataset("missing")) {
            try fixture.store.importVersion([Example(id: "a", text: "1")], into: "missing", as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.unknownVersion(dataset: "d", version: "ffffffff")) {
            try fixture.store.examples(of: "d", version: "ffffffff", as: fixture.owner)
        }
        #expect(try fixture.store.versions(of: "d", as: fixture.owner).count == 1)
        let failures = try fixture.store.auditLog(as: fixture.owner).filter { $0.outcome == .failed }
        #expect(failures.map(\.operation).contains("import"))
    }

    @Test("diff reports added, removed and changed example ids")
    func diff() throws {
        let fixture = try TemporaryStore()
        let old = try fixture.dataset("d", rows: 4)
        var rows = TemporaryStore.rows(4)
        rows.remove(at: 1)
        rows[1].text = "changed"
        rows.append(Example(id: "new", text: "n"))
        let new = try fixture.store.importVersion(rows, into: "d", as: fixture.owner).version.id
        let diff = try fixture.store.diff("d", from: old, to: new, as: fixture.owner)
        #expect(diff.added == ["new"])
        #expect(diff.removed == ["e1"])
        #expect(diff.changed == ["e2"])
        #expect(try fixture.store.diff("d", from: new, to: new, as: fixture.owner).changed.isEmpty)
    }

    @Test("gold labels, label matrices, soft labels and cleaning decisions round-trip")
    func labelsRoundTrip() throws {
        let fixture = try TemporaryStore()
        let version = try fixture.dataset("d", rows: 3)
        let store = fixture.store
        try store.setGoldLabels(["e0": 1, "e2": 0], dataset: "d", version: version, as: fixture.owner)
        #expect(try store.goldLabels(dataset: "d", version: nil, as: fixture.owner) == ["e0": 1, "e2": 0])
        #expect(
            throws: DatasetStoreError.invalidLabels(
                dataset: "d", version: version, reason: "example 'zz' is not in the version")
        ) {
            try store.setGoldLabels(["zz": 1], dataset: "d", version: nil, as: fixture.owner)
        }

        let matrix = try LabelMatrix(
            denseVotes: [0, -1, 1, 1, -1, -1], rowCount: 3, lfNames: ["kw", "re"], classNames: ["ham", "spam"])
        _ = try store.storeLabelMatrix(matrix, name: "v1", dataset: "d", version: nil, as: fixture.owner)
        #expect(try store.labelMatrix(named: "v1", dataset: "d", version: version, as: fixture.owner) == matrix)
        let short = try LabelMatrix(
            denseVotes: [0, 1], rowCount: 1, lfNames: ["kw", "re"], classNames: ["ham", "spam"])
        #expect(throws: DatasetStoreError.self) {
            try store.storeLabelMatrix(short, name: "bad", dataset: "d", version: nil, as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.duplicateName(kind: "label-matrix", name: "v1")) {
            try store.storeLabelMatrix(matrix, name: "v1", dataset: "d", version: nil, as: fixture.owner)
        }

        let soft = try SoftLabels(
            probabilities: [0.9, 0.1, 0.25, 0.75, 0.5, 0.5], classNames: ["ham", "spam"])
        let stored = try store.storeSoftLabels(
            soft, name: "ds", labelModelMethod: "dawid-skene", labelModelFile: #"{"iterations":50}"#, dataset: "d",
            version: nil, as: fixture.owner)
        let read = try store.softLabels(named: "ds", dataset: "d", version: nil, as: fixture.owner)
        #expect(read.softLabels == soft)
        #expect(read.labelModelMethod == "dawid-skene")
        #expect(read.labelModelFile == #"{"iterations":50}"#)
        #expect(read.artifact == stored)
        #expect(throws: DatasetStoreError.unknownArtifact(dataset: "d", version: version, name: "none")) {
            try store.softLabels(named: "none", dataset: "d", version: nil, as: fixture.owner)
        }

        let payload = Data(#"{"repairs":[{"row":"e1","field":"text"}]}"#.utf8)
        _ = try store.storeCleaningDecisions(
            CleaningDecisions(kind: "repairs", name: "r1", payload: payload), dataset: "d", version: nil,
            as: fixture.owner)
        let decisions = try store.cleaningDecisions(named: "r1", dataset: "d", version: nil, as: fixture.owner)
        #expect(decisions.payload == payload)
        #expect(decisions.kind == "repairs")

        let kinds = try store.lineage(of: "d", as: fixture.owner).map(\.kind)
        #expect(kinds == [.labelMatrix, .softLabels, .cleaningDecisions])
    }

    @Test("erasure removes content from every version, keeps a tombstone, marks artifacts stale and blocks re-import")
    func erasure() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let v1 = try fixture.dataset("d", rows: 4)
        let v2 = try store.importVersion(TemporaryStore.rows(5), into: "d", as: fixture.owner).version.id
        let v3 = try store.importVersion(Array(TemporaryStore.rows(5).dropFirst(2)), into: "d", as: fixture.owner)
            .version.id
        try store.setGoldLabels(["e1": 1], dataset: "d", version: v1, as: fixture.owner)
        _ = try store.recordArtifact(
            kind: "label-model", name: "lm", details: "{}", dataset: "d", version: v1, as: fixture.owner)
        _ = try store.recordArtifact(kind: .adapter, name: "a", dataset: "d", version: v3, as: fixture.owner)

        let report = try store.eraseExample("e1", from: "d", as: fixture.owner)
        #expect(report.affectedVersions == [v1, v2])
        #expect(report.staleArtifacts.map(\.name) == ["lm"])
        #expect(try store.examples(of: "d", version: v1, as: fixture.owner).map(\.id) == ["e0", "e2", "e3"])
        #expect(try store.examples(of: "d", version: v2, as: fixture.owner).map(\.id) == ["e0", "e2", "e3", "e4"])
        #expect(try store.goldLabels(dataset: "d", version: v1, as: fixture.owner).isEmpty)
        #expect(try store.version(v1, of: "d", as: fixture.owner).erasedCount == 1)
        // No content remains anywhere in the file's tables.
        let leftovers = try store.pool.read { db in
            try Int.fetchOne(
                db,
                sql:
                    "SELECT count(*) FROM version_row WHERE exampleId = 'e1' AND (text IS NOT NULL OR fields IS NOT NULL)"
            )
        }
        #expect(leftovers == 0)
        let tombstones = try store.tombstones(of: "d", as: fixture.owner)
        #expect(tombstones.map(\.exampleID) == ["e1"])
        #expect(tombstones.first?.erasedBy == "root")
        let stale = try store.lineage(of: "d", staleOnly: true, as: fixture.owner)
        #expect(stale.map(\.name) == ["lm"])
        #expect(stale.first?.staleReason?.contains("e1") == true)
        #expect(throws: DatasetStoreError.erasedExample(dataset: "d", exampleID: "e1")) {
            try store.importVersion([Example(id: "e1", text: "back")], into: "d", as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.self) { try store.eraseExample("never-there", from: "d", as: fixture.owner) }
    }

    @Test(
        "export needs export rights, masks sensitive fields without read-sensitive and records license and attribution")
    func export() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 2, sensitive: ["email"])
        _ = try fixture.store.defineRole(name: "publisher", actions: [.read, .export], as: fixture.owner)
        let publisher = try fixture.principal("pub", role: "publisher", dataset: "d")
        let viewer = try fixture.principal("view", role: "viewer", dataset: "d")
        #expect(throws: DatasetStoreError.permissionDenied(principal: "view", action: .export, dataset: "d")) {
            try fixture.store.export("d", as: viewer)
        }
        let exported = try fixture.store.export("d", as: publisher)
        #expect(exported.maskedFields == ["email"])
        #expect(exported.examples.allSatisfy { $0.fields["email"] == Example.maskedValue })
        #expect(exported.dataset.license == "CC-BY-4.0")
        #expect(exported.artifact.details.contains("CC-BY-4.0") && exported.artifact.details.contains("Foundry tests"))
        let full = try fixture.store.export("d", as: fixture.owner)
        #expect(full.maskedFields.isEmpty)
        #expect(full.examples.first?.fields["email"] == "user0@example.com")
        #expect(try fixture.store.lineage(of: "d", as: fixture.owner).filter { $0.kind == "export" }.count == 2)
        let audit = try fixture.store.auditLog(as: fixture.owner).filter { $0.operation == "export" }
        #expect(audit.map(\.outcome) == [.denied, .allowed, .allowed])
        #expect(audit.last?.detail.contains("license 'CC-BY-4.0'") == true)
        // Viewers see masked reads too; datasets(as:) lists only readable datasets.
        #expect(try fixture.store.examples(of: "d", as: viewer).first?.fields["email"] == Example.maskedValue)
        try fixture.dataset("hidden")
        #expect(try fixture.store.datasets(as: viewer).map(\.name) == ["d"])
    }

    @Test("the text itself can be sensitive; isAllowed and the masking agree")
    func sensitiveText() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 2, sensitive: ["text"])
        let viewer = try fixture.principal("v", role: "viewer", dataset: "d")
        #expect(try !fixture.store.isAllowed(viewer, .readSensitive, dataset: "d"))
        let rows = try fixture.store.examples(of: "d", as: viewer)
        #expect(rows.map(\.text) == [Example.maskedValue, Example.maskedValue])
        #expect(rows.first?.fields["email"] == "user0@example.com")
        #expect(try fixture.store.examples(of: "d", as: fixture.owner).first?.text == "text 0")
        let entry = try #require(try fixture.store.auditLog(limit: 3, as: fixture.owner).first { $0.principal == "v" })
        #expect(entry.detail.contains("masked: text"))
    }

    @Test("tokens: only a salted hash is stored; wrong, malformed and revoked tokens are refused and audited")
    func tokens() throws {
        let fixture = try TemporaryStore()
        #expect(try fixture.store.authenticate(token: fixture.ownerToken) == fixture.owner)
        let stored = try fixture.store.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token") }
        #expect(stored.count == 1)
        #expect(!stored.description.contains(String(fixture.ownerToken.suffix(64))))
        var tampered = Array(fixture.ownerToken)
        tampered[tampered.count - 1] = tampered.last == "0" ? "1" : "0"
        #expect(throws: DatasetStoreError.unauthenticated(reason: "unknown token")) {
            try fixture.store.authenticate(token: String(tampered))
        }
        #expect(throws: DatasetStoreError.self) { try fixture.store.authenticate(token: "'; DROP TABLE principal; --") }
        _ = try fixture.store.createPrincipal(name: "ci", kind: .service, as: fixture.owner)
        let issued = try fixture.store.issueToken(for: "ci", as: fixture.owner)
        #expect(try fixture.store.authenticate(token: issued.token).kind == .service)
        #expect(try fixture.store.revokeTokens(of: "ci", as: fixture.owner) == 1)
        #expect(throws: DatasetStoreError.unauthenticated(reason: "the token was revoked")) {
            try fixture.store.authenticate(token: issued.token)
        }
        let denied = try fixture.store.auditLog(as: fixture.owner).filter {
            $0.operation == "authenticate" && $0.outcome == .denied
        }
        #expect(denied.count == 3)
    }

    @Test("creating a dataset and importing its first version are all or nothing")
    func importCreatesAllOrNothing() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let terms = NewDataset(license: "MIT", attribution: "tests", sensitiveFields: ["email"])
        let duplicated = [Example(id: "a", text: "1"), Example(id: "a", text: "2")]
        #expect(throws: DatasetStoreError.duplicateExampleID(row: 1, exampleID: "a")) {
            try store.importVersion(duplicated, into: "new", createIfMissing: terms, as: fixture.owner)
        }
        #expect(try store.datasets(as: fixture.owner).isEmpty)
        let failure = try #require(try store.auditLog(limit: 3, as: fixture.owner).first { $0.operation == "import" })
        #expect(failure.outcome == .failed)
        #expect(failure.detail.contains("create-dataset"))
        // Without store-wide write the creation is refused, and nothing is left either.
        let writer = try fixture.principal("w", role: nil, dataset: nil)
        #expect(throws: DatasetStoreError.permissionDenied(principal: "w", action: .write, dataset: nil)) {
            try store.importVersion(TemporaryStore.rows(2), into: "new", createIfMissing: terms, as: writer)
        }
        #expect(try store.datasets(as: fixture.owner).isEmpty)
        // A good import creates the dataset once; the next import finds it.
        let first = try store.importVersion(
            TemporaryStore.rows(2), into: "new", createIfMissing: terms, as: fixture.owner)
        #expect(first.created && first.datasetCreated)
        let dataset = try store.dataset(named: "new", as: fixture.owner)
        #expect(dataset.license == "MIT" && dataset.sensitiveFields == ["email"])
        let second = try store.importVersion(
            TemporaryStore.rows(3), into: "new", createIfMissing: terms, as: fixture.owner)
        #expect(second.created && !second.datasetCreated)
        #expect(second.version.parent == first.version.id)
        // Without createIfMissing a missing dataset is an error, as before.
        #expect(throws: DatasetStoreError.unknownDataset("absent")) {
            try store.importVersion(TemporaryStore.rows(2), into: "absent", as: fixture.owner)
        }
        #expect(try store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("public times are Dates that agree with the stored milliseconds")
    func datesAreDates() throws {
        let fixture = try TemporaryStore()
        let before = Date()
        let version = try fixture.dataset("d", rows: 2)
        let stored = try fixture.store.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT createdAt FROM version WHERE id = ?", arguments: [version])
        }
        let read = try fixture.store.version(version, of: "d", as: fixture.owner)
        #expect(Int64((read.createdAt.timeIntervalSince1970 * 1000).rounded()) == stored)
        #expect(abs(read.createdAt.timeIntervalSince(before)) < 60)
        let entry = try #require(try fixture.store.auditLog(limit: 1, as: fixture.owner).last)
        #expect(abs(entry.timestamp.timeIntervalSince(before)) < 60)
    }
}
