import Foundation
import FoundryTestSupport
import ModelRepository
import Testing

@testable import Pipelines

/// The model steps on the real encoder with the smallest settings: two adapters trained on the tiny corpus, merged,
/// ranked against each other on the gold rows, committed to a model repository and deployed in-process.
@Suite("Pipeline model steps", .enabled(if: TestData.model != nil, "the encoder is not fetched (make model)"))
struct ExecutionModelStepTests {
    @Test("train, merge, select, register and deploy")
    func modelSteps() throws {
        let directory = TemporaryDirectory()
        let model = try #require(TestData.model).path
        let train = "rank: 2, epochs: 1, max_length: 8, batch_size: 8, fisher_samples: 0, gram_samples: 0"
        let spec = """
            pipeline: tiny-model
            classes: [HAM, SPAM]
            steps:
              comments: {kind: data, path: comments.csv, text_field: text, label_field: label, split: {valid: 0.25, test: 0.25, seed: 1}}
              votes: {kind: apply, input: comments, lfs: lfs.yaml}
              labels: {kind: label_model, input: votes, method: mv}
              first: {kind: train, input: labels, model: '\(model)', seed: 0, \(train)}
              second: {kind: train, input: labels, model: '\(model)', seed: 1, \(train)}
              merged: {kind: merge, inputs: [first, second], method: linear}
              best: {kind: select, inputs: [first, second, merged], evaluation: comments, split: valid}
              registry: {kind: register, input: merged, repository: repo, branch: spam}
              serve: {kind: deploy, input: registry, port: 0}
            """
        let url = try ExecutionFixture.write(in: directory, spec: spec)
        let runDirectory = directory.file("run")
        let record = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        #expect(record.steps.allSatisfy { $0.status == .ran }, "\(record.steps.map { "\($0.name): \($0.reason)" })")
        let first = try #require(record.steps.first { $0.name == "first" })
        // Rows 10 ("so good") has no vote: the covered train rows only.
        #expect((first.figures["train_rows"] ?? 0) > 0)
        #expect(first.figures["test_accuracy"] != nil)
        for file in ["adapter_config.json", "adapter_model.safetensors", "labels.json"] {
            #expect(
                FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent("steps/merged/\(file)").path)
            )
        }
        let commit = try JSONSerialization.jsonObject(
            with: Data(contentsOf: runDirectory.appendingPathComponent("steps/registry/commit.json")))
        #expect((commit as? [String: Any])?["branch"] as? String == "spam")
        let serve = try JSONSerialization.jsonObject(
            with: Data(contentsOf: runDirectory.appendingPathComponent("steps/serve/serve.json")))
        let manifest = try #require(serve as? [String: Any])
        #expect(manifest["smoke_requests"] as? Int == 6)  // the 3 test + 3 valid rows
        #expect((manifest["command"] as? String)?.hasPrefix("foundry serve --model") == true)
        #expect(FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent("serve/tiny-model").path))
        // The select step scored all three candidates on the valid rows and passed the best one's adapter on.
        let selection = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: runDirectory.appendingPathComponent("steps/best/selection.json")))
                as? [String: Any])
        let candidates = try #require(selection["candidates"] as? [[String: Any]])
        #expect(candidates.map { $0["name"] as? String } == ["first", "second", "merged"])
        let chosen = try #require(selection["chosen"] as? String)
        let best = try #require(record.steps.first { $0.name == "best" })
        #expect(best.figures["rows"] == 3)
        let chosenAdapter = try Data(
            contentsOf: runDirectory.appendingPathComponent("steps/\(chosen)/adapter_model.safetensors"))
        let passedOn = try Data(contentsOf: runDirectory.appendingPathComponent("steps/best/adapter_model.safetensors"))
        #expect(chosenAdapter == passedOn)
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: runDirectory.appendingPathComponent("report.json")))
        let sections = try #require(report as? [String: Any])
        #expect((sections["training"] as? [Any])?.count == 2)
        #expect((sections["merges"] as? [Any])?.count == 1)
        #expect(sections["endpoint"] != nil)
        #expect((sections["selection"] as? [String: Any])?["chosen"] as? String == chosen)
        // The sections built from the run's own entries: LF summary and conflicts, the label model with its
        // reliability bins on the gold rows, and the class balance.
        let lfs = try #require(sections["labeling_functions"] as? [String: Any])
        #expect((lfs["conflicts"] as? [[Double]])?.count == 3)
        let labelModel = try #require(sections["label_model"] as? [String: Any])
        #expect(labelModel["method"] as? String == "mv")
        #expect(((labelModel["calibration"] as? [Any]) ?? []).count == 10)
        let balance = try #require(sections["class_balance"] as? [String: Any])
        #expect((balance["predicted"] as? [Double])?.count == 2)
        #expect(FileManager.default.fileExists(atPath: runDirectory.appendingPathComponent("report.html").path))
        // Nothing changed: everything is cached, nothing trains again.
        let again = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        #expect(again.cacheHits == 9)
        // The repository is deleted: the cached registration no longer stands, so the dry run says why and the next
        // run commits again (and only that; the deploy after it is cached).
        try FileManager.default.removeItem(at: directory.file("repo"))
        let plan = try PipelineRunner(
            spec: PipelineSpec.load(url), runDirectory: runDirectory, options: .init(dryRun: true)
        )
        .run()
        let planned = try #require(plan.steps.first { $0.name == "registry" })
        #expect(planned.status == .skipped && planned.reason.contains("no longer in the repository"))
        let recommitted = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        #expect(recommitted.steps.filter { $0.status == .ran }.map(\.name) == ["registry"])
        #expect(
            FileManager.default.fileExists(
                atPath: directory.file("repo").appendingPathComponent(ModelRepository.databaseName).path))
        let third = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        #expect(third.cacheHits == 9)
    }
}
