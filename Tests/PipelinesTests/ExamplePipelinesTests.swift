import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

/// Runs each example of `Examples/pipelines/` end to end on small data: the YAML as written, with a row limit, one
/// epoch, short texts, a free port and the run directory and model repository in a temporary folder.
@Suite("Example pipelines run on small data", .serialized)
struct ExamplePipelinesTests {
    static let canRun = TestData.model != nil && TestData.datasetsDirectory != nil

    /// The two runs of one example and where they ran.
    struct Runs {
        var first: RunRecord
        var second: RunRecord
        var runDirectory: URL
        var directory: TemporaryDirectory
    }

    /// Loads the example, shrinks it, runs it twice in the same run directory.
    static func run(_ name: String, limit: Int) throws -> Runs {
        let directory = TemporaryDirectory(prefix: "example-\(name)")
        let repository = directory.file("repo").path
        let spec = try PipelineSpec.load(ExampleSpecs.file(name))
            .overriding(.init(limit: limit, epochs: 1, maxLength: 16, batchSize: 16, port: 0))
            .updatingSteps(of: .train) { action in
                // No Fisher or Gram statistics: none of the small runs merges with fisher or regmean.
                if case .train(var step) = action {
                    step.fisherSamples = 0
                    step.gramSamples = 0
                    action = .train(step)
                }
            }
            .updatingSteps(of: .register) { action in
                if case .register(var step) = action {
                    step.repository = repository
                    action = .register(step)
                }
            }
        var environment = ProcessInfo.processInfo.environment
        environment["FOUNDRY_DATA"] = TestData.datasetsDirectory?.path
        let runDirectory = directory.file("run")
        let runner = PipelineRunner(
            spec: spec, runDirectory: runDirectory, options: .init(environment: environment))
        let first = try runner.run()
        let second = try runner.run()
        return Runs(first: first, second: second, runDirectory: runDirectory, directory: directory)
    }

    /// The checks every example passes: every step ran once, then came from the cache; run.json is the last record;
    /// the label model's accuracy is a fraction; every adapter step wrote its files.
    static func checkCommon(_ runs: Runs, spec: PipelineSpec) throws {
        #expect(runs.first.steps.map(\.name).sorted() == spec.steps.map(\.name).sorted())
        for step in runs.first.steps {
            #expect(step.status == .ran, "\(step.name): \(step.status) \(step.reason)")
        }
        for step in runs.second.steps {
            #expect(step.status == .cached, "second run, \(step.name): \(step.status) \(step.reason)")
        }
        #expect(runs.second.cacheHits == spec.steps.count)
        #expect(zip(runs.first.steps, runs.second.steps).allSatisfy { $0.key == $1.key })

        // run.json is the second run's record.
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: runs.runDirectory.appendingPathComponent("run.json")))
        let stored = try #require((json as? [String: Any])?["steps"] as? [[String: Any]])
        #expect(stored.map { $0["status"] as? String } == runs.second.steps.map(\.status.rawValue))

        for step in spec.steps {
            let record = try #require(runs.first.steps.first { $0.name == step.name })
            switch step.action.kind {
            case .labelModel:
                let accuracy = try #require(record.figures["accuracy"], "\(step.name) has no accuracy")
                #expect((0...1).contains(accuracy))
                let softLabels = runs.runDirectory.appendingPathComponent("steps/\(step.name)/soft_labels.npy")
                #expect(FileManager.default.fileExists(atPath: softLabels.path))
            case .train, .merge:
                let folder = runs.runDirectory.appendingPathComponent("steps/\(step.name)")
                let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
                #expect(files.contains { $0.hasSuffix(".safetensors") }, "\(step.name): \(files)")
            default:
                break
            }
        }
    }

    @Test("youtube: raw comments to a served adapter; the label model beats chance", .enabled(if: canRun))
    func youtube() throws {
        let runs = try Self.run("youtube", limit: 20)
        try Self.checkCommon(runs, spec: ExampleSpecs.youtube)
        let labels = try #require(runs.first.steps.first { $0.name == "labels" })
        #expect(try #require(labels.figures["accuracy"]) > 0.6)
        let votes = try #require(runs.first.steps.first { $0.name == "votes" })
        #expect(votes.partsComputed == 10)
        #expect(runs.second.steps.first { $0.name == "votes" }?.partsCached == 10)
    }

    @Test("trec: six classes from the WRENCH folder's weak labels", .enabled(if: canRun))
    func trec() throws {
        let runs = try Self.run("trec", limit: 60)
        try Self.checkCommon(runs, spec: ExampleSpecs.trec)
        let labels = try #require(runs.first.steps.first { $0.name == "labels" })
        // Six classes: chance is about 1/6.
        #expect(try #require(labels.figures["accuracy"]) > 0.3)
    }

    @Test("crowdsourcing: workers as labeling functions", .enabled(if: canRun))
    func crowdsourcing() throws {
        let runs = try Self.run("crowdsourcing", limit: 100)
        try Self.checkCommon(runs, spec: ExampleSpecs.crowdsourcing)
    }

    @Test("sms: the raw SMS collection to a served adapter", .enabled(if: canRun))
    func sms() throws {
        // The UCI file is `label<TAB>text` without a header row or quoting: `columns` and `quoting: false` read it.
        let runs = try Self.run("sms", limit: 100)
        try Self.checkCommon(runs, spec: ExampleSpecs.smsSpam)
    }

    @Test("two tasks: two adapters merged and served from one base", .enabled(if: canRun))
    func twoTasks() throws {
        let runs = try Self.run("two-tasks", limit: 20)
        try Self.checkCommon(runs, spec: ExampleSpecs.twoTasks)
    }
}
