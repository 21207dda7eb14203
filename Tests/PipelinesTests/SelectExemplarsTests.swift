import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

/// The `select` step's `exemplars` key: a router trained on texts that name their adapter step.
@Suite("Select step exemplars")
struct SelectExemplarsTests {
    static func spec(select: String) -> String {
        """
        pipeline: two
        classes: [HAM, SPAM]
        steps:
          comments: {kind: data, format: csv, path: comments.csv, text_field: text, label_field: label}
          votes: {kind: apply, input: comments, lfs: lfs.yaml}
          labels: {kind: label_model, input: votes}
          spam: {kind: train, input: labels, model: encoder}
          music: {kind: train, input: labels, model: encoder}
          best: \(select)
        """
    }

    func folder(select: String) throws -> (TemporaryDirectory, URL) {
        let directory = TemporaryDirectory()
        let url = try ExecutionFixture.write(in: directory, spec: Self.spec(select: select))
        try FileManager.default.createDirectory(at: directory.file("encoder"), withIntermediateDirectories: true)
        try directory.write("encoder/config.json", "{}")
        try directory.write("exemplars.csv", "text,adapter\ncheck my channel,spam\ngreat song,music\n")
        return (directory, url)
    }

    @Test("YAML and the DSL give the same step; the defaults are text and task")
    func yamlAndDSLAgree() throws {
        let parsed = try PipelineSpec.parse(
            Self.spec(
                select:
                    "{kind: select, inputs: [spam, music], evaluation: comments, mode: route, exemplars: exemplars.csv, task_field: adapter}"
            ))
        let built = Select(
            "best", inputs: ["spam", "music"], evaluation: "comments", mode: .route, exemplars: "exemplars.csv",
            taskField: "adapter")
        #expect(parsed.step(named: "best")?.action == built.step.action)
        guard case .select(let step) = built.step.action else { return }
        #expect(step.textField == "text" && step.exemplars == "exemplars.csv" && step.taskField == "adapter")
        guard case .select(let plain) = Select("b", inputs: ["spam"], evaluation: "comments").step.action else {
            return
        }
        #expect(plain.exemplars == nil && plain.textField == "text" && plain.taskField == "task")
    }

    @Test("exemplars without mode: route, and a missing exemplars file, are errors before anything runs")
    func badSpecs() throws {
        #expect {
            try PipelineSpec.parse(
                Self.spec(select: "{kind: select, inputs: [spam, music], evaluation: comments, exemplars: x.csv}")
            ).validate(environment: [:])
        } throws: { error in
            guard case .invalidSpec(_, _, let key, let reason) = error as? PipelinesError else { return false }
            return key.hasSuffix("exemplars") && reason.contains("mode: route")
        }
        let (directory, url) = try folder(
            select: "{kind: select, inputs: [spam, music], evaluation: comments, mode: route, exemplars: nope.csv}")
        defer { withExtendedLifetime(directory) {} }
        #expect {
            try PipelineSpec.load(url).validateFiles(environment: [:])
        } throws: { error in
            guard case .missingFile(let step, let key, let path) = error as? PipelinesError else { return false }
            return step == "best" && key == "exemplars" && path.hasSuffix("nope.csv")
        }
    }

    @Test("editing the exemplars file changes the select step's key and nothing upstream")
    func exemplarsAreFingerprinted() throws {
        let (directory, url) = try folder(
            select:
                "{kind: select, inputs: [spam, music], evaluation: comments, mode: route, exemplars: exemplars.csv, task_field: adapter}"
        )
        let runDirectory = directory.file("run")
        func plan() throws -> [String: String] {
            let record = try PipelineRunner(
                spec: try PipelineSpec.load(url), runDirectory: runDirectory, options: .init(dryRun: true)
            ).run()
            return Dictionary(uniqueKeysWithValues: record.steps.map { ($0.name, $0.key) })
        }
        let before = try plan()
        try directory.write("exemplars.csv", "text,adapter\ncheck my channel,spam\nlovely tune,music\n")
        let after = try plan()
        #expect(before["best"] != after["best"] && before["best"]?.count == 64)
        for name in ["comments", "votes", "labels", "spam", "music"] { #expect(before[name] == after[name], "\(name)") }
    }

    @Test("the exemplars file is read with its lines; unknown adapters and missing columns name file, line, column")
    func readingExemplars() throws {
        let (directory, _) = try folder(select: "{kind: select, inputs: [spam], evaluation: comments}")
        let step = SelectStep(
            inputs: ["spam", "music"], evaluation: "comments", mode: .route, exemplars: "exemplars.csv",
            taskField: "adapter")
        let read = try SelectStepRunner.readExemplars(
            directory.file("exemplars.csv"), step: step, candidates: ["spam", "music"])
        #expect(read.map(\.text) == ["check my channel", "great song"] && read.map(\.candidate) == ["spam", "music"])
        #expect(
            try SelectStepRunner.routing(
                step, exemplars: directory.file("exemplars.csv"), candidates: ["spam", "music"])
                == .exemplars(read))
        #expect(
            try SelectStepRunner.routing(step, exemplars: nil, candidates: ["spam"]) == .crossFitted(folds: 5, seed: 0))
        #expect {
            try SelectStepRunner.readExemplars(directory.file("exemplars.csv"), step: step, candidates: ["spam"])
        } throws: { error in
            guard case .invalidData(let source, let row, let field, let reason) = error as? PipelinesError else {
                return false
            }
            return source.hasSuffix("exemplars.csv") && row == 3 && field == "adapter" && reason.contains("'music'")
        }
        var noColumn = step
        noColumn.taskField = "task"
        #expect {
            try SelectStepRunner.readExemplars(directory.file("exemplars.csv"), step: noColumn, candidates: ["spam"])
        } throws: { error in
            guard case .invalidData(_, _, let field, let reason) = error as? PipelinesError else { return false }
            return field == "task" && reason.contains("columns: text, adapter")
        }
    }
}
