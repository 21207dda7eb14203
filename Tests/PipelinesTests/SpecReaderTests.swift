import Foundation
import FoundryTestSupport
import Labeling
import Testing

@testable import Pipelines

@Suite("Pipeline spec reader and validation")
struct SpecReaderTests {
    static let complete = """
        pipeline: youtube-spam
        classes: [HAM, SPAM]
        steps:
          comments: {kind: data, format: csv, paths: [a.csv, b.csv], text_field: CONTENT, label_field: CLASS, split: {valid: 0.1, test: 0.2, seed: 0}}
          clean:    {kind: clean, input: comments, constraints: constraints.yaml}
          votes:
            kind: apply
            input: clean
            lfs:
              - {name: link, kind: regex, pattern: 'https?://', label: SPAM}
          labels:   {kind: label_model, input: votes, method: auto, use_dev_set: true}
          adapter:  {kind: train, input: labels, model: model, epochs: 3, learning_rate: 0.001, batch_size: 8}
          registry: {kind: register, input: adapter, repository: repo, branch: youtube}
          serve:    {kind: deploy, input: registry, port: 8080, cycle_time_ms: 5}
        """

    func parseError(_ text: String, source: String = "p.yaml") -> PipelinesError? {
        do {
            _ = try PipelineSpec.parse(text, source: source)
            return nil
        } catch let error as PipelinesError {
            return error
        } catch {
            return .stepFailed(step: "-", reason: "unexpected \(error)")
        }
    }

