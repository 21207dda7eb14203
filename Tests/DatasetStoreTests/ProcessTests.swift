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
        process.executableURL = FoundryBinary.url
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
        #expect(verify.output.contains("\"first_bad_entry\":2"))
    }

    @Test("the CLI: a failed import leaves no dataset; export --out (or hidden --output) all or nothing; lineage tree")
    func cliImportExportLineage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try #require(FoundryBinary.url)
        let storePath = directory.appendingPathComponent("s.sqlite").path
        let initRun = FoundryBinary.run(
            binary, ["store", "init", "--owner", "alice", "--json", "--store", storePath], environment: [:])
        struct InitOutput: Decodable { let token: String }
        let token = try JSONDecoder().decode(InitOutput.self, from: Data(initRun.output.utf8)).token
        let environment = ["FOUNDRY_TOKEN": token, "FOUNDRY_STORE": storePath]
        func run(_ arguments: [String]) -> (status: Int32, output: String) {
            let result = FoundryBinary.runApart(binary, arguments, environment: environment)
            // Standard output alone when it ran (JSON parses), both when it failed (the error is on stderr).
            return (result.status, result.status == 0 ? result.standardOutput : result.standardError)
        }

        // A file that fails validation (a repeated id on line 3) creates nothing.
        let bad = directory.appendingPathComponent("bad.csv")
        try Data("id,text\na,one\nb,two\na,three\n".utf8).write(to: bad)
        let failed = run(["store", "import", bad.path, "--dataset", "fresh", "--license", "MIT"])
        #expect(failed.status != 0)
        #expect(failed.output.contains("row 2") && failed.output.contains("'a' appears twice"))
        let listed = run(["store", "list", "--json"])
        #expect(listed.status == 0 && listed.output.contains("\"datasets\":[]"))

        // A good file: the dataset is created and the version imported, in one go.
        let good = directory.appendingPathComponent("good.csv")
        try Data("id,text,email\na,one,a@example.com\nb,two,b@example.com\n".utf8).write(to: good)
        let imported = run(["store", "import", good.path, "--dataset", "fresh", "--license", "MIT", "--json"])
        #expect(imported.status == 0, "\(imported.output)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(imported.output.utf8)) as? [String: Any])
        #expect(object["dataset_created"] as? Bool == true)
        let version = try #require((object["version"] as? [String: Any])?["id"] as? String)
        #expect(((object["version"] as? [String: Any])?["created_at"] as? String)?.hasSuffix("Z") == true)

        // Export to a folder that does not exist fails and leaves nothing: no file, no export in the lineage.
        let nowhere = directory.appendingPathComponent("missing/out.jsonl").path
        #expect(run(["store", "export", "fresh", "--out", nowhere]).status != 0)
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        let emptyLineage = run(["store", "lineage", "fresh", "--json"])
        #expect(emptyLineage.status == 0 && !emptyLineage.output.contains("\"export\""))
        // --out, NAME@VERSION, and the old --output name still working.
        let out = directory.appendingPathComponent("out.jsonl").path
        let exported = run(["store", "export", "fresh@\(version.prefix(8))", "--out", out, "--json"])
        #expect(exported.status == 0, "\(exported.output)")
        #expect(exported.output.contains("\"masked_fields\":[]") && exported.output.contains("\"exported_at\":\"20"))
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 2)
        #expect(FileManager.default.fileExists(atPath: out + ".manifest.json"))
        let alias = directory.appendingPathComponent("alias.jsonl").path
        #expect(run(["store", "export", "fresh", "--output", alias]).status == 0)
        #expect(FileManager.default.fileExists(atPath: alias))
        let help = run(["store", "export", "--help"])
        #expect(help.output.contains("--out") && !help.output.contains("--output"))
        #expect(run(["store", "export", "fresh@zz", "--out", alias]).status != 0)

        // The lineage tree in text and JSON, with ISO 8601 times and stale flags after an erasure.
        let erased = run(["store", "erase", "fresh", "a", "--json"])
        #expect(erased.status == 0 && erased.output.contains("\"erased_at\":\"20"))
        let tree = run(["store", "lineage", "fresh"])
        #expect(tree.status == 0)
        #expect(tree.output.contains("fresh@\(version.prefix(12))"))
        #expect(tree.output.contains("STALE export"))
        #expect(tree.output.contains("example 'a' was erased at 20"))
        let treeJSON = run(["store", "lineage", "fresh", "--json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(treeJSON.output.utf8)) as? [String: Any])
        let versions = try #require(parsed["versions"] as? [[String: Any]])
        let artifacts = try #require(versions.first?["artifacts"] as? [[String: Any]])
        #expect(artifacts.count == 2)
        #expect((artifacts.first?["artifact"] as? [String: Any])?["is_stale"] as? Bool == true)
        let show = run(["store", "show", "fresh@\(version.prefix(6))"])
        #expect(show.status == 0 && show.output.contains("fresh@\(version)"))
    }
}
