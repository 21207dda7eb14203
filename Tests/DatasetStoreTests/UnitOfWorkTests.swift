import Foundation
import FoundryCore
import GRDB
import Labeling
import Testing

@testable import DatasetStore

@Suite("Unit of work: several operations, one transaction, each authorized and audited")
struct UnitOfWorkTests {
    /// A 5-row label matrix of two LFs.
    static func matrix() throws -> LabelMatrix {
        try LabelMatrix(
            denseVotes: [0, -1, 1, 1, -1, -1, 0, 0, 1, -1], rowCount: 5, lfNames: ["kw", "re"],
            classNames: ["ham", "spam"])
    }

    static func softLabels(rows: Int) throws -> SoftLabels {
        try SoftLabels(
            probabilities: (0..<rows).flatMap { row -> [Float] in row % 2 == 0 ? [0.75, 0.25] : [0.125, 0.875] },
            classNames: ["ham", "spam"])
    }

    /// The audit entries appended after `count` earlier ones (and after the audit-log read that counted them).
    static func entries(after count: Int, _ fixture: TemporaryStore) throws -> [AuditEntry] {
        Array(try fixture.store.auditLog(limit: 100_000, as: fixture.owner).dropFirst(count + 1))
    }

    static func entryCount(_ fixture: TemporaryStore) throws -> Int {
        try fixture.store.auditLog(limit: 100_000, as: fixture.owner).count
    }

