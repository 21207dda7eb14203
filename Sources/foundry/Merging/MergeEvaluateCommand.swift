import Adapters
import ArgumentParser
import Flows
import Foundation
import Labeling
import Merging

/// `foundry merge evaluate`: per method and task, test accuracy of the merge, of the task's own adapter and of the
/// base encoder with the task's head.
struct MergeEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate merge methods on several tasks: merged vs own adapter vs base with head.",
        discussion: """
            --tasks youtube=ADAPTER_DIR:WRENCH_DIR,sms=…: each task's adapter (trained by foundry train) and its WRENCH \
            folder (the test split is scored; --split valid scores the valid split, where merge settings such as \
            --density or --regmean-alpha should be chosen). Normalized accuracy = merged / own. "Base with head" is \
            the base encoder under the task's own head, LoRA off; binary tasks also report F1 of class 1, and every \
            task the accuracy of always answering its most common class.
            """)

    @Option(help: "The base encoder (Hugging Face layout).")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Tasks: name=ADAPTER_DIR:WRENCH_DIR, comma-separated (at least two).")
    var tasks: String

    @Option(help: "Merge methods, comma-separated (exact ΔW-space defaults).")
    var methods: String = "linear,ties,fisher,regmean,tsv"

    @Option(help: "PEFT combination types run in PEFT-compatible mode, comma-separated (reported as peft_<type>).")
    var peftMethods: String?

    @Option(help: "Merged adapters made elsewhere, name=DIR comma-separated (each task's head is put on them).")
    var merged: String?

    @Option(help: "One weight per task (default: each method's, as in foundry merge).")
    var weights: String?

    @Option(help: "Kept fraction of the sparsifying methods.")
    var density: Double = 0.5

    @Option(
        name: .customLong("lambda"),
        help: "λ scaling the merged task vector: task_arithmetic, ties, dare_*, breadcrumbs, magnitude_prune, tsv.")
    var lambda: Float = 1

    @Option(help: "Merged rank (default: the method's).")
    var rank: Int?

    @Option(help: "Seed of DARE's masks.")
    var seed: UInt64 = 0

    @Option(help: "RegMean's scaling of off-diagonal Gram entries, in [0, 1].")
    var regmeanAlpha: Float = 0.9

    @Option(help: "The WRENCH split scored: test, or valid (to choose merge settings on).")
    var split: String = "test"

    @Option(help: "Maximum tokens per text.")
    var maxLength = 128

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func parsedTasks() throws -> [MergeEvaluation.Task] {
        try tasks.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else {
                throw ValidationError("--tasks: \"\(item)\" is not name=ADAPTER_DIR:WRENCH_DIR")
            }
            let folders = parts[1].split(separator: ":", maxSplits: 1)
            guard folders.count == 2 else { throw ValidationError("--tasks: \"\(item)\" needs ADAPTER_DIR:WRENCH_DIR") }
            return MergeEvaluation.Task(
                name: String(parts[0]), adapter: URL(fileURLWithPath: String(folders[0])),
                wrench: URL(fileURLWithPath: String(folders[1])))
        }
    }

    func parsedMethods(_ list: String?) throws -> [MergeMethod] {
        try (list ?? "").split(separator: ",").map { name in
            guard let method = MergeMethod(rawValue: String(name)) else {
                throw ValidationError(
                    "unknown method \(name); use \(MergeMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return method
        }
    }

    func validate() throws {
        let parsed = try parsedTasks()
        guard parsed.count >= 2 else { throw ValidationError("--tasks needs at least two tasks") }
        let methodList = try parsedMethods(methods) + parsedMethods(peftMethods)
        guard !methodList.isEmpty || merged != nil else { throw ValidationError("name at least one method") }
        for method in try parsedMethods(peftMethods)
        where PEFTCombination.CombinationType(rawValue: method.rawValue) == nil {
            throw ValidationError("--peft-methods: \(method.rawValue) is not a PEFT combination type")
        }
        if let weights {
            guard try MergeCLI.numbers(weights, option: "--weights").count == parsed.count else {
                throw ValidationError("--weights needs one value per task")
            }
        }
        // Every row of the report names its method: a --merged name may not repeat another one.
        var names =
            try parsedMethods(methods).map(\.rawValue) + parsedMethods(peftMethods).map { "peft_\($0.rawValue)" }
        for name in merged.map({ MergeCLI.namedFolders($0).map(\.name) }) ?? [] {
            guard !names.contains(name) else {
                throw ValidationError("--merged: the name \(name) is already a method of this run; rename it")
            }
            names.append(name)
        }
        guard density > 0, density <= 1 else { throw ValidationError("--density must be in (0, 1]") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard (0...1).contains(regmeanAlpha) else { throw ValidationError("--regmean-alpha must be in [0, 1]") }
        guard [WrenchDataset.Split.test, .valid].map(\.rawValue).contains(split) else {
            throw ValidationError("--split must be test or valid, got \(split)")
        }
    }

    func run() throws {
        let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        var options = MergeEvaluation.Options()
        options.weights = try weights.map { try MergeCLI.numbers($0, option: "--weights") }
        options.density = density
        options.lambda = lambda
        options.rank = rank
        options.seed = seed
        options.regmeanAlpha = regmeanAlpha
        options.maxLength = maxLength
        options.split = WrenchDataset.Split(rawValue: split) ?? .test
        let report = try MergeEvaluation.run(
            tasks: try parsedTasks(), methods: try parsedMethods(methods), peftMethods: try parsedMethods(peftMethods),
            external: merged.map { MergeCLI.namedFolders($0).map { ($0.name, $0.url) } } ?? [], encoder: encoder,
            options: options)
        if json {
            try printJSON(report)
            return
        }
        func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }
        print("accuracy on the \(report.split) split; F1 of class 1 for binary tasks")
        print("method\ttask\tmerged\town\tbase_with_head\tnormalized\tmerged_f1\town_f1\tbase_with_head_f1")
        for method in report.methods {
            for row in method.rows {
                print(
                    [
                        row.method, row.task, format(row.merged), format(row.own), format(row.baseWithHead),
                        format(row.normalized), format(row.mergedF1), format(row.ownF1), format(row.baseWithHeadF1),
                    ].joined(separator: "\t"))
            }
            print("\(method.method)\tmean\t\t\t\t\(format(method.meanNormalized))")
        }
        for task in report.tasks {
            print("\(task): always the most common class \(format(report.majorityAccuracy[task]))")
        }
        if let best = report.best { print("best: \(best)") }
    }
}
