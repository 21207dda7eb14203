import Foundation
import FoundryTestSupport
import Tensors
import Testing

@testable import ModelRepository

@Suite(.enabled(if: FoundryCLI.isAvailable, "needs the foundry binary (swift build --build-tests)"))
struct ModelCLITests {
    @Test func initCommitBranchDiffCheckoutThroughTheCommandLine() throws {
        let fixture = try RepositoryFixture()
        let repo = fixture.root.appendingPathComponent("cli-repo").path
        let base = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        #expect(try FoundryCLI.run(["model", "init", repo]).status == 0)
        let commit = try FoundryCLI.run(["model", "commit", base.path, "-m", "base", "--repo", repo, "--json"])
        #expect(commit.status == 0)
        let id = try #require(try commit.json()["commit"] as? String)
        #expect(try FoundryCLI.run(["model", "branch", "tuned", "--repo", repo]).status == 0)
        var tensors = RepositoryFixture.baseTensors()
        tensors["encoder.layer.0.attention.self.query.bias"] = Tensor(
            shape: [8], scalars: [Float](repeating: 1, count: 8))
        let tuned = try fixture.writeModel("tuned", tensors: tensors)
        let second = try FoundryCLI.run([
            "model", "commit", tuned.path, "-m", "tune", "--branch", "tuned", "--metric", "accuracy=0.9", "--repo",
            repo,
        ])
        #expect(second.status == 0, "\(second.standardError)")
        let diff = try FoundryCLI.run(["model", "diff", "main", "tuned", "--repo", repo, "--json"])
        #expect(diff.status == 0, "\(diff.standardError)")
        let tensorsChanged = try #require(try diff.json()["tensors"] as? [[String: Any]])
        #expect(
            tensorsChanged.map { $0["key"] as? String } == [
                "model.safetensors:encoder.layer.0.attention.self.query.bias"
            ])
        let log = try FoundryCLI.run(["model", "log", "tuned", "--repo", repo, "--json"])
        #expect((try log.json()["commits"] as? [Any])?.count == 2)
        let out = fixture.root.appendingPathComponent("out").path
        #expect(try FoundryCLI.run(["model", "checkout", id, "-o", out, "--repo", repo]).status == 0)
        #expect(try RepositoryFixture.contents(URL(fileURLWithPath: out)) == RepositoryFixture.contents(base))
        // Bad input: an unknown ref is a run-time error without usage; nothing written.
        let unknown = try FoundryCLI.run(["model", "checkout", "nowhere", "-o", out + "2", "--repo", repo])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("unknown ref"))
        #expect(!FileManager.default.fileExists(atPath: out + "2"))
        let badMetric = try FoundryCLI.run([
            "model", "commit", tuned.path, "-m", "x", "--metric", "acc", "--repo", repo,
        ])
        #expect(badMetric.status != 0)
        #expect(badMetric.standardError.contains("NAME=NUMBER"))
        #expect(try FoundryCLI.run(["model", "fsck", "--repo", repo]).status == 0)
    }

    @Test func theAuthorIsTheDatasetStorePrincipalWhenAStoreIsConfigured() throws {
        let fixture = try RepositoryFixture()
        let repo = fixture.root.appendingPathComponent("authored").path
        let store = fixture.root.appendingPathComponent("store.sqlite").path
        let created = try FoundryCLI.run(["store", "init", "--store", store, "--owner", "alice", "--json"])
        try #require(created.status == 0, "\(created.standardError)")
        let token = try #require(try created.json()["token"] as? String)
        let tokenFile = fixture.root.appendingPathComponent("token")
        try Data(token.utf8).write(to: tokenFile)
        let base = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        #expect(try FoundryCLI.run(["model", "init", repo]).status == 0)
        // --store and --token-file: the token's principal.
        let first = try FoundryCLI.run([
            "model", "commit", base.path, "-m", "base", "--store", store, "--token-file", tokenFile.path, "--repo",
            repo,
        ])
        #expect(first.status == 0, "\(first.standardError)")
        // $FOUNDRY_STORE with $FOUNDRY_TOKEN: the same, with no flag.
        var tensors = RepositoryFixture.baseTensors()
        tensors["encoder.layer.0.attention.self.query.bias"] = Tensor(
            shape: [8], scalars: [Float](repeating: 2, count: 8))
        let tuned = try fixture.writeModel("tuned", tensors: tensors)
        let second = try FoundryCLI.run(
            ["model", "commit", tuned.path, "-m", "tune", "--repo", repo],
            environment: ["FOUNDRY_STORE": store, "FOUNDRY_TOKEN": token])
        #expect(second.status == 0, "\(second.standardError)")
        let log = try FoundryCLI.run(["model", "log", "--repo", repo, "--json"])
        let authors = try #require(try log.json()["commits"] as? [[String: Any]]).compactMap {
            ($0["commit"] as? [String: Any])?["author"] as? String ?? $0["author"] as? String
        }
        #expect(authors == ["alice", "alice"], "\(log.standardOutput)")
        // A wrong token is a clear error and commits nothing; --author with --store is an argument error.
        let wrong = try FoundryCLI.run(
            ["model", "commit", base.path, "-m", "x", "--allow-empty", "--repo", repo],
            environment: ["FOUNDRY_STORE": store, "FOUNDRY_TOKEN": "not-a-token"])
        #expect(wrong.status != 0)
        let both = try FoundryCLI.run([
            "model", "commit", base.path, "-m", "x", "--author", "bob", "--store", store, "--repo", repo,
        ])
        #expect(both.status != 0 && both.standardError.contains("give one"))
        let after = try FoundryCLI.run(["model", "log", "--repo", repo, "--json"])
        #expect((try after.json()["commits"] as? [Any])?.count == 2)
    }

    @Test func aCheckSuiteNamingAMissingDatasetIsAClearErrorAndNothingMoves() throws {
        let fixture = try RepositoryFixture()
        _ = try HistoryOperationsTests.branches(fixture)
        let repo = fixture.repository.root
        try Data("tasks:\n  - name: spam\n    folder: no-such-folder\n    threshold: 0.5\n".utf8).write(
            to: repo.appendingPathComponent("checks.yaml"))
        try fixture.repository.setHead("left")
        let before = try fixture.repository.branchCommit("left")
        let merge = try FoundryCLI.run(
            ["model", "merge", "right", "--repo", repo.path], environment: ["FOUNDRY_DATA": fixture.root.path])
        #expect(merge.status != 0)
        #expect(merge.standardError.contains("no-such-folder"))
        #expect(try fixture.repository.branchCommit("left") == before)
    }

    @Test func aCheckSuiteReadingAStoreDatasetNamesAMissingStoreOrDatasetAndNothingMoves() throws {
        let fixture = try RepositoryFixture()
        _ = try HistoryOperationsTests.branches(fixture)
        let repo = fixture.repository.root
        try Data("tasks:\n  - name: spam\n    dataset: comments@v9\n    label_field: CLASS\n    threshold: 0.5\n".utf8)
            .write(to: repo.appendingPathComponent("checks.yaml"))
        try fixture.repository.setHead("left")
        let before = try fixture.repository.branchCommit("left")
        let noStore = try FoundryCLI.run(
            ["model", "merge", "right", "--repo", repo.path], environment: ["FOUNDRY_STORE": nil])
        #expect(noStore.status != 0)
        #expect(noStore.standardError.contains("comments@v9") && noStore.standardError.contains("--store"))
        let store = fixture.root.appendingPathComponent("store.sqlite").path
        let created = try FoundryCLI.run(["store", "init", "--store", store, "--owner", "alice", "--json"])
        try #require(created.status == 0, "\(created.standardError)")
        let token = try #require(try created.json()["token"] as? String)
        let missing = try FoundryCLI.run(
            ["model", "merge", "right", "--repo", repo.path, "--store", store],
            environment: ["FOUNDRY_TOKEN": token])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("comments"), "\(missing.standardError)")
        #expect(try fixture.repository.branchCommit("left") == before)
    }

    /// SIGKILL at many moments of a commit: the branch is always at a complete commit (the previous or the new one)
    /// and fsck is clean; gc then removes what the killed commit left behind.
    @Test func aCommitKilledAnywhereLeavesTheRepositoryAtACompleteCommit() throws {
        let executable = try #require(FoundryCLI.executable)
        let fixture = try RepositoryFixture()
        let base = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        let first = try fixture.repository.commit(directory: base, options: CommitOptions(message: "base"))
        // A model large enough that committing it takes a while: 300 tensors of 64 K values.
        let big = fixture.root.appendingPathComponent("big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        var tensors: [String: Tensor] = [:]
        for index in 0..<300 {
            tensors["layer.\(index).weight"] = Tensor(
                shape: [256, 256], scalars: (0..<65_536).map { Float($0 &* (index + 1) % 9973) })
        }
        try SafeTensors(tensors: tensors).write(to: big.appendingPathComponent("model.safetensors"))
        var sawKilled = false
        for delay in [0.05, 0.15, 0.3, 0.5, 0.8, 1.2] {
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "model", "commit", big.path, "-m", "big", "--repo", fixture.repository.root.path, "--allow-empty",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { sawKilled = true }
            let reopened = try ModelRepository(root: fixture.repository.root)
            let tip = try #require(try reopened.branchCommit("main"))
            let history = try reopened.log(from: tip)
            #expect(history.last?.id == first.commit)
            #expect(try reopened.fsck().isClean)
        }
        #expect(sawKilled)
        _ = try fixture.repository.gc()
        #expect(try fixture.repository.fsck().isClean)
    }

    @Test func twoProcessesCommittingToDifferentBranchesLoseNothing() throws {
        let executable = try #require(FoundryCLI.executable)
        let fixture = try RepositoryFixture()
        let base = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        _ = try fixture.repository.commit(directory: base, options: CommitOptions(message: "base"))
        var processes: [Process] = []
        for name in ["a", "b"] {
            try fixture.repository.createBranch(name)
            var script = ""
            for round in 0..<4 {
                var tensors = RepositoryFixture.baseTensors()
                tensors["extra.\(name)"] = Tensor(shape: [4], scalars: [Float(round), 1, 2, 3])
                let folder = try fixture.writeModel("\(name)\(round)", tensors: tensors)
                script +=
                    "'\(executable.path)' model commit '\(folder.path)' -m '\(name) \(round)' --branch \(name) --repo '\(fixture.repository.root.path)' || exit 1\n"
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            processes.append(process)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        for name in ["a", "b"] {
            let tip = try #require(try fixture.repository.branchCommit(name))
            #expect(try fixture.repository.log(from: tip).count == 5)
        }
        #expect(try fixture.repository.fsck().isClean)
    }
}