    @Test("a unit that stores a label matrix and then fails (a soft-label row count mismatch) stores neither")
    func failingUnitStoresNothing() throws {
        let fixture = try TemporaryStore()
        let version = try fixture.dataset("d", rows: 5)
        let before = try Self.entryCount(fixture)
        #expect(
            throws: DatasetStoreError.invalidLabels(
                dataset: "d", version: version, reason: "soft-labels 'ds' has 3 rows, the version has 5")
        ) {
            try fixture.store.write(as: fixture.owner) { tx in
                let stored = try tx.storeLabelMatrix(
                    try Self.matrix(), name: "lfs", dataset: "d", version: nil, derivedFrom: nil)
                _ = try tx.storeSoftLabels(
                    try Self.softLabels(rows: 3), name: "ds", labelModelMethod: "dawid-skene", labelModelFile: "{}",
                    dataset: "d", version: nil, derivedFrom: stored.id)
            }
        }
        let entries = try Self.entries(after: before, fixture)
        #expect(try fixture.store.lineage(of: "d", as: fixture.owner).isEmpty)
        #expect(throws: DatasetStoreError.unknownArtifact(dataset: "d", version: version, name: "lfs")) {
            try fixture.store.labelMatrix(named: "lfs", dataset: "d", version: nil, as: fixture.owner)
        }
        let counts = try fixture.store.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM label_matrix"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM soft_labels"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM artifact")
            )
        }
        #expect(counts.0 == 0 && counts.1 == 0 && counts.2 == 0)
        // One entry for the whole unit, naming the failed operation and what was rolled back with it.
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.operation == "store-soft-labels")
        #expect(entry.outcome == .failed)
        #expect(entry.action == "label")
        #expect(entry.detail.contains("has 3 rows"))
        #expect(entry.detail.contains("rolled back with 1 earlier operation: store-label-matrix"))
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("a unit that succeeds commits every operation and one allowed audit entry per operation, in order")
    func succeedingUnitCommitsAll() throws {
        let fixture = try TemporaryStore()
        let before = try Self.entryCount(fixture)
        let (result, matrixArtifact, softArtifact) = try fixture.store.write(as: fixture.owner) { tx in
            let result = try tx.importVersion(
                TemporaryStore.rows(5), into: "d", message: "first",
                createIfMissing: NewDataset(license: "MIT", attribution: "tests"), progress: nil)
            let matrix = try tx.storeLabelMatrix(
                try Self.matrix(), name: "lfs", dataset: "d", version: result.version.id, derivedFrom: nil)
            let soft = try tx.storeSoftLabels(
                try Self.softLabels(rows: 5), name: "ds", labelModelMethod: "majority-vote",
                labelModelFile: #"{"method":"majority-vote"}"#, dataset: "d", version: nil, derivedFrom: matrix.id)
            #expect(try tx.version(nil, of: "d").id == result.version.id)
            #expect(try tx.artifact(id: soft.id).derivedFrom == matrix.id)
            return (result, matrix, soft)
        }
        #expect(result.created && result.datasetCreated)
        #expect(softArtifact.derivedFrom == matrixArtifact.id)
        #expect(softArtifact.version == result.version.id)
        let entries = try Self.entries(after: before, fixture)
        #expect(
            entries.map(\.operation) == [
                "create-dataset", "import", "store-label-matrix", "store-soft-labels", "show-version", "show-artifact",
            ])
        #expect(entries.allSatisfy { $0.outcome == .allowed && $0.principal == "root" })
        let read = try fixture.store.softLabels(named: "ds", dataset: "d", version: nil, as: fixture.owner)
        #expect(read.softLabels == (try Self.softLabels(rows: 5)))
        #expect(read.labelModelFile == #"{"method":"majority-vote"}"#)
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("an operation the principal may not do denies the whole unit: nothing stored, one denied entry")
    func deniedOperationDeniesTheUnit() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 5)
        let labeler = try fixture.principal("lab", role: "labeler", dataset: "d")
        let before = try Self.entryCount(fixture)
        #expect(throws: DatasetStoreError.permissionDenied(principal: "lab", action: .write, dataset: "d")) {
            try fixture.store.write(as: labeler) { tx in
                let matrix = try tx.storeLabelMatrix(
                    try Self.matrix(), name: "lfs", dataset: "d", version: nil, derivedFrom: nil)
                // Recording an adapter needs `write`, which a labeler lacks.
                _ = try tx.recordArtifact(
                    kind: .adapter, name: "a", details: "", files: [:], derivedFrom: matrix.id, dataset: "d",
                    version: nil)
            }
        }
        let entries = try Self.entries(after: before, fixture)
        #expect(try fixture.store.lineage(of: "d", as: fixture.owner).isEmpty)
        #expect(entries.count == 1)
        #expect(entries.first?.operation == "record-artifact")
        #expect(entries.first?.outcome == .denied)
        #expect(entries.first?.principal == "lab")
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
    }

    struct CallerError: Error, Equatable { let reason: String }

    @Test("an error of the caller's own rolls the unit back and is audited as the unit's failure")
    func callerErrorRollsBack() throws {
        let fixture = try TemporaryStore()
        let before = try Self.entryCount(fixture)
        #expect(throws: CallerError(reason: "disk full")) {
            try fixture.store.write(as: fixture.owner) { tx in
                _ = try tx.createDataset(name: "d", license: "MIT", attribution: "", sensitiveFields: [])
                _ = try tx.createPrincipal(name: "bot", kind: .service)
                throw CallerError(reason: "disk full")
            }
        }
        #expect(try fixture.store.datasets(as: fixture.owner).isEmpty)
        #expect(try fixture.store.principals(as: fixture.owner).map(\.name) == ["root"])
        let entries = try Self.entries(after: before, fixture)
        #expect(entries.count == 3)  // the unit's entry, then the two reads above
        let entry = try #require(entries.first)
        #expect(entry.operation == "unit-of-work")
        #expect(entry.outcome == .failed)
        #expect(entry.detail.contains("disk full"))
        #expect(entry.detail.contains("rolled back with 2 earlier operations: create-dataset, create-principal"))
    }

    @Test("an operation whose error the closure handles is rolled back alone and audited as failed in the unit")
    func handledOperationErrorKeepsTheRest() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 5)
        let before = try Self.entryCount(fixture)
        let artifact = try fixture.store.write(as: fixture.owner) { tx -> Artifact in
            let short = try LabelMatrix(denseVotes: [0], rowCount: 1, lfNames: ["kw"], classNames: ["ham", "spam"])
            do {
                _ = try tx.storeLabelMatrix(short, name: "short", dataset: "d", version: nil, derivedFrom: nil)
                Issue.record("a 1-row matrix was stored on a 5-row version")
            } catch DatasetStoreError.invalidLabels {
                // Expected: fall back to the right matrix.
            }
            return try tx.storeLabelMatrix(try Self.matrix(), name: "lfs", dataset: "d", version: nil, derivedFrom: nil)
        }
        let entries = try Self.entries(after: before, fixture)
        #expect(try fixture.store.lineage(of: "d", as: fixture.owner).map(\.id) == [artifact.id])
        #expect(entries.map(\.operation) == ["store-label-matrix", "store-label-matrix"])
        #expect(entries.map(\.outcome) == [.failed, .allowed])
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("every single write is a unit of one operation: a failure audits once, as before")
    func singleOperationUnits() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 5)
        let before = try Self.entryCount(fixture)
        #expect(throws: DatasetStoreError.self) {
            try fixture.store.storeSoftLabels(
                try Self.softLabels(rows: 2), name: "x", labelModelMethod: "mv", labelModelFile: "{}", dataset: "d",
                version: nil, as: fixture.owner)
        }
        let entries = try Self.entries(after: before, fixture)
        #expect(entries.map(\.operation) == ["store-soft-labels"])
        #expect(entries.first?.outcome == .failed)
        #expect(entries.first?.detail.contains("rolled back") == false)
    }

    @Test("units from many threads are serialized: every unit's operations commit together")
    func concurrentUnits() async throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let owner = fixture.owner
        try fixture.dataset("d", rows: 5)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    try await onThread {
                        for index in 0..<5 {
                            try store.write(as: owner) { tx in
                                let matrix = try tx.storeLabelMatrix(
                                    try Self.matrix(), name: "m-\(worker)-\(index)", dataset: "d", version: nil,
                                    derivedFrom: nil)
                                _ = try tx.storeSoftLabels(
                                    try Self.softLabels(rows: 5), name: "s-\(worker)-\(index)",
                                    labelModelMethod: "mv", labelModelFile: "{}", dataset: "d", version: nil,
                                    derivedFrom: matrix.id)
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let artifacts = try store.lineage(of: "d", as: owner)
        #expect(artifacts.count == 40)
        // Each unit's two artifacts are adjacent: no other unit interleaved its writes.
        for pair in stride(from: 0, to: artifacts.count, by: 2) {
            #expect(artifacts[pair + 1].derivedFrom == artifacts[pair].id)
        }
        #expect(try store.verifyAuditLog(as: owner).ok)
    }

    @Test("a transaction handle used after its closure returned traps, saying why")
    func escapedHandleTraps() async throws {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            guard let fixture = try? TemporaryStore() else { return }  // exits 0: the expectation fails
            var escaped: SQLiteStoreTransaction?
            _ = try? fixture.store.write(as: fixture.owner) { escaped = $0 }
            _ = try? escaped?.createPrincipal(name: "late", kind: .person)
        }
        let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
        #expect(message.contains("used outside the write(as:) closure"))
    }
}
