import Cleaning
import Foundation
import LabelModels
import Labeling
import Merging
import Tabular

extension PipelineSpec {
    /// The keys of the top-level mapping.
    public static let topLevelKeys = ["pipeline", "classes", "description", "steps"]
    /// The keys every step takes.
    public static let commonStepKeys = ["kind", "description"]
    /// The keys of each kind of step, beside ``commonStepKeys``.
    public static let stepKeys: [StepKind: [String]] = [
        .data: [
            "format", "paths", "path", "text_field", "label_field", "split", "limit", "store", "dataset", "version",
            "crowd", "gold_path", "columns", "quoting",
        ],
        .clean: ["input", "constraints", "drop_failing", "drop_duplicates"],
        .apply: ["input", "lfs"],
        .labelModel: ["input", "method", "use_dev_set", "seed", "class_balance"],
        .train: [
            "input", "model", "rank", "alpha", "epochs", "learning_rate", "batch_size", "max_length", "seed",
            "fisher_samples", "gram_samples",
        ],
        .merge: ["inputs", "adapters", "method", "weights", "density", "seed"],
        .select: ["inputs", "evaluation", "split", "metric", "mode", "exemplars", "text_field", "task_field"],
        .register: ["input", "repository", "branch", "message"],
        .deploy: [
            "input", "host", "port", "hot_bytes", "warm_bytes", "max_active_adapters", "cycle_time_ms",
            "max_batch_tokens",
        ],
    ]
    /// The keys of a data step's `split` mapping.
    public static let splitKeys = ["valid", "test", "seed"]
    /// The keys of a data step's `crowd` mapping.
    public static let crowdKeys = ["item", "worker", "answer"]
    /// The metrics a `select` step ranks by.
    public static let selectionMetrics = ["accuracy", "f1", "f1_macro"]
    /// The splits a `select` step evaluates on.
    public static let selectionSplits = ["valid", "test"]

    /// Reads a pipeline spec file (YAML, or strict JSON for `.json`) and checks it: every key, every value, every
    /// step reference, the graph (no cycle) and the artifact types between steps. Missing files are checked by
    /// ``validate()``, which ``PipelineRunner`` calls before any step runs.
    ///
    /// - Parameter url: the spec file; relative paths in it are resolved against its folder.
    /// - Returns: the spec.
    /// - Throws: ``PipelinesError/invalidSpec(path:line:key:reason:)`` naming the file, line and key and listing the
    ///   valid choices; ``PipelinesError/cycle(steps:)``; ``PipelinesError/inputTypeMismatch(step:input:expected:found:)``;
    ///   ``PipelinesError/invalidSpec(path:line:key:reason:)`` for an unreadable spec file too.
    public static func load(_ url: URL) throws -> PipelineSpec {
        let document: SpecDocument
        do {
            document = try SpecDocument.load(url)
        } catch TabularError.fileUnreadable(let path, let reason) {
            throw PipelinesError.invalidSpec(
                path: path, line: nil, key: "-", reason: "cannot read the pipeline spec (\(reason))")
        } catch {
            throw PipelineSpecReader.converted(error)
        }
        return try PipelineSpecReader.decode(document.root, baseDirectory: url.deletingLastPathComponent())
    }

    /// Parses pipeline spec text (YAML) and checks it as ``load(_:)`` does.
    ///
    /// - Parameters:
    ///   - text: the YAML text.
    ///   - source: the file path or label errors name.
    ///   - baseDirectory: the folder relative paths are resolved against (nil: the working directory).
    /// - Throws: as ``load(_:)``.
    public static func parse(_ text: String, source: String = "<memory>", baseDirectory: URL? = nil) throws
        -> PipelineSpec
    {
        let document: SpecDocument
        do {
            document = try SpecDocument(parsing: text, format: .yaml, source: source)
        } catch {
            throw PipelineSpecReader.converted(error)
        }
        return try PipelineSpecReader.decode(document.root, baseDirectory: baseDirectory)
    }
}

/// Reads the YAML tree of a pipeline spec into a ``PipelineSpec``.
enum PipelineSpecReader {
    /// Spec-reader errors as ``PipelinesError/invalidSpec(path:line:key:reason:)``.
    static func converted(_ error: any Error) -> any Error {
        switch error {
        case TabularError.invalidSpec(let path, let line, let key, let reason):
            return PipelinesError.invalidSpec(path: path, line: line, key: key ?? "-", reason: reason)
        case TabularError.invalidUTF8(let path, let line):
            return PipelinesError.invalidSpec(path: path, line: line, key: "-", reason: "the file is not UTF-8 text")
        default:
            return error
        }
    }

    static func decode(_ root: SpecNode, baseDirectory: URL?) throws -> PipelineSpec {
        let spec: PipelineSpec
        do {
            spec = try read(root, baseDirectory: baseDirectory)
        } catch {
            throw converted(error)
        }
        try spec.validateStructure()
        return spec
    }

