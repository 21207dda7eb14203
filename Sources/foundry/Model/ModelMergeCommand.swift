import Adapters
import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Merging
import ModelRepository
import Tensors

struct ModelMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Three-way merge of a branch into HEAD's branch, gated by the repository's check suite.",
        discussion: """
            Per tensor: unchanged on one side → the other side's; changed on both → --ours/--theirs patterns \
            (globs over FILE:TENSOR keys or file paths), else --method (mergekit's arithmetic relative to the merge \
            base; two adapters changed on both sides are merged by foundry merge's exact ΔW-space methods, each \
            branch's head kept). The conflict report is printed before the merge commits. When checks.yaml exists in \
            the repository, the suite runs on the merge and a failure leaves the branch where it was.
            """)

    @Argument(help: "The branch (or ref) to merge into HEAD's branch.")
    var branch: String

    @Option(
        help: ArgumentHelp(
            "The merge method.", discussion: MergeMethod.allCases.map(\.rawValue).joined(separator: ", ")))
    var method: String = "linear"

    @Option(parsing: .singleValue, help: "A pattern resolved to our side (repeatable).")
    var ours: [String] = []

    @Option(parsing: .singleValue, help: "A pattern resolved to their side (repeatable).")
    var theirs: [String] = []

    @Option(help: "Weights of ours and theirs, comma-separated (default: the method's).")
    var weights: String?

    @Option(help: "Kept fraction of the sparsifying methods.")
    var density: Double = 0.5

    @Option(help: "Seed of DARE's masks.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "The merge commit's message.")
    var message: String?

    @OptionGroup var author: ModelAuthorOptions

    @Flag(help: "Skip the check suite.")
    var noCheck = false

    @OptionGroup var options: ModelRepositoryOptions

    func validate() throws {
        guard MergeMethod(rawValue: method) != nil else {
            throw ValidationError(
                "--method \(method) is unknown; expected one of \(MergeMethod.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if let weights {
            let values = weights.split(separator: ",").compactMap { Double($0) }
            guard values.count == 2, values.allSatisfy(\.isFinite) else {
                throw ValidationError("--weights expects two numbers (ours,theirs), got \"\(weights)\"")
            }
        }
        guard density > 0, density <= 1 else { throw ValidationError("--density must be in (0, 1]") }
    }

    func run() throws {
        try requireBLAS()
        let repository = try options.open()
        var mergeOptions = MergeOptions(method: MergeMethod(rawValue: method) ?? .linear)
        mergeOptions.ours = ours
        mergeOptions.theirs = theirs
        mergeOptions.weights = weights.map { $0.split(separator: ",").compactMap { Double($0) } }
        mergeOptions.density = density
        mergeOptions.seed = seed
        if let message { mergeOptions.commit.message = message }
        if let name = try author.resolved() { mergeOptions.commit.author = name }
        let gate = try checkGate(
            repository, skip: noCheck, json: options.json, store: author.store, tokenFile: author.tokenFile)
        let json = options.json
        let result = try withRepositoryErrors {
            try repository.merge(
                branch, options: mergeOptions,
                report: { report in
                    if !json { printConflicts(report) }
                }, gate: gate)
        }
        if options.json {
            try printJSON(result)
        } else {
            print(
                "Merged \(branch) into \(result.result.branch ?? "?"): \(result.result.commit.prefix(12)) (base \(result.base.prefix(12)))"
            )
            for key in result.resolutions.keys.sorted() { print("  \(key): \(result.resolutions[key] ?? "")") }
        }
    }
}

/// Prints the conflict report's most conflicted layers and tensors.
func printConflicts(_ report: ConflictReport) {
    print("Conflicts between \(report.tasks.joined(separator: " and ")) (top \(Int(report.top * 100))% magnitudes):")
    for layer in report.layers.prefix(8) {
        print(
            "  \(layer.layer): sign conflicts \(String(format: "%.3f", layer.score)), cosine \(String(format: "%.3f", layer.cosine)), \(layer.tensors) tensors"
        )
    }
}

/// The check-suite gate of a repository (nil without `checks.yaml` or with `skip`); the report is printed.
func checkGate(_ repository: ModelRepository, skip: Bool, json: Bool, store: String?, tokenFile: String?) throws
    -> CommitGate?
{
    let url = CheckSuite.url(in: repository)
    guard !skip, FileManager.default.fileExists(atPath: url.path) else { return nil }
    let suite = try withRepositoryErrors { try CheckSuite.load(url, relativeTo: repository.root) }
    return suite.gate(evaluator: adapterEvaluator(store: store, tokenFile: tokenFile)) { report in
        if !json { print("Checks on \(report.commit.prefix(12)):\n\(report.text)") }
    }
}

/// Scores an adapter commit on a check-suite task: the task's metric (accuracy, class-1 F1 or macro-F1) on a WRENCH
/// folder's test split or on a dataset-store version's rows, with the task's head (a merged adapter's
/// `heads.safetensors` holds one per task). A dataset task reads the store at `store` (else `$FOUNDRY_STORE`) as the
/// principal of the token in `tokenFile` (else `$FOUNDRY_TOKEN`).
func adapterEvaluator(store: String?, tokenFile: String?) -> CheckSuite.Evaluator {
    { model, task in
        let source = task.folder?.path ?? task.dataset ?? task.name
        do {
            // The rows first: a missing dataset or store is reported before the model is looked at.
            let (texts, gold, classes) = try checkRows(task, store: store, tokenFile: tokenFile)
            guard let base = model.base else {
                throw ModelRepositoryError.invalidCheckSuite(
                    path: "checks.yaml", reason: "commit \(model.commit.prefix(12)) is not an adapter on a base model")
            }
            let encoder = try SentenceEncoder(directory: base)
            var adapter = try LoRAAdapter(peftDirectory: model.folder, model: encoder.model)
            let heads = model.folder.appendingPathComponent("heads.safetensors")
            if FileManager.default.fileExists(atPath: heads.path) {
                let file = try SafeTensors(contentsOf: heads)
                if let weight = file.tensors["\(task.name).weight"], let bias = file.tensors["\(task.name).bias"] {
                    let pooling = HeadPooling(rawValue: file.metadata["foundry.head_pooling.\(task.name)"] ?? "")
                    adapter.head = ClassificationHead(
                        pooling: pooling ?? adapter.head.pooling, weight: weight, bias: bias.scalars)
                }
            }
            let count = min(texts.count, task.maxRows ?? Int.max)
            let predicted = LoRAPredictor(model: encoder.model, adapter: adapter).predictLabels(
                encoder.tokenize(Array(texts.prefix(count))))
            let scored = Array(gold.prefix(count))
            let cardinality = max(classes ?? 2, (scored.max() ?? 0) + 1, (predicted.max() ?? 0) + 1)
            let score = ClassificationScore(gold: scored, predicted: predicted, cardinality: cardinality)
            // accuracy; f1 of class 1 (WRENCH's score for rare-positive binary tasks such as sms); macro-F1.
            let value: Double? =
                switch task.metric {
                case "f1": score.f1
                case "macro_f1": score.macroF1
                default: score.accuracy
                }
            return value ?? 0
        } catch let error as ModelRepositoryError {
            throw error
        } catch let error as CommandFailure {
            throw ModelRepositoryError.invalidCheckSuite(
                path: source, reason: "task \(task.name): \(error.description)")
        } catch {
            throw ModelRepositoryError.invalidCheckSuite(path: source, reason: "task \(task.name): \(error)")
        }
    }
}

/// The texts, gold classes and class count (when known) a check-suite task is scored on.
private func checkRows(_ task: CheckSuite.Task, store: String?, tokenFile: String?) throws -> (
    [String], [Int], Int?
) {
    if let folder = task.folder {
        let dataset = try WrenchDataset(directory: folder)
        let split = try dataset.split(.test).requiringExamples()
        return (split.texts, split.goldLabels, dataset.classNames?.count)
    }
    guard let reference = task.dataset, let field = task.labelField else {
        throw CommandFailure("task \(task.name) names neither a folder nor a dataset")
    }
    guard let path = store ?? ProcessInfo.processInfo.environment["FOUNDRY_STORE"] else {
        throw CommandFailure(
            "it reads dataset \(reference) from the dataset store: pass --store (or set FOUNDRY_STORE) and a token")
    }
    let (datasetStore, principal) = try openStore(path: path, tokenFile: tokenFile)
    let parts = reference.split(separator: "@", maxSplits: 1).map(String.init)
    let examples = try datasetStore.examples(
        of: parts[0], version: parts.count > 1 ? parts[1] : nil, as: principal)
    guard !examples.isEmpty else { throw CommandFailure("dataset \(reference) has no rows") }
    let gold = try examples.map { example -> Int in
        guard let value = example.fields[field], let label = Int(value.trimmingCharacters(in: .whitespaces)),
            label >= 0
        else {
            throw CommandFailure(
                "dataset \(reference), row \(example.id): field \(field) must hold a class index (0, 1, …), got "
                    + (example.fields[field].map { "\"\($0)\"" } ?? "nothing"))
        }
        return label
    }
    return (examples.map(\.text), gold, nil)
}

struct ModelCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Run the repository's check suite (checks.yaml) on a commit.")

    @Argument(help: "The commit (default: HEAD).")
    var ref = "HEAD"

    @Option(help: "The suite file (default: checks.yaml in the repository).")
    var suite: String?

    @Option(help: "The dataset store that dataset tasks read (default: $FOUNDRY_STORE).")
    var store: String?

    @Option(help: "The file holding that store's token (default: $FOUNDRY_TOKEN).")
    var tokenFile: String?

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        try requireBLAS()
        let repository = try options.open()
        let url = suite.map { URL(fileURLWithPath: $0) } ?? CheckSuite.url(in: repository)
        let report = try withRepositoryErrors { () -> CheckReport in
            let loaded = try CheckSuite.load(url, relativeTo: repository.root)
            let id = try repository.resolve(ref)
            return try loaded.run(
                repository: repository, candidate: CommitRecord(id: id, commit: repository.commit(id)),
                evaluator: adapterEvaluator(store: store, tokenFile: tokenFile))
        }
        if options.json { try printJSON(report) } else { print(report.text) }
        if !report.passed { throw ExitCode(1) }
    }
}
