import Foundation
import FoundryTestSupport
import Testing

/// `foundry run` end to end on a tiny pipeline written by the test: a CSV of 8 comments, three labeling functions and
/// majority vote.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct RunCommandCLITests {
    static let comments = TinyPipeline.comments(rows: 8)
    static let lfs = TinyPipeline.lfs
    static let spec = TinyPipeline.spec(split: "{test: 0.25}")

    func write(spec: String = Self.spec) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try TinyPipeline.write(in: directory, spec: spec, comments: Self.comments)
        return directory
    }

    func steps(_ output: FoundryCLI.Output) throws -> [[String: Any]] {
        try #require(try output.json()["steps"] as? [[String: Any]])
    }

    @Test("a run writes runs/<pipeline> next to the spec; the JSON is the run record")
    func endToEnd() throws {
        let directory = try write()
        let spec = directory.file("pipeline.yaml").path
        let output = try FoundryCLI.run(["run", spec, "--json"])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["pipeline"] as? String == "tiny")
        #expect(json["cache_hits"] as? Int == 0)
        let steps = try steps(output)
        #expect(steps.map { $0["status"] as? String } == ["ran", "ran", "ran"])
        #expect(steps[1]["parts_computed"] as? Int == 3)
        let run = directory.file("runs/tiny")
        for file in ["run.json", "report.json", "steps/labels/soft_labels.npy", "steps/votes/label_matrix.npy"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "\(file)")
        }
        let again = try FoundryCLI.run(["run", spec])
        #expect(again.status == 0)
        #expect(again.standardOutput.contains("cached     votes (apply)"))
    }

    @Test("a dry run after an LF edit says which function and which steps")
    func dryRunAfterEdit() throws {
        let directory = try write()
        let spec = directory.file("pipeline.yaml").path
        #expect(try FoundryCLI.run(["run", spec]).status == 0)
        try directory.write("lfs.yaml", Self.lfs.replacingOccurrences(of: "[song, beat]", with: "[song, beat, love]"))
        let plan = try FoundryCLI.run(["run", spec, "--dry-run"])
        #expect(plan.status == 0, "\(plan.standardError)")
        #expect(plan.standardOutput.contains("cached     comments (data)"))
        #expect(plan.standardOutput.contains("would run  votes (apply) — labeling functions changed: song"))
        #expect(plan.standardOutput.contains("would run  labels (label_model) — input 'votes' changed"))
        let run = try FoundryCLI.run(["run", spec, "--json"])
        let steps = try steps(run)
        #expect(steps[1]["parts_computed"] as? Int == 1 && steps[1]["parts_cached"] as? Int == 2)
        let forced = try FoundryCLI.run(["run", spec, "--json", "--force", "labels", "--until", "labels"])
        #expect(try self.steps(forced).map { $0["reason"] as? String } == ["cached", "cached", "forced"])
    }

    @Test("bad specs fail before any step runs, naming file, line and key, with a non-zero exit")
    func badSpecs() throws {
        let cases: [(String, String, [String])] = [
            (
                Self.spec.replacingOccurrences(of: "text_field", with: "txt_field"), "unknown key 'txt_field'",
                ["pipeline.yaml:4", "did you mean 'text_field'?"]
            ),
            (
                Self.spec.replacingOccurrences(of: "input: votes", with: "input: vote"), "no step named 'vote'",
                ["pipeline.yaml:6"]
            ),
            (
                Self.spec.replacingOccurrences(of: "input: votes", with: "input: comments"),
                "reads votes, but its input 'comments' produces table", []
            ),
            (
                Self.spec.replacingOccurrences(of: "comments.csv", with: "missing.csv"), "no readable file",
                ["missing.csv"]
            ),
            (
                Self.spec.replacingOccurrences(of: "method: mv", with: "method: mvv"), "unknown value 'mvv'",
                ["valid values: mv, wmv"]
            ),
        ]
        for (spec, message, details) in cases {
            let directory = try write(spec: spec)
            let output = try FoundryCLI.run(["run", directory.file("pipeline.yaml").path])
            #expect(output.status != 0)
            #expect(output.standardError.contains(message), "\(output.standardError)")
            for detail in details { #expect(output.standardError.contains(detail), "\(output.standardError)") }
            #expect(!FileManager.default.fileExists(atPath: directory.file("runs").path))
        }
        let cycle = """
            pipeline: tiny
            classes: [HAM, SPAM]
            steps:
              a: {kind: clean, input: b, constraints: c.yaml}
              b: {kind: clean, input: a, constraints: c.yaml}
            """
        let cycleDirectory = try write(spec: cycle)
        let output = try FoundryCLI.run(["run", cycleDirectory.file("pipeline.yaml").path])
        #expect(output.status != 0 && output.standardError.contains("cycle: a → b → a"), "\(output.standardError)")
        let usage = try FoundryCLI.run(["run", "x.yaml", "--dry-run", "--serve"])
        #expect(usage.status != 0 && usage.standardError.contains("Usage"))
        let missing = try FoundryCLI.run(["run", cycleDirectory.file("nope.yaml").path])
        #expect(missing.status != 0 && missing.standardError.contains("nope.yaml: -: cannot read the pipeline spec"))
    }

    @Test("a store source reads a dataset version as the token's principal; its key is the version, not the file")
    func storeSource() throws {
        let directory = TemporaryDirectory()
        let store = directory.file("store.sqlite").path
        let created = try FoundryCLI.run(["store", "init", "--store", store, "--owner", "alice", "--json"])
        try #require(created.status == 0, "\(created.standardError)")
        let token = try #require(created.json()["token"] as? String)
        let tokenFile = try directory.write("token", token)
        let imported = try FoundryCLI.run([
            "store", "import", "--dataset", "yt", "--id-field", "COMMENT_ID", "--text-field", "CONTENT",
            TestData.packageFile("Datasets/samples/youtube_spam_sample.csv").path, "--store", store, "--token-file",
            tokenFile.path,
        ])
        try #require(imported.status == 0, "\(imported.standardError)")
        try directory.write("lfs.yaml", Self.lfs)
        let spec = try directory.write(
            "pipeline.yaml",
            """
            pipeline: stored
            classes: [HAM, SPAM]
            steps:
              comments: {kind: data, store: store.sqlite, dataset: yt, text_field: text}
              votes: {kind: apply, input: comments, lfs: lfs.yaml}
            """)
        let withoutToken = try FoundryCLI.run(["run", spec.path], environment: ["FOUNDRY_TOKEN": nil])
        #expect(withoutToken.status != 0 && withoutToken.standardError.contains("set FOUNDRY_TOKEN"))
        let first = try FoundryCLI.run(["run", spec.path, "--json"], environment: ["FOUNDRY_TOKEN": token])
        #expect(first.status == 0, "\(first.standardError)")
        let rows = try #require(try steps(first).first?["figures"] as? [String: Any])["rows"] as? Double
        #expect((rows ?? 0) > 0)
        // The store file changed (audited reads), the version did not: cached.
        let second = try FoundryCLI.run(["run", spec.path, "--json"], environment: ["FOUNDRY_TOKEN": token])
        #expect(try steps(second).map { $0["status"] as? String } == ["cached", "cached"])
    }
}