    static func read(_ root: SpecNode, baseDirectory: URL?) throws -> PipelineSpec {
        try root.checkKeys(PipelineSpec.topLevelKeys)
        let name = try root.required("pipeline").nonEmptyString()
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }),
            !name.hasPrefix(".")
        else {
            throw try root.required("pipeline").error(
                "'\(name)' names the run directory: use letters, digits, '-', '_' and '.' (not first)")
        }
        let classesNode = try root.required("classes")
        let classes = try classesNode.strings()
        guard classes.count >= 2, Set(classes).count == classes.count, !classes.contains("") else {
            throw classesNode.error("expected at least two distinct, non-empty class names")
        }
        let stepsNode = try root.required("steps")
        let entries = try stepsNode.entries()
        guard !entries.isEmpty else { throw stepsNode.error("expected at least one step") }
        var steps: [PipelineStep] = []
        for (stepName, node) in entries {
            steps.append(try step(named: stepName, node.describing("step '\(stepName)'"), stepsNode: stepsNode))
        }
        return PipelineSpec(
            name: name, classes: classes, steps: steps, source: root.source, baseDirectory: baseDirectory)
    }

    static func step(named name: String, _ node: SpecNode, stepsNode: SpecNode) throws -> PipelineStep {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw stepsNode.error(
                key: name, "step names use letters, digits, '-' and '_' (they name folders), found '\(name)'")
        }
        try node.requireMap()
        let kind = try node.required("kind").choice(StepKind.self)
        try node.checkKeys(PipelineSpec.commonStepKeys + (PipelineSpec.stepKeys[kind] ?? []))
        let action: StepAction
        switch kind {
        case .data: action = .data(try data(node))
        case .clean:
            action = .clean(
                CleanStep(
                    input: try node.required("input").nonEmptyString(),
                    constraints: try source(node.required("constraints")) { try ConstraintSpec.decode($0) },
                    dropFailing: try node.optional("drop_failing")?.bool() ?? true,
                    dropDuplicates: try node.optional("drop_duplicates")?.bool() ?? false))
        case .apply:
            action = .apply(
                ApplyStep(
                    input: try node.required("input").nonEmptyString(),
                    labelingFunctions: try source(node.required("lfs")) { node in
                        // The source is not part of what the functions do: equal to the same functions built in Swift.
                        let read = try LFSpec.decode(node)
                        return LFSpec(
                            classNames: read.classNames, labelingFunctions: read.labelingFunctions,
                            classBalance: read.classBalance)
                    }))
        case .labelModel:
            let methodNode = try node.optional("method")
            let method = try methodNode?.choice(LabelModelMethod.self).rawValue ?? "auto"
            action = .labelModel(
                LabelModelStep(
                    input: try node.required("input").nonEmptyString(), method: method,
                    useDevSet: try node.optional("use_dev_set")?.bool() ?? false,
                    seed: try uint64(node.optional("seed")) ?? 0,
                    classBalance: try classBalance(node.optional("class_balance"))))
        case .train: action = .train(try train(node))
        case .merge:
            let methodNode = try node.optional("method")
            let method = try methodNode?.choice(MergeMethod.self).rawValue ?? "linear"
            action = .merge(
                MergeStep(
                    inputs: try node.optional("inputs")?.strings(acceptingSingleValue: true) ?? [],
                    adapters: try node.optional("adapters")?.strings(acceptingSingleValue: true) ?? [],
                    method: method, weights: try node.optional("weights")?.list().map { try $0.double() },
                    density: try node.optional("density")?.double(), seed: try uint64(node.optional("seed")) ?? 0))
        case .select:
            action = .select(
                SelectStep(
                    inputs: try node.required("inputs").strings(acceptingSingleValue: true),
                    evaluation: try node.required("evaluation").nonEmptyString(),
                    split: try node.optional("split")?.choice(of: PipelineSpec.selectionSplits) ?? "valid",
                    metric: try node.optional("metric")?.choice(of: PipelineSpec.selectionMetrics) ?? "accuracy",
                    mode: try node.optional("mode")?.choice(SelectStep.Mode.self) ?? .best,
                    exemplars: try node.optional("exemplars")?.nonEmptyString(),
                    textField: try node.optional("text_field")?.nonEmptyString() ?? "text",
                    taskField: try node.optional("task_field")?.nonEmptyString() ?? "task"))
        case .register:
            action = .register(
                RegisterStep(
                    input: try node.required("input").nonEmptyString(),
                    repository: try node.required("repository").nonEmptyString(),
                    branch: try node.optional("branch")?.nonEmptyString() ?? "main",
                    message: try node.optional("message")?.nonEmptyString()))
        case .deploy:
            action = .deploy(
                DeployStep(
                    input: try node.required("input").nonEmptyString(),
                    host: try node.optional("host")?.nonEmptyString() ?? "127.0.0.1",
                    port: try node.optional("port")?.int() ?? 8080, hotBytes: try node.optional("hot_bytes")?.int(),
                    warmBytes: try node.optional("warm_bytes")?.int(),
                    maxActiveAdapters: try node.optional("max_active_adapters")?.int(),
                    cycleTimeMilliseconds: try node.optional("cycle_time_ms")?.int(),
                    maxBatchTokens: try node.optional("max_batch_tokens")?.int()))
        }
        var locations: [String: SpecLocation] = [:]
        for key in node.keys { locations[key] = node.location(ofKey: key) }
        return PipelineStep(
            name: name, action: action, location: stepsNode.location(ofKey: name) ?? node.location,
            keyLocations: locations)
    }

    static func data(_ node: SpecNode) throws -> DataStep {
        if node["paths"] != nil, let single = node["path"] {
            throw single.error("give 'paths' or 'path', not both")
        }
        let paths = try (node["paths"] ?? node["path"])?.strings(acceptingSingleValue: true) ?? []
        let format: DataStep.Format
        if let formatNode = try node.optional("format") {
            format = try formatNode.choice(DataStep.Format.self)
        } else if node["store"] != nil {
            format = .store
        } else if let first = paths.first {
            switch URL(fileURLWithPath: first).pathExtension.lowercased() {
            case "csv": format = .csv
            case "tsv", "tab": format = .tsv
            case "jsonl", "ndjson": format = .jsonl
            case "": format = .wrench
            default:
                throw node.error(
                    key: "format", "cannot tell the format of '\(first)': add 'format: csv' (or tsv, jsonl, wrench)")
            }
        } else {
            throw node.error(key: "format", "missing key 'format' (csv, tsv, jsonl, wrench, crowd or store)")
        }
        var split: DataStep.Split?
        if let splitNode = try node.optional("split") {
            try splitNode.checkKeys(PipelineSpec.splitKeys)
            split = DataStep.Split(
                valid: try splitNode.optional("valid")?.double() ?? 0.1,
                test: try splitNode.optional("test")?.double() ?? 0.2,
                seed: try uint64(splitNode.optional("seed")) ?? 0)
        }
        var crowd: DataStep.CrowdColumns?
        if let crowdNode = try node.optional("crowd") {
            try crowdNode.checkKeys(PipelineSpec.crowdKeys)
            crowd = DataStep.CrowdColumns(
                item: try crowdNode.required("item").nonEmptyString(),
                worker: try crowdNode.required("worker").nonEmptyString(),
                answer: try crowdNode.required("answer").nonEmptyString())
        }
        var step = DataStep(
            format: format, paths: paths, textField: try node.required("text_field").nonEmptyString(),
            labelField: try node.optional("label_field")?.nonEmptyString(), split: split,
            limit: try node.optional("limit")?.int(), store: try node.optional("store")?.nonEmptyString(),
            dataset: try node.optional("dataset")?.nonEmptyString(),
            version: try node.optional("version")?.nonEmptyString(), crowd: crowd,
            goldPath: try node.optional("gold_path")?.nonEmptyString())
        if let columnsNode = try node.optional("columns") {
            let names = try columnsNode.strings()
            guard !names.isEmpty, Set(names).count == names.count, !names.contains("") else {
                throw node.error(key: "columns", "expected a list of distinct, non-empty column names")
            }
            step.columns = names
        }
        if let quoting = try node.optional("quoting") { step.quoting = try quoting.bool() }
        return step
    }

    static func train(_ node: SpecNode) throws -> TrainStep {
        let defaults = TrainStep(input: "", model: "")
        return TrainStep(
            input: try node.required("input").nonEmptyString(), model: try node.required("model").nonEmptyString(),
            rank: try node.optional("rank")?.int() ?? defaults.rank,
            alpha: try node.optional("alpha")?.double() ?? defaults.alpha,
            epochs: try node.optional("epochs")?.int() ?? defaults.epochs,
            learningRate: try node.optional("learning_rate")?.double() ?? defaults.learningRate,
            batchSize: try node.optional("batch_size")?.int() ?? defaults.batchSize,
            maxLength: try node.optional("max_length")?.int() ?? defaults.maxLength,
            seed: try uint64(node.optional("seed")) ?? defaults.seed,
            fisherSamples: try node.optional("fisher_samples")?.int() ?? defaults.fisherSamples,
            gramSamples: try node.optional("gram_samples")?.int() ?? defaults.gramSamples)
    }

    /// A file reference (a text value) or an inline value (anything else, read by `decode`).
    static func source<Value>(_ node: SpecNode, decode: (SpecNode) throws -> Value) throws -> SpecSource<Value> {
        if node.kind == .scalar { return .file(try node.nonEmptyString()) }
        return .inline(try decode(node))
    }

    /// A label-model step's `class_balance`: `lfs`, `uniform`, `estimated`, or a list of shares (checked against the
    /// classes by validation).
    static func classBalance(_ node: SpecNode?) throws -> LabelModelStep.ClassBalanceSetting {
        guard let node else { return .lfs }
        if node.kind == .list { return .given(try node.list().map { try $0.double() }) }
        switch try node.nonEmptyString() {
        case "lfs": return .lfs
        case "uniform": return .uniform
        case "estimated": return .estimated
        case let other:
            throw node.error(
                "unknown class balance '\(other)'; valid values: lfs, uniform, estimated, or a list of shares")
        }
    }

    static func uint64(_ node: SpecNode?) throws -> UInt64? {
        guard let node else { return nil }
        guard let text = node.scalarText, let value = UInt64(text) else {
            throw node.error("expected a whole number ≥ 0")
        }
        return value
    }
}