    @Test("the contract's example reads into the typed spec")
    func readsComplete() throws {
        let spec = try PipelineSpec.parse(Self.complete, source: "p.yaml")
        #expect(spec.name == "youtube-spam")
        #expect(spec.classes == ["HAM", "SPAM"])
        #expect(spec.steps.map(\.name) == ["comments", "clean", "votes", "labels", "adapter", "registry", "serve"])
        let data = DataStep(
            format: .csv, paths: ["a.csv", "b.csv"], textField: "CONTENT", labelField: "CLASS",
            split: .init(valid: 0.1, test: 0.2, seed: 0))
        #expect(spec.step(named: "comments")?.action == .data(data))
        #expect(
            spec.step(named: "clean")?.action
                == .clean(CleanStep(input: "comments", constraints: .file("constraints.yaml"))))
        var link = LabelingFunctionSpec(name: "link", kind: .regex, label: "SPAM")
        link.pattern = "https?://"
        #expect(
            spec.step(named: "votes")?.action
                == .apply(ApplyStep(input: "clean", labelingFunctions: .inline(LFSpec(labelingFunctions: [link])))))
        #expect(
            spec.step(named: "labels")?.action
                == .labelModel(LabelModelStep(input: "votes", method: "auto", useDevSet: true)))
        #expect(
            spec.step(named: "adapter")?.action
                == .train(TrainStep(input: "labels", model: "model", epochs: 3, learningRate: 0.001, batchSize: 8)))
        #expect(
            spec.step(named: "registry")?.action
                == .register(RegisterStep(input: "adapter", repository: "repo", branch: "youtube")))
        #expect(
            spec.step(named: "serve")?.action
                == .deploy(DeployStep(input: "registry", port: 8080, cycleTimeMilliseconds: 5)))
        #expect(spec.step(named: "votes")?.location?.line == 6)
    }

    @Test("a single path, and the format from the extension")
    func singlePath() throws {
        let spec = try PipelineSpec.parse(
            "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: x.jsonl, text_field: t}\n")
        #expect(spec.steps[0].action == .data(DataStep(format: .jsonl, paths: ["x.jsonl"], textField: "t")))
    }

    @Test("an unknown key names the file, line and key and lists the valid keys")
    func unknownKey() throws {
        let text = "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: x.csv, text_feild: t}\n"
        let error = try #require(parseError(text))
        guard case .invalidSpec(let path, let line, let key, let reason) = error else {
            Issue.record("expected invalidSpec, got \(error)")
            return
        }
        #expect(path == "p.yaml" && line == 4 && key == "steps.d.text_feild")
        #expect(reason.contains("valid keys: kind, description, format, paths, path, text_field"))
        #expect(reason.contains("did you mean 'text_field'?"))
        let top = try #require(parseError("pipeline: p\nclasses: [a, b]\nstep: {}\n"))
        #expect("\(top)".contains("unknown key 'step'") && "\(top)".contains("did you mean 'steps'?"))
    }

    @Test("an unknown kind lists the kinds")
    func unknownKind() throws {
        let error = try #require(parseError("pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: dta}\n"))
        #expect("\(error)".contains("p.yaml:4"))
        #expect(
            "\(error)".contains("valid values: data, clean, apply, label_model, train, merge, select, register, deploy")
        )
        #expect("\(error)".contains("did you mean 'data'?"))
    }

    @Test("an input naming no step lists the steps")
    func unknownInput() throws {
        let text =
            "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: x.csv, text_field: t}\n  v: {kind: apply, input: dd, lfs: l.yaml}\n"
        let error = try #require(parseError(text))
        #expect(
            error
                == .invalidSpec(
                    path: "p.yaml", line: 5, key: "steps.v.input",
                    reason: "step 'v': no step named 'dd'; steps: d, v; did you mean 'd'?"))
    }

    @Test("a cycle names the steps around it")
    func cycle() throws {
        let text = """
            pipeline: p
            classes: [a, b]
            steps:
              d: {kind: data, path: x.csv, text_field: t}
              a: {kind: clean, input: c, constraints: c.yaml}
              b: {kind: clean, input: a, constraints: c.yaml}
              c: {kind: clean, input: b, constraints: c.yaml}
            """
        #expect(parseError(text) == .cycle(steps: ["a", "b", "c"]))
        #expect("\(PipelinesError.cycle(steps: ["a", "b", "c"]))".contains("a → b → c → a"))
    }

    @Test("a step reading the wrong type of artifact")
    func typeMismatch() throws {
        let text = """
            pipeline: p
            classes: [a, b]
            steps:
              d: {kind: data, path: x.csv, text_field: t}
              m: {kind: train, input: d, model: m}
            """
        #expect(parseError(text) == .inputTypeMismatch(step: "m", input: "d", expected: "soft_labels", found: "table"))
        let labelModelOnTable = """
            pipeline: p
            classes: [a, b]
            steps:
              d: {kind: data, path: x.csv, text_field: t}
              l: {kind: label_model, input: d}
            """
        #expect(
            parseError(labelModelOnTable)
                == .inputTypeMismatch(step: "l", input: "d", expected: "votes", found: "table"))
        // A WRENCH folder produces votes and its table.
        let wrench = """
            pipeline: p
            classes: [a, b]
            steps:
              d: {kind: data, format: wrench, path: folder, text_field: t}
              l: {kind: label_model, input: d}
              c: {kind: clean, input: d, constraints: c.yaml}
            """
        #expect(parseError(wrench) == nil)
    }

    @Test("bad values: epochs, fractions, label-model and merge methods, ports")
    func badValues() throws {
        func spec(_ steps: String) -> String {
            "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: x.csv, text_field: t}\n" + steps
        }
        let trainChain = "  v: {kind: apply, input: d, lfs: l.yaml}\n  l: {kind: label_model, input: v}\n"
        let epochs = try #require(parseError(spec(trainChain + "  t: {kind: train, input: l, model: m, epochs: -1}\n")))
        #expect(
            epochs
                == .invalidSpec(
                    path: "p.yaml", line: 7, key: "steps.t.epochs",
                    reason: "step 't': expected at least 1 epoch, found -1"))
        let split = try #require(
            parseError(
                "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: x.csv, text_field: t, split: {valid: 1.5}}\n"
            ))
        #expect("\(split)".contains("valid must be in [0, 1), found 1.5"))
        let method = try #require(
            parseError(
                spec("  v: {kind: apply, input: d, lfs: l.yaml}\n  l: {kind: label_model, input: v, method: snorkel}\n")
            ))
        #expect("\(method)".contains("unknown value 'snorkel'; valid values: mv, wmv, ds, moments, triplet, auto"))
        let merge = try #require(
            parseError(
                spec(
                    trainChain
                        + "  t: {kind: train, input: l, model: m}\n  g: {kind: merge, inputs: [t], adapters: [x], method: tie}\n"
                )))
        #expect("\(merge)".contains("unknown value 'tie'") && "\(merge)".contains("did you mean 'ties'?"))
        let port = try #require(
            parseError(
                spec(
                    trainChain + "  t: {kind: train, input: l, model: m}\n  s: {kind: deploy, input: t, port: 70000}\n")
            ))
        #expect("\(port)".contains("expected a port in 0…65535"))
        let single = try #require(
            parseError(spec(trainChain + "  t: {kind: train, input: l, model: m}\n  g: {kind: merge, inputs: [t]}\n")))
        #expect("\(single)".contains("a merge needs at least two adapters"))
    }

    @Test("the Swift value gets the same checks as the file")
    func dslValidation() throws {
        let spec = PipelineSpec(
            name: "p", classes: ["a", "b"],
            steps: [
                PipelineStep(name: "d", action: .data(DataStep(format: .csv, paths: ["x.csv"], textField: "t"))),
                PipelineStep(name: "l", action: .labelModel(LabelModelStep(input: "d", method: "mv"))),
            ])
        #expect(throws: PipelinesError.inputTypeMismatch(step: "l", input: "d", expected: "votes", found: "table")) {
            try spec.validateStructure()
        }
    }

    @Test("missing files: data, functions, constraints, model folder, merged adapters")
    func missingFiles() throws {
        let directory = TemporaryDirectory()
        try directory.write("x.csv", "t\nhello\n")
        try directory.write("l.yaml", "classes: [a, b]\nlfs: [{name: f, kind: keyword, keywords: [x], label: a}]\n")
        let base = "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: x.csv, text_field: t}\n"
        func missing(_ steps: String) throws -> PipelinesError? {
            let spec = try PipelineSpec.parse(base + steps, source: "p.yaml", baseDirectory: directory.url)
            do {
                try spec.validate()
                return nil
            } catch let error as PipelinesError {
                return error
            }
        }
        #expect(try missing("") == nil)
        let noData = try PipelineSpec.parse(
            base.replacingOccurrences(of: "x.csv", with: "y.csv"), source: "p.yaml", baseDirectory: directory.url)
        #expect(
            throws: PipelinesError.missingFile(
                step: "d", key: "paths", path: directory.file("y.csv").standardizedFileURL.path)
        ) {
            try noData.validate()
        }
        #expect(
            try missing("  v: {kind: apply, input: d, lfs: nope.yaml}\n")
                == .missingFile(step: "v", key: "lfs", path: directory.file("nope.yaml").standardizedFileURL.path))
        #expect(
            try missing("  c: {kind: clean, input: d, constraints: c.yaml}\n")
                == .missingFile(step: "c", key: "constraints", path: directory.file("c.yaml").standardizedFileURL.path))
        let chain =
            "  v: {kind: apply, input: d, lfs: l.yaml}\n  l: {kind: label_model, input: v}\n  t: {kind: train, input: l, model: encoder}\n"
        #expect(
            try missing(chain)
                == .missingFile(step: "t", key: "model", path: directory.file("encoder").standardizedFileURL.path))
        try FileManager.default.createDirectory(at: directory.file("encoder"), withIntermediateDirectories: true)
        #expect(try missing(chain) == nil)
        #expect(
            try missing(chain + "  g: {kind: merge, inputs: [t], adapters: [other]}\n")
                == .missingFile(step: "g", key: "adapters", path: directory.file("other").standardizedFileURL.path))
    }

    @Test("${NAME} expands environment variables; FOUNDRY_DATA defaults to ../shared/datasets")
    func environment() throws {
        let base = URL(fileURLWithPath: "/specs")
        let cwd = URL(fileURLWithPath: "/work/repo")
        let paths = SpecPaths(baseDirectory: base, environment: ["HOME_DATA": "/data"], workingDirectory: cwd)
        #expect(try paths.url("${HOME_DATA}/a.csv").path == "/data/a.csv")
        #expect(try paths.url("${FOUNDRY_DATA}/a.csv").path == "/work/shared/datasets/a.csv")
        #expect(try paths.url("x/a.csv").path == "/specs/x/a.csv")
        let set = SpecPaths(baseDirectory: base, environment: ["FOUNDRY_DATA": "/d"], workingDirectory: cwd)
        #expect(try set.url("${FOUNDRY_DATA}/a.csv").path == "/d/a.csv")
        #expect(throws: SpecPaths.UnsetVariable(name: "NOPE")) { try paths.url("${NOPE}/a.csv") }
        let spec = try PipelineSpec.parse(
            "pipeline: p\nclasses: [a, b]\nsteps:\n  d: {kind: data, path: '${NOPE}/x.csv', text_field: t}\n",
            source: "p.yaml")
        #expect(throws: PipelinesError.self) { try spec.validate(environment: [:]) }
    }

    @Test("a labeling function with an unknown class stops the run before any step")
    func badFunctionBeforeRunning() throws {
        let directory = TemporaryDirectory()
        try directory.write("x.csv", "t\nhello\n")
        try directory.write("l.yaml", "lfs: [{name: f, kind: keyword, keywords: [x], label: SPAMM}]\n")
        let url = try directory.write(
            "p.yaml",
            "pipeline: p\nclasses: [HAM, SPAM]\nsteps:\n  d: {kind: data, path: x.csv, text_field: t}\n  v: {kind: apply, input: d, lfs: l.yaml}\n"
        )
        let runner = PipelineRunner(spec: try PipelineSpec.load(url), runDirectory: directory.file("run"))
        #expect {
            try runner.run()
        } throws: { error in
            "\(error)".contains("l.yaml") && "\(error)".contains("unknown class 'SPAMM'")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/cache").path))
    }
}
