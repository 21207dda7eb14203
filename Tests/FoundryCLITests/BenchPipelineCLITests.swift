import Foundation
import FoundryTestSupport
import Testing

/// `foundry bench pipeline` on a tiny pipeline written by the test: the edit re-applies one function's column, and the
/// re-run's outputs equal a cold run of the edited spec.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct BenchPipelineCLITests {
    static let comments = TinyPipeline.comments(
        rows: 8, extra: ["9,what a video,HAM", "10,my page has a video,SPAM"])
    static let lfs = TinyPipeline.lfs
    static let spec = TinyPipeline.spec(split: "{test: 0.3}")

    func write() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try TinyPipeline.write(in: directory, spec: Self.spec, comments: Self.comments)
        return directory
    }

    @Test("an edited function is re-applied alone, and the outputs equal a cold run of the edit")
    func incrementalRun() throws {
        let directory = try write()
        let output = try FoundryCLI.run([
            "bench", "pipeline", "--spec", directory.file("pipeline.yaml").path, "--edit-lf", "song", "--add", "video",
            "--repeats", "2", "--json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["edited_function"] as? String == "song")
        #expect(json["until"] as? String == "labels")
        #expect(json["outputs_identical"] as? Bool == true)
        #expect(json["edit_changed_soft_labels"] as? Bool == true)
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        for run in runs {
            let steps = try #require(run["rerun_steps"] as? [[String: Any]])
            let byName = Dictionary(uniqueKeysWithValues: steps.map { ($0["name"] as? String ?? "", $0) })
            #expect(byName["comments"]?["status"] as? String == "cached")
            #expect(byName["votes"]?["status"] as? String == "ran")
            #expect(byName["votes"]?["parts_cached"] as? Int == 2)
            #expect(byName["votes"]?["parts_computed"] as? Int == 1)
            #expect(byName["labels"]?["status"] as? String == "ran")
            let identical = try #require(run["identical_steps"] as? [String: Bool])
            #expect(identical == ["comments": true, "votes": true, "labels": true])
            let cold = try #require(run["cold_seconds"] as? Double)
            let rerun = try #require(run["rerun_seconds"] as? Double)
            #expect(cold > 0 && rerun > 0)
            #expect(abs((run["ratio"] as? Double ?? 0) - rerun / cold) < 1e-9)
            // Up to the label model, wall-clock (checks and fingerprints included) is at least the steps' own clocks.
            for phase in ["cold", "rerun"] {
                let wall = try #require(run["\(phase)_seconds_before_target"] as? Double)
                let steps = try #require(run["\(phase)_step_seconds_before_target"] as? Double)
                #expect(wall >= steps && steps > 0)
            }
        }
        #expect(json["median_ratio_before_target"] is Double && json["median_ratio_steps_before_target"] is Double)
        let before = try #require(json["median_ratio_before_target"] as? Double)
        #expect(json["ratio_goal_met"] as? Bool == (before <= 0.15))
        // The spec's own folder is left as it was: the edit went to a copy.
        #expect(try String(contentsOf: directory.file("lfs.yaml"), encoding: .utf8) == Self.lfs + "\n")
        #expect(!FileManager.default.fileExists(atPath: directory.file("runs").path))
    }

    @Test("a function no LF file defines is a run-time error naming it")
    func unknownFunction() throws {
        let directory = try write()
        let output = try FoundryCLI.run([
            "bench", "pipeline", "--spec", directory.file("pipeline.yaml").path, "--edit-lf", "nosuch", "--repeats",
            "1",
        ])
        #expect(output.status != 0)
        #expect(output.standardError.contains("'nosuch'"))
        #expect(!output.standardError.contains("Usage:"))
    }

    @Test("argument mistakes show the usage; a missing spec names the file")
    func badArguments() throws {
        let directory = try write()
        let repeats = try FoundryCLI.run([
            "bench", "pipeline", "--spec", directory.file("pipeline.yaml").path, "--edit-lf", "song", "--repeats", "0",
        ])
        #expect(repeats.status != 0)
        #expect(repeats.standardError.contains("--repeats"))
        #expect(repeats.standardError.contains("Usage: foundry bench pipeline"))
        let missing = try FoundryCLI.run([
            "bench", "pipeline", "--spec", directory.file("absent.yaml").path, "--edit-lf", "song",
        ])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("absent.yaml"))
    }
}
