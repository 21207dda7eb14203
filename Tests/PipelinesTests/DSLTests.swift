import Cleaning
import Foundation
import Labeling
import Testing

@testable import Pipelines

@Suite("Pipeline DSL")
struct DSLTests {
    @Test("each component builds the step with the parameters written and the spec's defaults for the rest")
    func componentsBuildTheExpectedSteps() {
        let spec = Pipeline("youtube-spam", classes: ["HAM", "SPAM"]) {
            Corpus(
                "comments", csv: ["a.csv", "b.csv"], textField: "CONTENT", labelField: "CLASS",
                split: .init(valid: 0.1, test: 0.2, seed: 7))
            Clean("clean", input: "comments", constraints: .file("constraints.yaml"), dropDuplicates: true)
            Apply("votes", input: "clean", lfs: .file("lfs.yaml"))
            FitLabelModel("labels", input: "votes")
            Train("adapter", input: "labels", model: "model", epochs: 2, maxLength: 48)
            Merge("merged", inputs: ["adapter"], adapters: ["other"], method: "ties", density: 0.5)
            Select("best", inputs: ["adapter", "merged"], evaluation: "comments", metric: "f1")
            Register("registry", input: "adapter", repository: "repo", branch: "youtube")
            Deploy("serve", input: "adapter", port: 0, maxActiveAdapters: 4)
        }
        let expected: [PipelineStep] = [
            PipelineStep(
                name: "comments",
                action: .data(
                    DataStep(
                        format: .csv, paths: ["a.csv", "b.csv"], textField: "CONTENT", labelField: "CLASS",
                        split: DataStep.Split(valid: 0.1, test: 0.2, seed: 7)))),
            PipelineStep(
                name: "clean",
                action: .clean(
                    CleanStep(
                        input: "comments", constraints: .file("constraints.yaml"), dropFailing: true,
                        dropDuplicates: true))),
            PipelineStep(
                name: "votes", action: .apply(ApplyStep(input: "clean", labelingFunctions: .file("lfs.yaml")))),
            PipelineStep(
                name: "labels", action: .labelModel(LabelModelStep(input: "votes", method: "auto", useDevSet: false))),
            PipelineStep(
                name: "adapter",
                action: .train(
                    TrainStep(
                        input: "labels", model: "model", rank: 8, alpha: 16, epochs: 2, learningRate: 5e-4,
                        batchSize: 16, maxLength: 48, seed: 0))),
            PipelineStep(
                name: "merged",
                action: .merge(
                    MergeStep(inputs: ["adapter"], adapters: ["other"], method: "ties", weights: nil, density: 0.5))),
            PipelineStep(
                name: "best",
                action: .select(
                    SelectStep(
                        inputs: ["adapter", "merged"], evaluation: "comments", split: "valid", metric: "f1",
                        mode: .best))),
            PipelineStep(
                name: "registry",
                action: .register(RegisterStep(input: "adapter", repository: "repo", branch: "youtube"))),
            PipelineStep(
                name: "serve",
                action: .deploy(DeployStep(input: "adapter", host: "127.0.0.1", port: 0, maxActiveAdapters: 4))),
        ]
        #expect(spec.name == "youtube-spam")
        #expect(spec.classes == ["HAM", "SPAM"])
        #expect(spec.source == "<swift>")
        #expect(spec.steps.count == expected.count)
        for (built, wanted) in zip(spec.steps, expected) {
            #expect(built == wanted, "step \(wanted.name)")
            #expect(built.location == nil)
        }
        #expect(spec == PipelineSpec(name: "youtube-spam", classes: ["HAM", "SPAM"], steps: expected))
        #expect(spec.steps.map(\.action.kind) == StepKind.allCases)
    }

