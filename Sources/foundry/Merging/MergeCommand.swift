import Adapters
import ArgumentParser
import Foundation
import Merging
import Tensors

/// `foundry merge …`: merge adapters or full checkpoints, report conflicts, evaluate merges.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge LoRA adapters or full checkpoints; report conflicts first; evaluate what a merge keeps.",
        discussion: """
            `foundry merge --adapters A,B --method ties --out DIR` merges adapters (PEFT layout) in exact ΔW space \
            (--peft-compatible reproduces PEFT's add_weighted_adapter); `foundry merge --models T1,T2 --base DIR \
            --method ties --out DIR` merges full checkpoints (Hugging Face layout, single-file or sharded; F32, F16, \
            BF16 or F64, computed in Float32 and written in the base's dtype and layout) with mergekit's methods.
            """,
        subcommands: [
            MergeApplyCommand.self, MergeConflictsCommand.self, MergeEvaluateCommand.self, MergeGramCommand.self,
        ],
        defaultSubcommand: MergeApplyCommand.self)
}

/// Parsing helpers of the merge commands.
enum MergeCLI {
    /// `name=DIR` or `DIR` entries of a comma-separated list: (task name, folder).
    static func namedFolders(_ list: String) -> [(name: String, url: URL)] {
        list.split(separator: ",").map { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            if let equals = text.firstIndex(of: "="), !text[..<equals].contains("/") {
                let url = URL(fileURLWithPath: String(text[text.index(after: equals)...]))
                return (String(text[..<equals]), url)
            }
            let url = URL(fileURLWithPath: text)
            return (url.standardizedFileURL.lastPathComponent, url)
        }
    }

    /// Comma-separated finite numbers.
    static func numbers(_ list: String, option: String) throws -> [Double] {
        try list.split(separator: ",").map { item in
            guard let value = Double(item.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw ValidationError("\(option): \"\(item)\" is not a finite number")
            }
            return value
        }
    }

    /// Loads the adapters of `--adapters`.
    static func loadAdapters(
        _ list: String, modelDirectory: String, fisher: Bool = false, grams: Bool = false
    ) throws -> (BertModel, [AdapterMergeInput]) {
        let model = try BertModel(directory: URL(fileURLWithPath: modelDirectory))
        let inputs = try namedFolders(list).map { name, url in
            try AdapterMergeInput.load(directory: url, name: name, model: model, fisher: fisher, grams: grams)
        }
        return (model, inputs)
    }
}

