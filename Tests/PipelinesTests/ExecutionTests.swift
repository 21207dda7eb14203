import Foundation
import FoundryCore
import FoundryTestSupport
import LabelModels
import Labeling
import Tabular
import Testing

@testable import Pipelines

@Suite("Pipeline execution")
struct ExecutionTests {
    func run(_ specURL: URL, in runDirectory: URL, _ options: PipelineRunner.Options = .init()) throws -> RunRecord {
        try PipelineRunner(spec: PipelineSpec.load(specURL), runDirectory: runDirectory, options: options).run()
    }

    func softLabels(_ runDirectory: URL) throws -> Data {
        try Data(contentsOf: runDirectory.appendingPathComponent("steps/labels/soft_labels.npy"))
    }

    @Test("a cold run computes every step; majority vote gives the expected soft labels")
    func coldRun() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        let record = try run(spec, in: directory.file("run"))
        #expect(record.steps.map(\.status) == [.ran, .ran, .ran])
        #expect(record.steps.map(\.reason) == ["not in the cache", "not in the cache", "not in the cache"])
        #expect(record.cacheHits == 0)
        let apply = try #require(record.steps.first { $0.name == "votes" })
        #expect(apply.partsComputed == 3 && apply.partsCached == 0)
        let labels = try SoftLabels(numPyFile: directory.file("run/steps/labels/soft_labels.npy"))
        #expect(labels.rowCount == 12)
        // Row 3 ("subscribe to my channel please"): two SPAM votes → SPAM with probability 1 under majority vote.
        #expect(labels[2, 1] == 1 && labels[2, 0] == 0)
        // Row 2 ("i love this song"): one HAM vote.
        #expect(labels[1, 0] == 1)
        // Row 10 ("so good"): no vote → the uniform prior.
        #expect(labels[9, 0] == 0.5 && labels[9, 1] == 0.5)
        // run.json is the record.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("run/run.json")))
        let object = try #require(json as? [String: Any])
        #expect(object["pipeline"] as? String == "tiny")
        #expect((object["steps"] as? [Any])?.count == 3)
        #expect(FileManager.default.fileExists(atPath: directory.file("run/report.json").path))
        // Each step records when it started after the run's start (the spec's checks and the fingerprints come first):
        // in order, and each one after the one before it had finished.
        let starts = record.steps.compactMap(\.startedAfterSeconds)
        #expect(starts.count == 3 && starts[0] > 0 && starts[0] < record.seconds)
        for index in 1..<record.steps.count {
            #expect(starts[index] >= starts[index - 1] + record.steps[index - 1].seconds)
        }
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(steps.allSatisfy { ($0["started_after_seconds"] as? Double ?? -1) > 0 })
    }

    @Test("the assembled label matrix equals applying every function at once")
    func columnsEqualWholeApplication() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        _ = try run(spec, in: directory.file("run"))
        let assembled = try MatrixFiles.read(from: directory.file("run/steps/votes"))
        let table = try CSVReader.read(directory.file("comments.csv"))
        let functions = try LFSpec.load(directory.file("lfs.yaml")).compile(defaultField: "text")
        let whole = try LFApplier(functions, classNames: ["HAM", "SPAM"]).apply(table.records)
        #expect(assembled == whole.labelMatrix)
    }

    @Test("a re-run without edits is all cache hits; editing one LF re-applies that column only")
    func incremental() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        let runDirectory = directory.file("run")
        _ = try run(spec, in: runDirectory)
        let again = try run(spec, in: runDirectory)
        #expect(again.steps.map(\.status) == [.cached, .cached, .cached])
        #expect(again.cacheHits == 3)

        let edited = ExecutionFixture.lfs.replacingOccurrences(
            of: "keywords: [subscribe]", with: "keywords: [subscribe, free]")
        try directory.write("lfs.yaml", edited + "\n")
        let plan = try run(spec, in: runDirectory, .init(dryRun: true))
        #expect(plan.steps.map(\.status) == [.cached, .skipped, .skipped])
        #expect(plan.steps[1].reason == "would run: labeling functions changed: subscribe")
        #expect(plan.steps[2].reason == "would run: input 'votes' changed")

        let incremental = try run(spec, in: runDirectory)
        #expect(incremental.steps.map(\.status) == [.cached, .ran, .ran])
        #expect(incremental.steps[1].partsComputed == 1 && incremental.steps[1].partsCached == 2)
        #expect(incremental.steps[1].reason == "labeling functions changed: subscribe")

        // Bit for bit the soft labels of a cold run of the edited spec.
        let cold = directory.file("cold")
        let coldRecord = try run(spec, in: cold)
        #expect(coldRecord.steps[1].partsComputed == 3)
        #expect(try softLabels(runDirectory) == softLabels(cold))
        #expect(
            try MatrixFiles.read(from: runDirectory.appendingPathComponent("steps/votes"))
                == MatrixFiles.read(from: cold.appendingPathComponent("steps/votes")))
    }

    @Test("a parameter edit names the parameter; a data edit names the file")
    func reasons() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        let runDirectory = directory.file("run")
        _ = try run(spec, in: runDirectory)
        try directory.write("pipeline.yaml", ExecutionFixture.spec(method: "ds") + "\n")
        let plan = try run(spec, in: runDirectory, .init(dryRun: true))
        #expect(plan.steps[2].reason == "would run: parameters changed: method")
        try directory.write("comments.csv", ExecutionFixture.comments + "\n13,my channel again,SPAM\n")
        let second = try run(spec, in: runDirectory, .init(dryRun: true))
        #expect(second.steps[0].reason == "would run: file changed: paths[0]")
        #expect(second.steps[1].reason == "would run: input 'comments' changed")
    }

    @Test("a dry run writes nothing")
    func dryRunWritesNothing() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        let plan = try run(spec, in: directory.file("run"), .init(dryRun: true))
        #expect(plan.steps.allSatisfy { $0.status == .skipped && $0.reason == "would run: not in the cache" })
        #expect(!FileManager.default.fileExists(atPath: directory.file("run").path))
    }

    @Test("--until runs the steps it needs only; --force re-runs a cached step")
    func untilAndForce() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        let runDirectory = directory.file("run")
        let partial = try run(spec, in: runDirectory, .init(until: "votes"))
        #expect(partial.steps.map(\.status) == [.ran, .ran, .skipped])
        #expect(partial.steps[2].reason == "after --until votes")
        let forced = try run(spec, in: runDirectory, .init(force: ["votes"]))
        #expect(forced.steps.map(\.status) == [.cached, .ran, .ran])
        #expect(forced.steps[1].reason == "forced")
        // The forced step's columns still come from the column cache.
        #expect(forced.steps[1].partsCached == 3)
        #expect(throws: PipelinesError.self) { try run(spec, in: runDirectory, .init(until: "vote")) }
    }

    @Test("steps after --until are not fingerprinted: the files only they read are not hashed")
    func untilDoesNotHashLaterSteps() throws {
        let directory = TemporaryDirectory()
        let trained =
            ExecutionFixture.spec() + "\n  adapter: {kind: train, input: labels, model: encoder, epochs: 1}\n"
        let spec = try ExecutionFixture.write(in: directory, spec: trained)
        try FileManager.default.createDirectory(at: directory.file("encoder"), withIntermediateDirectories: true)
        try directory.write("encoder/config.json", "{}")
        try directory.write("encoder/model.safetensors", String(repeating: "w", count: 4096))
        let runDirectory = directory.file("run")
        let partial = try run(spec, in: runDirectory, .init(until: "labels"))
        #expect(partial.steps.map(\.status) == [.ran, .ran, .ran, .skipped])
        #expect(partial.steps[3].key == "" && partial.steps[3].reason == "after --until labels")
        #expect(partial.steps[0..<3].allSatisfy { $0.key.count == 64 })
        // The run directory's file-hash memo holds the data file the first step read, not the encoder's files.
        let state = try String(contentsOf: runDirectory.appendingPathComponent("state.json"), encoding: .utf8)
        #expect(state.contains("comments.csv"))
        #expect(!state.contains("model.safetensors"))
        let plan = try run(spec, in: runDirectory, .init(until: "labels", dryRun: true))
        #expect(plan.steps.map(\.status) == [.cached, .cached, .cached, .skipped] && plan.steps[3].key == "")
    }

    @Test("a cancelled run keeps the finished steps; the next run resumes from them")
    func cancellation() throws {
        let directory = TemporaryDirectory()
        let spec = try ExecutionFixture.write(in: directory)
        let runDirectory = directory.file("run")
        let flag = CancellationFlag()
        // Cancel as soon as the apply step reports progress: the data step is finished, apply is not.
        let options = PipelineRunner.Options(
            progress: { step, _ in if step == "votes" { flag.cancel() } }, cancellation: flag)
        #expect(throws: PipelinesError.cancelled(step: "votes")) { try run(spec, in: runDirectory, options) }
        let cache = runDirectory.appendingPathComponent("cache")
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0 != "columns" }
        #expect(entries.count == 1)  // the data step only; no temporary folder, no half entry
        let record = try JSONSerialization.jsonObject(
            with: Data(contentsOf: runDirectory.appendingPathComponent("run.json")))
        let steps = try #require((record as? [String: Any])?["steps"] as? [[String: Any]])
        #expect(steps.map { $0["status"] as? String } == ["ran", "failed", "skipped"])
        let resumed = try run(spec, in: runDirectory)
        #expect(resumed.steps.map(\.status) == [.cached, .ran, .ran])
        let cold = directory.file("cold")
        _ = try run(spec, in: cold)
        #expect(try softLabels(runDirectory) == softLabels(cold))
    }

    @Test("a clean step drops rows failing an error constraint and exact duplicates")
    func cleaning() throws {
        let directory = TemporaryDirectory()
        let spec = """
            pipeline: tiny
            classes: [HAM, SPAM]
            steps:
              comments: {kind: data, path: comments.csv, text_field: text, label_field: label}
              clean:
                kind: clean
                input: comments
                drop_duplicates: true
                constraints:
                  constraints:
                    - {kind: length, column: text, min: 8}
              votes: {kind: apply, input: clean, lfs: lfs.yaml}
              labels: {kind: label_model, input: votes, method: mv}
            """
        let comments = ExecutionFixture.comments + "\n13,great song,HAM"
        let url = try ExecutionFixture.write(in: directory, spec: spec, comments: comments)
        let record = try run(url, in: directory.file("run"))
        let clean = try #require(record.steps.first { $0.name == "clean" })
        // "so good" (7 characters) fails; row 13 repeats row 4.
        #expect(clean.figures["dropped_rows"] == 2)
        #expect(clean.figures["kept_rows"] == 11)
        let labels = try SoftLabels(numPyFile: directory.file("run/steps/labels/soft_labels.npy"))
        #expect(labels.rowCount == 11)
    }

    @Test("a WRENCH folder is votes and a table; the label model reads it directly")
    func wrenchSource() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("wrench")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let task = SyntheticLabelingTask(
            classPrior: [0.5, 0.5],
            labelingFunctions: (0..<4).map {
                SyntheticLabelingTask.LabelingFunction(coverage: 0.5, accuracy: 0.8, votedClass: $0 % 2)
            })
        try writeSyntheticWrenchFolder(task, rows: (60, 20, 20), classNames: ["A", "B"], seed: 3, to: folder)
        let spec = """
            pipeline: wrench
            classes: [A, B]
            steps:
              data: {kind: data, format: wrench, path: wrench, text_field: text}
              labels: {kind: label_model, input: data, method: mv}
            """
        let url = try directory.write("pipeline.yaml", spec)
        let record = try run(url, in: directory.file("run"))
        #expect(record.steps.map(\.status) == [.ran, .ran])
        #expect(record.steps[0].figures["rows"] == 100)
        #expect(record.steps[0].figures["labeling_functions"] == 4)
        #expect(record.steps[1].figures["train_rows"] == 60)
    }
}