    @Test("every data format has its spelling")
    func corpusFormats() {
        let crowd = DataStep.CrowdColumns(item: "tweet_id", worker: "worker_id", answer: "emotion")
        let spec = Pipeline("formats", classes: ["A", "B"]) {
            Corpus("tsv", tsv: ["s.tsv"], textField: "text", labelField: "label")
            Corpus("jsonl", jsonl: ["j.jsonl"], textField: "text", limit: 10)
            Corpus("wrench", wrench: "folder")
            Corpus(
                "crowd", crowd: "answers.csv", columns: crowd, textField: "tweet_body", gold: "gold.csv",
                labelField: "sentiment")
            Corpus("store", store: "store.sqlite", dataset: "comments", version: "v2", textField: "CONTENT")
            Corpus("generic", format: .csv, paths: ["g.csv"], textField: "t").limit(5).split(
                valid: 0.2, test: 0.1, seed: 3)
        }
        let data = spec.steps.compactMap { step -> DataStep? in
            if case .data(let data) = step.action { return data }
            return nil
        }
        #expect(data.count == 6)
        #expect(data[0] == DataStep(format: .tsv, paths: ["s.tsv"], textField: "text", labelField: "label"))
        #expect(data[1] == DataStep(format: .jsonl, paths: ["j.jsonl"], textField: "text", limit: 10))
        #expect(data[2] == DataStep(format: .wrench, paths: ["folder"], textField: "text"))
        #expect(
            data[3]
                == DataStep(
                    format: .crowd, paths: ["answers.csv"], textField: "tweet_body", labelField: "sentiment",
                    crowd: crowd, goldPath: "gold.csv"))
        #expect(
            data[4]
                == DataStep(
                    format: .store, paths: [], textField: "CONTENT", store: "store.sqlite", dataset: "comments",
                    version: "v2"))
        #expect(
            data[5]
                == DataStep(
                    format: .csv, paths: ["g.csv"], textField: "t",
                    split: DataStep.Split(valid: 0.2, test: 0.1, seed: 3),
                    limit: 5))
    }

    @Test("if, if/else, switch and for build the steps of the branch taken, in order")
    func controlFlow() {
        func spec(tasks: [String], merge: Bool, serve: Bool) -> PipelineSpec {
            Pipeline("tasks", classes: ["HAM", "SPAM"]) {
                for task in tasks {
                    Corpus(task, csv: ["\(task).csv"], textField: "text")
                    Apply("\(task)-votes", input: task, lfs: .file("\(task)/lfs.yaml"))
                    FitLabelModel("\(task)-labels", input: "\(task)-votes")
                    Train("\(task)-adapter", input: "\(task)-labels", model: "m")
                }
                if merge {
                    Merge("merged", inputs: tasks.map { "\($0)-adapter" })
                    Deploy("serve", input: "merged")
                } else if serve {
                    Deploy("serve", input: "\(tasks[0])-adapter")
                }
                switch tasks.count {
                case 1: Register("registry", input: "\(tasks[0])-adapter", repository: "repo")
                default: [PipelineStep]()
                }
            }
        }
        let two = spec(tasks: ["youtube", "sms"], merge: true, serve: false)
        #expect(
            two.steps.map(\.name) == [
                "youtube", "youtube-votes", "youtube-labels", "youtube-adapter", "sms", "sms-votes", "sms-labels",
                "sms-adapter", "merged", "serve",
            ])
        #expect(two.step(named: "merged")?.action.inputs == ["youtube-adapter", "sms-adapter"])
        #expect(two.step(named: "serve")?.action.inputs == ["merged"])
        let one = spec(tasks: ["youtube"], merge: false, serve: true)
        #expect(
            one.steps.map(\.name) == [
                "youtube", "youtube-votes", "youtube-labels", "youtube-adapter", "serve", "registry",
            ])
        #expect(one.step(named: "serve")?.action.inputs == ["youtube-adapter"])
        let none = spec(tasks: ["sms"], merge: false, serve: false)
        #expect(none.steps.map(\.name) == ["sms", "sms-votes", "sms-labels", "sms-adapter", "registry"])
    }

    @Test("inline labeling functions equal the ones the LF spec reader reads from the same keys")
    func inlineFunctionsMatchTheLFSpecReader() throws {
        let yaml = """
            labeling_functions:
              - {name: asks_to_subscribe, kind: keyword, keywords: [subscribe, sub4sub], label: SPAM}
              - {name: has_link, kind: regex, pattern: 'https?://', label: SPAM}
              - {name: capitals, kind: regex, pattern: '[A-Z]{5}', ignore_case: false, label: SPAM, field: TITLE}
              - {name: expresses_love, kind: lexicon, words: [love, loved], label: HAM}
              - {name: short_comment, kind: threshold, measure: word_count, less_than: 5, label: HAM}
              - {name: low_score, kind: threshold, field: score, at_most: 0.2, label: "0"}
            """
        let read = try LFSpec.parse(yaml, format: .yaml, source: "inline.yaml")
        let functions: [LabelingFunctionSpec] = [
            .keyword("asks_to_subscribe", ["subscribe", "sub4sub"], label: "SPAM"),
            .regex("has_link", "https?://", label: "SPAM"),
            .regex("capitals", "[A-Z]{5}", label: "SPAM", ignoreCase: false, field: "TITLE"),
            .lexicon("expresses_love", ["love", "loved"], label: "HAM"),
            .threshold("short_comment", .lessThan(5), measure: .wordCount, label: "HAM"),
            .threshold("low_score", .atMost(0.2), label: "0", field: "score"),
        ]
        #expect(read.labelingFunctions == functions)
        // A changed keyword is a different function.
        #expect(read.labelingFunctions[0] != .keyword("asks_to_subscribe", ["subscribe"], label: "SPAM"))

        let spec = Pipeline("inline", classes: ["HAM", "SPAM"]) {
            Apply("votes", input: "comments", functions: functions)
        }
        guard case .apply(let apply) = spec.steps.first?.action, case .inline(let lfs) = apply.labelingFunctions
        else {
            Issue.record("expected an apply step with inline functions")
            return
        }
        #expect(lfs.labelingFunctions == functions)
        #expect(lfs.classNames == nil)
    }

    @Test("inline constraints equal the ones the constraint spec reader reads from the same keys")
    func inlineConstraintsMatchTheConstraintReader() throws {
        let yaml = """
            constraints:
              - {kind: not_null, column: CONTENT}
              - {kind: valid_text, column: CONTENT}
              - {kind: length, column: CONTENT, min: 1, max: 2000}
            """
        let read = try ConstraintSpec.parse(yaml, source: "constraints.yaml")
        let spec = Pipeline("inline", classes: ["HAM", "SPAM"]) {
            Clean("clean", input: "comments", dropFailing: false) {
                NotNull("CONTENT")
                ValidText("CONTENT")
                Length("CONTENT", minimum: 1, maximum: 2000)
            }
        }
        #expect(
            spec.steps == [
                PipelineStep(
                    name: "clean",
                    action: .clean(CleanStep(input: "comments", constraints: .inline(read), dropFailing: false)))
            ])
    }

    @Test("overrides change only the steps they concern, and nil leaves a value alone")
    func overrides() {
        let spec = Pipeline("spam", classes: ["HAM", "SPAM"], baseDirectory: URL(fileURLWithPath: "/tmp/x")) {
            Corpus("a", csv: ["a.csv"], textField: "t", limit: 50)
            Corpus("b", csv: ["b.csv"], textField: "t")
            Apply("votes", input: "a", lfs: .file("lfs.yaml"))
            FitLabelModel("labels", input: "votes")
            Train("adapter", input: "labels", model: "m", epochs: 3, batchSize: 8, maxLength: 64)
            Deploy("serve", input: "adapter", port: 8080)
        }
        let small = spec.overriding(.init(limit: 200, epochs: 1, maxLength: 32, port: 0))
        #expect(small.baseDirectory == spec.baseDirectory)
        #expect(
            small.step(named: "a")?.action
                == .data(DataStep(format: .csv, paths: ["a.csv"], textField: "t", limit: 200)))
        #expect(
            small.step(named: "b")?.action
                == .data(DataStep(format: .csv, paths: ["b.csv"], textField: "t", limit: 200)))
        #expect(
            small.step(named: "adapter")?.action
                == .train(TrainStep(input: "labels", model: "m", epochs: 1, batchSize: 8, maxLength: 32)))
        #expect(small.step(named: "serve")?.action == .deploy(DeployStep(input: "adapter", port: 0)))
        #expect(small.step(named: "votes") == spec.step(named: "votes"))
        #expect(small.step(named: "labels") == spec.step(named: "labels"))
        #expect(spec.overriding(.init()) == spec)

        let seeded = spec.updatingSteps(of: .labelModel) { action in
            if case .labelModel(var step) = action {
                step.seed = 9
                action = .labelModel(step)
            }
        }
        #expect(seeded.step(named: "labels")?.action == .labelModel(LabelModelStep(input: "votes", seed: 9)))
        #expect(seeded.step(named: "adapter") == spec.step(named: "adapter"))
    }
}