/// `foundry merge [apply]`: the merge itself.
struct MergeApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Merge adapters (--adapters) or full checkpoints (--models, --base) into --out.")

    @OptionGroup var sources: MergeInputOptions

    @Option(
        help:
            "One weight per input, comma-separated (default: 1 each for task_arithmetic, dare_*, breadcrumbs, magnitude_prune, tsv; else equal weights summing to 1)."
    )
    var weights: String?

    @Option(
        help: ArgumentHelp(
            "The merge method.",
            discussion: MergeMethod.allCases.map(\.rawValue).joined(separator: ", ")))
    var method: String

    @Option(help: "Kept fraction for ties, dare_*, breadcrumbs, magnitude_prune* (default 0.5).")
    var density: Double?

    @Option(help: "Breadcrumbs' fraction of largest magnitudes dropped (default 0.01).")
    var gamma: Double = 0.01

    @Option(help: "Rank of the merged adapter (default: Σ ranks in ΔW space; PEFT's default with --peft-compatible).")
    var rank: Int?

    @Option(
        name: .customLong("lambda"),
        help:
            "λ scaling the merged task vector: task_arithmetic, ties, dare_*, breadcrumbs, magnitude_prune, tsv (default 1)."
    )
    var lambda: Float = 1

    @Flag(help: "Reproduce PEFT's add_weighted_adapter arithmetic (factor space) instead of the exact ΔW merge.")
    var peftCompatible = false

    @Flag(help: "The adapter file's head is the weighted average of the tasks' heads (one label space).")
    var averageHeads = false

    @Option(
        help:
            "A classifier head for the adapter file (safetensors with classifier.weight [classes, hidden] and classifier.bias), as PEFT keeps the base model's."
    )
    var head: String?

    @Option(help: "RegMean's scaling of off-diagonal Gram entries, in [0, 1].")
    var regmeanAlpha: Float = 0.9

    @Option(help: "Seed of DARE's masks.")
    var seed: UInt64 = 0

    @Option(help: "Output folder (written to a temporary folder, then renamed into place).")
    var out: String

    @Option(help: "Commit the merged folder to a model repository, REPO[:BRANCH], with its provenance.")
    var commit: String?

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    var parsedMethod: MergeMethod? { MergeMethod(rawValue: method) }

    func validate() throws {
        try sources.validateOneKind()
        guard let parsedMethod else {
            throw ValidationError(
                "--method must be one of \(MergeMethod.allCases.map(\.rawValue).joined(separator: ", ")), got \(method)"
            )
        }
        let count = sources.count
        guard count >= 1 else { throw ValidationError("name at least one input") }
        if let weights {
            let values = try MergeCLI.numbers(weights, option: "--weights")
            guard values.count == count else {
                throw ValidationError("--weights has \(values.count) values for \(count) inputs")
            }
        }
        if let density, !(density > 0 && density <= 1) {
            throw ValidationError("--density must be in (0, 1], got \(density)")
        }
        if let rank, rank <= 0 { throw ValidationError("--rank must be positive") }
        if head != nil, averageHeads { throw ValidationError("choose one of --head and --average-heads") }
        guard lambda.isFinite else { throw ValidationError("--lambda must be a finite number") }
        guard (0...1).contains(regmeanAlpha) else { throw ValidationError("--regmean-alpha must be in [0, 1]") }
        if sources.models != nil {
            guard MergeMethod.allCheckpointMethods.contains(parsedMethod) else {
                throw ValidationError(
                    "--models merges with \(MergeMethod.allCheckpointMethods.map(\.rawValue).joined(separator: ", ")); \(method) applies to adapters"
                )
            }
            if ![.linear, .regmean].contains(parsedMethod), sources.base == nil {
                throw ValidationError("--method \(method) needs --base")
            }
            if peftCompatible || averageHeads || rank != nil || head != nil {
                throw ValidationError("--peft-compatible, --average-heads, --head and --rank apply to --adapters")
            }
        }
    }

    /// What `--json` prints.
    struct Record: Codable {
        var output: String
        var method: String
        var inputs: Int
        var seconds: Double
        var adapter: MergeRecord?
        var checkpoint: CheckpointMerge.Report?
        var peakRssMb: Double?
    }

    /// Reads `classifier.weight` and `classifier.bias` (optionally under `base_model.model.`) from a safetensors file.
    static func loadHead(_ path: String, like reference: ClassificationHead) throws -> ClassificationHead {
        let file: SafeTensors
        do { file = try SafeTensors(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CommandFailure("--head \(path): \(error)")
        }
        let weight = file.tensors["classifier.weight"] ?? file.tensors["base_model.model.classifier.weight"]
        let bias = file.tensors["classifier.bias"] ?? file.tensors["base_model.model.classifier.bias"]
        guard let weight, let bias, weight.shape.count == 2, bias.shape == [weight.rows],
            weight.columns == reference.weight.columns
        else {
            throw CommandFailure(
                "--head \(path): needs classifier.weight [classes, \(reference.weight.columns)] and classifier.bias [classes]"
            )
        }
        return ClassificationHead(pooling: reference.pooling, weight: weight, bias: bias.scalars)
    }

    func run() throws {
        guard let parsedMethod else { throw CommandFailure("unknown method \(method)") }
        let weightValues = try weights.map { try MergeCLI.numbers($0, option: "--weights") }
        let output = URL(fileURLWithPath: out)
        let start = monotonicSeconds()
        if let adapters = sources.adapters {
            let (_, inputs) = try MergeCLI.loadAdapters(
                adapters, modelDirectory: sources.model, fisher: parsedMethod == .fisher,
                grams: parsedMethod == .regmean)
            var configuration = AdapterMerge.Configuration(method: parsedMethod)
            configuration.weights = weightValues
            configuration.density = density ?? 0.5
            configuration.gamma = gamma
            configuration.rank = rank
            configuration.lambda = lambda
            configuration.peftCompatible = peftCompatible
            configuration.regmeanAlpha = regmeanAlpha
            configuration.seed = seed
            configuration.head = averageHeads ? .average : .firstTask
            if let head { configuration.head = .given(try Self.loadHead(head, like: inputs[0].adapter.head)) }
            let merged = try AdapterMerge.merge(inputs, configuration: configuration)
            try merged.save(to: output, baseModel: inputs[0].baseModel ?? "sentence-transformers/all-MiniLM-L6-v2")
            let seconds = monotonicSeconds() - start
            if json {
                try printJSON(
                    Record(
                        output: out, method: method, inputs: inputs.count, seconds: seconds, adapter: merged.record,
                        checkpoint: nil, peakRssMb: AdaptersCLI.peakRSSMegabytes()))
            } else {
                print(
                    "merged \(inputs.count) adapters with \(method) (\(merged.record.mode), rank \(merged.record.rank)) into \(out)"
                )
                print("tasks (heads in heads.safetensors): \(merged.record.tasks.joined(separator: ", "))")
            }
        } else if let models = sources.models {
            var configuration = CheckpointMerge.Configuration(method: parsedMethod)
            configuration.weights = weightValues
            configuration.density = density ?? 0.5
            configuration.gamma = gamma
            configuration.lambda = lambda
            configuration.seed = seed
            configuration.regmeanAlpha = regmeanAlpha
            let report = try CheckpointMerge.merge(
                models: MergeCLI.namedFolders(models).map(\.url), base: sources.base.map { URL(fileURLWithPath: $0) },
                output: output, configuration: configuration)
            let seconds = monotonicSeconds() - start
            if json {
                try printJSON(
                    Record(
                        output: out, method: method, inputs: models.split(separator: ",").count, seconds: seconds,
                        adapter: nil, checkpoint: report, peakRssMb: AdaptersCLI.peakRSSMegabytes()))
            } else {
                print(
                    "merged \(report.mergedTensors) tensors (\(report.copiedTensors) copied from the base) with \(method) into \(out) in \(String(format: "%.2f", seconds)) s"
                )
            }
        }
        if let commit { try commitMerged(to: commit, output: output) }
    }
}

