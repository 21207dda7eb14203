import Foundation
import FoundryTestSupport
import Cleaning
import Labeling
import Testing

@testable import Pipelines

@Suite("Example pipeline specs")
struct ExampleSpecsTests {
    @Test("each example's pipeline.yaml reads equal to its DSL value", arguments: ExampleSpecs.names)
    func yamlEqualsDSL(name: String) throws {
        let example = (name: name, spec: ExampleSpecs.spec(name))
        let read = try PipelineSpec.load(ExampleSpecs.file(example.name))
        #expect(read.steps.map(\.name) == example.spec.steps.map(\.name))
        for (fromYAML, fromSwift) in zip(read.steps, example.spec.steps) {
            #expect(fromYAML == fromSwift, "\(example.name): step \(fromSwift.name)")
        }
        #expect(read == example.spec)
        #expect(read.baseDirectory?.standardizedFileURL.path == example.spec.baseDirectory?.standardizedFileURL.path)
    }

    @Test(
        "each example validates against the real data and model",
        .enabled(if: TestData.model != nil && TestData.datasetsDirectory != nil), arguments: ExampleSpecs.names)
    func examplesValidate(name: String) throws {
        let example = (name: name, spec: ExampleSpecs.spec(name))
        var environment = ProcessInfo.processInfo.environment
        environment["FOUNDRY_DATA"] = TestData.datasetsDirectory?.path
        try PipelineSpec.load(ExampleSpecs.file(example.name)).validate(environment: environment)
        try example.spec.validate(environment: environment)
    }

    @Test("inline functions and constraints in YAML read equal to the DSL's")
    func inlineYAMLEqualsDSL() throws {
        let yaml = """
            pipeline: inline
            classes: [HAM, SPAM]
            steps:
              comments: {kind: data, format: csv, path: comments.csv, text_field: text, limit: 10}
              clean:
                kind: clean
                input: comments
                constraints:
                  constraints:
                    - {kind: not_null, column: text}
                    - {kind: length, column: text, min: 2}
              votes:
                kind: apply
                input: clean
                lfs:
                  - {name: link, kind: regex, pattern: 'https?://', label: SPAM}
                  - {name: short, kind: threshold, measure: word_count, less_than: 4, label: HAM}
                  - {name: music, kind: lexicon, words: [song, beat], label: HAM}
                  - {name: subscribe, kind: keyword, keywords: [subscribe, sub4sub], label: SPAM}
              labels: {kind: label_model, input: votes, method: mv}
            """
        let read = try PipelineSpec.parse(yaml, source: "inline.yaml", baseDirectory: nil)
        let built = Pipeline("inline", classes: ["HAM", "SPAM"]) {
            Corpus("comments", csv: ["comments.csv"], textField: "text", limit: 10)
            Clean("clean", input: "comments") {
                NotNull("text")
                Length("text", minimum: 2)
            }
            Apply(
                "votes", input: "clean",
                functions: [
                    .regex("link", "https?://", label: "SPAM"),
                    .threshold("short", .lessThan(4), measure: .wordCount, label: "HAM"),
                    .lexicon("music", ["song", "beat"], label: "HAM"),
                    .keyword("subscribe", ["subscribe", "sub4sub"], label: "SPAM"),
                ])
            FitLabelModel("labels", input: "votes", method: "mv")
        }
        for (fromYAML, fromSwift) in zip(read.steps, built.steps) {
            #expect(fromYAML == fromSwift, "step \(fromSwift.name)")
        }
        #expect(read == built)
    }

    @Test("every example folder has its spec, its README and the files its steps name", arguments: ExampleSpecs.names)
    func filesExist(name: String) throws {
        let example = (name: name, spec: ExampleSpecs.spec(name))
        let folder = ExampleSpecs.folder(example.name)
        for file in ["pipeline.yaml", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        for step in example.spec.steps {
            var files: [String] = []
            if case .apply(let apply) = step.action, case .file(let path) = apply.labelingFunctions {
                files.append(path)
            }
            if case .clean(let clean) = step.action, case .file(let path) = clean.constraints { files.append(path) }
            if case .train(let train) = step.action { files.append(train.model + "/config.json") }
            for path in files {
                let url = folder.appendingPathComponent(path).standardizedFileURL
                let isModel = path.contains(".models/")
                if isModel && TestData.model == nil { continue }
                #expect(FileManager.default.fileExists(atPath: url.path), "step \(step.name): \(path)")
            }
        }
    }

    @Test("every step's inputs name an earlier step, and names are unique", arguments: ExampleSpecs.names)
    func inputsNameEarlierSteps(name: String) {
        let example = (name: name, spec: ExampleSpecs.spec(name))
        var seen = Set<String>()
        for step in example.spec.steps {
            for input in step.action.inputs {
                #expect(seen.contains(input), "\(example.name): step \(step.name) reads \(input)")
            }
            #expect(seen.insert(step.name).inserted, "\(example.name): \(step.name) twice")
        }
    }

    @Test("the LF files of the examples read with the LF spec reader, ten functions each")
    func labelingFunctionFiles() throws {
        for name in ["youtube", "sms"] {
            let spec = try LFSpec.load(ExampleSpecs.folder(name).appendingPathComponent("lfs.yaml"))
            #expect(spec.labelingFunctions.count == 10, "\(name)")
        }
        let youtube = try LFSpec.load(ExampleSpecs.folder("youtube").appendingPathComponent("lfs.yaml"))
        // The names of Examples/spam-labeling's functions, in its order.
        #expect(
            youtube.labelingFunctions.map(\.name) == [
                "mentions_my_channel", "asks_to_subscribe", "asks_politely", "has_link", "check_out",
                "money_or_prizes", "talks_about_music", "expresses_love", "short_comment", "mostly_capitals",
            ])
    }

    @Test("the capitals regex stands in for the Swift example's closure on clear cases")
    func capitalsRegex() throws {
        let spec = try LFSpec.load(ExampleSpecs.folder("youtube").appendingPathComponent("lfs.yaml"))
        let capitals = try #require(spec.labelingFunctions.first { $0.name == "mostly_capitals" })
        let pattern = try TextPattern(try #require(capitals.pattern), ignoresCase: capitals.ignoreCase)
        #expect(pattern.matches("CHECK OUT MY CHANNEL NOW!!!"))
        #expect(pattern.matches("SUBSCRIBE TO ÉMILE'S PAGE 4 FREE"))
        #expect(!pattern.matches("SHORT ONE"))  // fewer than 12 capitals
        #expect(!pattern.matches("CHECK OUT MY CHANNEL now"))  // a lowercase letter
        #expect(!pattern.matches("I love this song so much"))
    }
}
