import Foundation
import GRDB
import Testing

@testable import DatasetStore

/// Runs `body` on its own thread (blocking store calls must not starve Swift's small cooperative pool).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

@Suite("Concurrency: many readers and writers")
struct ConcurrencyTests {
    static let rowsPerVersion = 2_000

    static func version(tag: String) -> [Example] {
        (0..<rowsPerVersion).map { Example(id: "r\($0)", text: "row \($0) of \(tag)", fields: ["tag": tag]) }
    }

    @Test("concurrent imports lose nothing and readers only ever see whole versions")
    func readersAndWriters() async throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let owner = fixture.owner
        _ = try store.createDataset(name: "d", license: "MIT", attribution: "t", as: owner)
        try store.importVersion(Self.version(tag: "start"), into: "d", as: owner)
        let writers = 4, versionsPerWriter = 4, readers = 4

        let observations = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    try await onThread {
                        for index in 0..<versionsPerWriter {
                            try store.importVersion(Self.version(tag: "w\(writer)-\(index)"), into: "d", as: owner)
                        }
                        return 0
                    }
                }
            }
            for _ in 0..<readers {
                group.addTask {
                    try await onThread {
                        var reads = 0
                        for _ in 0..<12 {
                            let rows = try store.examples(of: "d", as: owner)
                            // A torn read would mix tags or miss rows.
                            guard rows.count == Self.rowsPerVersion, let tag = rows.first?.fields["tag"],
                                rows.allSatisfy({ $0.fields["tag"] == tag && $0.text.hasSuffix(" of \(tag)") })
                            else { throw DatasetStoreError.storage("torn read: \(rows.count) rows") }
                            reads += 1
                        }
                        return reads
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(observations == readers * 12)
        let versions = try store.versions(of: "d", as: owner)
        #expect(versions.count == 1 + writers * versionsPerWriter)
        #expect(Set(versions.map(\.id)).count == versions.count)
        // Writes were serialized: each version's parent is the one committed just before it.
        for (earlier, later) in zip(versions, versions.dropFirst()) { #expect(later.parent == earlier.id) }
        #expect(try store.verifyAuditLog(as: owner).ok)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("concurrent grants, dataset creation and audit appends from many threads lose no update and keep one chain")
    func noLostUpdates() async throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let owner = fixture.owner
        let workers = 8, perWorker = 10
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    try await onThread {
                        for index in 0..<perWorker {
                            let name = "w\(worker)-\(index)"
                            _ = try store.createDataset(name: name, license: "MIT", attribution: "t", as: owner)
                            _ = try store.createPrincipal(name: name, kind: .service, as: owner)
                            _ = try store.grant(role: "labeler", to: name, dataset: name, as: owner)
                            guard let principal = try store.principals(as: owner).first(where: { $0.name == name }),
                                try store.isAllowed(principal, .label, dataset: name)
                            else { throw DatasetStoreError.storage("grant to \(name) was lost") }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.datasets(as: owner).count == workers * perWorker)
        let grantCount = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM role_grant")
        }
        #expect(grantCount == workers * perWorker + 1)
        let verification = try store.verifyAuditLog(as: owner)
        #expect(verification.ok)
        // init + 5 audited operations per item (create dataset, create principal, grant, list principals, …) at least.
        #expect(verification.entryCount >= 1 + workers * perWorker * 4)
    }
}