/// `foundry merge conflicts`: where the task vectors disagree, before merging.
struct MergeConflictsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "Per tensor: cosine, sign conflicts among the top-k% entries, support overlap, magnitude ratio.")

    @OptionGroup var sources: MergeInputOptions

    @Option(help: "Fraction of largest magnitudes forming each task's support, in (0, 1].")
    var top: Double = 0.2

    @Option(help: "Tensors listed in the table (highest conflict first; 0 = all).")
    var limit: Int = 20

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @Flag(help: "Print a Markdown report.")
    var md = false

    func validate() throws {
        try sources.validateOneKind()
        if sources.models != nil, sources.base == nil { throw ValidationError("--models needs --base") }
        guard top > 0, top <= 1 else { throw ValidationError("--top must be in (0, 1], got \(top)") }
        guard !(json && md) else { throw ValidationError("choose one of --json and --md") }
        guard limit >= 0 else { throw ValidationError("--limit must be ≥ 0") }
        let count = sources.count
        guard count >= 2 else { throw ValidationError("a conflict report compares at least two inputs") }
    }

    /// What `--json` prints: the report, how long it took and the peak RSS.
    struct Record: Codable {
        var report: ConflictReport
        var seconds: Double
        var peakRssMb: Double?
    }

    func run() throws {
        let start = monotonicSeconds()
        let report: ConflictReport
        if let adapters = sources.adapters {
            let (_, inputs) = try MergeCLI.loadAdapters(adapters, modelDirectory: sources.model)
            report = try ConflictReport.adapters(inputs, top: top)
        } else if let models = sources.models, let base = sources.base {
            let folders = MergeCLI.namedFolders(models)
            report = try ConflictReport.checkpoints(
                models: folders.map(\.url), base: URL(fileURLWithPath: base), names: folders.map(\.name), top: top)
        } else {
            throw CommandFailure("give either --adapters or --models with --base")
        }
        if json {
            try printJSON(
                Record(
                    report: report, seconds: monotonicSeconds() - start, peakRssMb: AdaptersCLI.peakRSSMegabytes()))
        } else if md {
            print(report.markdown, terminator: "")
        } else {
            print("layer\tsign_conflicts\tcosine\ttensors")
            for layer in report.layers {
                print(
                    "\(layer.layer)\t\(String(format: "%.4f", layer.score))\t\(String(format: "%.4f", layer.cosine))\t\(layer.tensors)"
                )
            }
            print("")
            print("tensor\ttasks\tcosine\tsign_conflicts\tsupport_overlap\tmagnitude_ratio")
            let ranked = report.tensors.sorted { $0.score > $1.score }
            for tensor in limit == 0 ? ranked : Array(ranked.prefix(limit)) {
                for pair in tensor.pairs {
                    print(
                        "\(tensor.tensor)\t\(pair.first)/\(pair.second)\t\(String(format: "%.4f", pair.cosine))\t\(String(format: "%.4f", pair.signConflicts))\t\(String(format: "%.4f", pair.supportOverlap))\t\(pair.magnitudeRatio.map { String(format: "%.3f", $0) } ?? "-")"
                    )
                }
            }
        }
    }
}

/// The inputs of `merge` and `merge conflicts`: adapters (with the encoder they were trained on) or full checkpoints
/// (with their base).
struct MergeInputOptions: ParsableArguments {
    @Option(help: "Adapter folders (PEFT layout), comma-separated; `name=DIR` names a task (default: the folder name).")
    var adapters: String?

    @Option(
        help:
            "Full checkpoint folders (Hugging Face layout: model.safetensors or shards with model.safetensors.index.json; F32, F16, BF16 or F64), comma-separated."
    )
    var models: String?

    @Option(help: "The base checkpoint folder (with --models; `merge` needs it for every method except linear).")
    var base: String?

    @Option(help: "The base encoder the adapters were trained on (with --adapters).")
    var model: String = ".models/all-MiniLM-L6-v2"

    /// How many inputs were named.
    var count: Int { (adapters ?? models ?? "").split(separator: ",").count }

    /// Exactly one of `--adapters` and `--models` must be given.
    func validateOneKind() throws {
        guard (adapters == nil) != (models == nil) else {
            throw ValidationError("give either --adapters or --models (with --base)")
        }
    }
}
