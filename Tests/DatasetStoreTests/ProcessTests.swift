import Foundation
import Testing

@testable import DatasetStore

/// Tests that run the built `foundry` binary as a second process. They are skipped, saying so,
/// when the binary is not in the build products directory (build it: `swift build --product foundry`,
/// or point $FOUNDRY_BIN at it).
@Suite(
    "Second processes: concurrent writers and crash safety",
    .enabled(
        if: FoundryBinary.hasStoreCommand,
        "the foundry binary with `store` was not found next to the test runner; set FOUNDRY_BIN"))
struct ProcessTests {
    static let childRows = 10_000

    static func writeJSONL(rows: Int, tag: String, to url: URL) throws {
        var text = ""
        text.reserveCapacity(rows * 60)
        for index in 0..<rows {
            text += "{\"id\":\"\(tag)-\(index)\",\"text\":\"row \(index) of \(tag)\",\"tag\":\"\(tag)\"}\n"
        }
        try Data(text.utf8).write(to: url)
    }

    static func importProcess(_ fixture: TemporaryStore, file: URL, dataset: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = try #require(FoundryBinary.url)
        process.arguments = ["store", "import", file.path, "--dataset", dataset, "--store", fixture.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["FOUNDRY_TOKEN": fixture.ownerToken]) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return (process, pipe)
    }

    @Test(
        "a child killed with SIGKILL in the middle of a large import leaves the last committed version and a sound file"
    )
    func killedImport() throws {
        let fixture = try TemporaryStore()
        let committed = try fixture.dataset("d", rows: 10)
        let file = fixture.directory.appendingPathComponent("large.jsonl")
        try Self.writeJSONL(rows: 120_000, tag: "big", to: file)

        let (process, pipe) = try Self.importProcess(fixture, file: file, dataset: "d")
        // Wait until the child reports rows inserted inside its open transaction, then kill it.
        var seen = ""
        while !seen.contains("rows inserted") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        let killedMidImport = seen.contains("rows inserted") && process.isRunning
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(killedMidImport, "the child finished before it could be killed: \(seen)")
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)

        let reopened = try SQLiteDatasetStore(path: fixture.path)
        #expect(try reopened.integrityCheck() == ["ok"])
        #expect(try reopened.versions(of: "d", as: fixture.owner).map(\.id) == [committed])
        #expect(try reopened.examples(of: "d", as: fixture.owner).count == 10)
        let orphans = try reopened.pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM version_row WHERE versionKey NOT IN (SELECT key FROM version)")
        }
        #expect(orphans == 0)
        #expect(try reopened.verifyAuditLog(as: fixture.owner).ok)
        // The store is not left locked: the same import now succeeds.
        try reopened.importVersion(TemporaryStore.rows(3, tag: "after"), into: "d", as: fixture.owner)
        #expect(try reopened.versions(of: "d", as: fixture.owner).count == 2)
    }

    @Test(
        "two child processes and in-process tasks write and read the same store at once without losing or tearing anything"
    )
    func concurrentProcesses() async throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let owner = fixture.owner
        let files = try (0..<2).map { index -> URL in
            let url = fixture.directory.appendingPathComponent("p\(index).jsonl")
            try Self.writeJSONL(rows: Self.childRows, tag: "p\(index)", to: url)
            return url
        }
        _ = try store.createDataset(name: "mine", license: "MIT", attribution: "t", as: owner)
        let children = try (0..<2).map { try Self.importProcess(fixture, file: files[$0], dataset: "p\($0)") }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await onThread {
                    for index in 0..<6 {
                        try store.importVersion(ConcurrencyTests.version(tag: "mine-\(index)"), into: "mine", as: owner)
                    }
                }
            }
            group.addTask {
                try await onThread {
                    // Whatever the children have committed is seen whole, never partly.
                    for _ in 0..<15 {
                        for name in ["p0", "p1"] {
                            guard let versions = try? store.versions(of: name, as: owner), let latest = versions.last
                            else { continue }
                            let rows = try store.examples(of: name, version: latest.id, as: owner)
                            guard rows.count == Self.childRows, latest.rowCount == Self.childRows else {
                                throw DatasetStoreError.storage("torn read of \(name): \(rows.count) rows")
                            }
                        }
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                }
            }
            try await group.waitForAll()
        }
        for (process, pipe) in children {
            let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "child failed: \(log)")
        }
        for name in ["p0", "p1"] {
            let rows = try store.examples(of: name, as: owner)
            #expect(rows.count == Self.childRows)
            #expect(Set(rows.map { $0.fields["tag"] ?? "" }) == [name])
        }
        #expect(try store.versions(of: "mine", as: owner).count == 6)
        #expect(try store.verifyAuditLog(as: owner).ok)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("the CLI: init prints a token once, --json everywhere, audit verify exits 2 on tampering")
    func cliRoundTrip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try #require(FoundryBinary.url)
        let storePath = directory.appendingPathComponent("s.sqlite").path
        let initRun = FoundryBinary.run(
            binary, ["store", "init", "--owner", "alice", "--json", "--store", storePath], environment: [:])
        #expect(initRun.status == 0)
        struct InitOutput: Decodable { let token: String; let owner: String }
        let output = try JSONDecoder().decode(InitOutput.self, from: Data(initRun.output.utf8))
        #expect(output.owner == "alice")
        let environment = ["FOUNDRY_TOKEN": output.token, "FOUNDRY_STORE": storePath]
        let file = directory.appendingPathComponent("a.jsonl")
        try Self.writeJSONL(rows: 5, tag: "a", to: file)
        #expect(
            FoundryBinary.run(
                binary, ["store", "import", file.path, "--dataset", "a", "--json"], environment: environment
            ).status == 0)
        let whoami = FoundryBinary.run(binary, ["store", "whoami", "--json"], environment: environment)
        #expect(whoami.status == 0 && whoami.output.contains("\"owner\""))
        let denied = FoundryBinary.run(
            binary, ["store", "list"], environment: ["FOUNDRY_TOKEN": "fdy_bad", "FOUNDRY_STORE": storePath])
        #expect(denied.status != 0 && denied.output.contains("not authenticated"))
        #expect(FoundryBinary.run(binary, ["store", "audit", "verify"], environment: environment).status == 0)
        let store = try SQLiteDatasetStore(path: storePath)
        try store.pool.write { db in
            try db.execute(
                sql: "DROP TRIGGER audit_entry_no_update; UPDATE audit_entry SET principal = 'mallory' WHERE id = 2")
        }
        let verify = FoundryBinary.run(binary, ["store", "audit", "verify", "--json"], environment: environment)
        #expect(verify.status == 2)
        #expect(verify.output.contains("\"firstBadEntry\" : 2"))
    }
}
