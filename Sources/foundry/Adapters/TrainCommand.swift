import Adapters
import ArgumentParser
import DatasetStore
import Flows
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tabular

/// `foundry train`: weak labels → label model → soft labels → LoRA adapter → scores → Fisher information, from a
/// WRENCH folder, a table with a label matrix or soft labels, or a dataset-store version (the `AdapterTraining` flow).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract:
            "Train a LoRA adapter on a label model's soft labels (WRENCH folder, CSV/JSONL table, or stored version) and score it.",
        discussion: """
            Three sources: --wrench DIR (the label model is fitted on train.json's weak labels and the adapter trained \
            on the rows they cover, as WRENCH trains end models; valid.json stops \
            training early and test.json scores the adapter next to the label model); --input FILE --text-field F \
            with --soft-labels P.npy or --matrix L.npy (a label model is fitted on it), optionally --valid and --test \
            tables with --gold-field; --store PATH --dataset NAME[@VERSION] (the version's texts and the soft labels \
            stored on it by `labelmodel predict --store`; rows with stored gold labels (`store import --gold-field`), at \
            most a fifth of the version, are held out for early stopping and scoring; the adapter is stored as an artifact derived from the soft labels). Progress is shown per epoch.
            """)

    @Option(help: "WRENCH dataset folder (train.json, valid.json, test.json, label.json).")
    var wrench: String?

    @Option(help: "A training table (.csv, .tsv or .jsonl) whose rows the soft labels or label matrix describe.")
    var input: String?

    @Option(help: "The table column holding the text (with --input, --valid, --test).")
    var textField: String = "text"

    @Option(help: "Soft labels for the --input rows (.npy, n × k float).")
    var softLabels: String?

    @Option(help: "A label matrix for the --input rows (.npy, -1 = abstain): the label model is fitted on it.")
    var matrix: String?

    @Option(help: "Class names, comma-separated (with --input; default class_0, class_1, …).")
    var classNames: String?

    @Option(help: "A validation table with gold labels (--gold-field) for early stopping (with --input).")
    var valid: String?

    @Option(help: "A test table with gold labels (--gold-field) to score the adapter on (with --input).")
    var test: String?

    @Option(help: "The column of --valid and --test holding gold class names or indices.")
    var goldField: String = "label"

    @OptionGroup var storeFlow: StoreFlowOptions

    @Option(name: .customLong("soft-labels-name"), help: "The stored soft labels to learn from (with --dataset).")
    var softLabelsName: String?

    @Option(help: "The adapter's name in the store (with --dataset; default SOFT-LABELS-lora-rR).")
    var name: String?

    @Option(help: "Base model directory in Hugging Face layout.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Label model producing the soft labels (with --wrench or --matrix).")
    var labelModel: LabelModelMethod = .auto

    @OptionGroup var labelModelOptions: MomentOptions

    @Option(help: "LoRA rank r (> 0).")
    var rank = 8

    @Option(help: "LoRA alpha (the update is scaled by alpha / r).")
    var alpha: Float = 16

    @Option(help: "Comma-separated adapted layers: query,key,value,attention_output,intermediate,output.")
    var targets = "query,value"

    @Option(help: "Maximum epochs (early stopping on the validation rows).")
    var epochs = 5

    @Option(help: "Output adapter directory (PEFT layout, plus fisher.safetensors and training.json).")
    var out: String?

    @Option(help: "Commit the adapter to a model repository, REPO[:BRANCH], with its provenance (foundry model).")
    var commit: String?

    @Option(
        help:
            "Head: cls (BERT [CLS] pooler + linear, as AutoModelForSequenceClassification) or mean (mean pooling + linear)."
    )
    var head: HeadPooling = .classifierToken

    @Option(help: "Peak learning rate (AdamW).")
    var learningRate: Float = 5e-4

    @Option(help: "Examples per mini-batch.")
    var batchSize = 16

    @Option(help: "Maximum tokens per example (longer texts are truncated).")
    var maxLength = 128

    @Option(help: "Dropout on the LoRA branch input.")
    var loraDropout: Float = 0.1

    @Option(help: "Epochs without validation improvement before stopping.")
    var patience = 2

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Train only on rows at least one labeling function voted on (default with --wrench or --matrix).",
            discussion:
                "The label model is fitted on every row either way; --no-covered-only also trains on the uncovered rows, whose soft label is the label model's class prior."
        ))
    var coveredOnly: Bool?

    @Option(help: "Training examples used for the diagonal Fisher information (0 = skip).")
    var fisherSamples = 128

    @Option(help: "Training examples whose layer inputs give the Gram matrices for RegMean merging (0 = skip).")
    var gramSamples = 128

    @Option(help: "Seed for the label model, initialisation, shuffling and dropout.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        let sources = [wrench != nil, input != nil, storeFlow.isGiven].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError(
                "give one source: --wrench DIR, --input FILE (with --soft-labels or --matrix), or --dataset NAME[@VERSION] (from the store)"
            )
        }
        if input != nil, (softLabels == nil) == (matrix == nil) {
            throw ValidationError("--input needs either --soft-labels P.npy or --matrix L.npy")
        }
        if input == nil {
            for (flag, value) in [
                ("--soft-labels", softLabels), ("--matrix", matrix), ("--valid", valid), ("--test", test),
                ("--class-names", classNames),
            ] where value != nil {
                throw ValidationError("\(flag) goes with --input")
            }
        }
        if !storeFlow.isGiven, softLabelsName != nil || name != nil {
            throw ValidationError("--soft-labels-name and --name go with --dataset")
        }
        guard out != nil || storeFlow.isGiven || commit != nil else {
            throw ValidationError(
                "nothing would be kept: pass --out DIR, --commit REPO[:BRANCH] (or --dataset to store it)")
        }
        if labelModelOptions.devMetric != nil {
            throw ValidationError("--dev-metric ranks auto's models on a dev set, which train does not take")
        }
        if softLabels != nil || storeFlow.isGiven, coveredOnly != nil {
            throw ValidationError("--covered-only and --no-covered-only need the label matrix (--wrench or --matrix)")
        }
        _ = try parsedTargets()
        try options().validate()
    }

    func parsedTargets() throws -> [LoRATarget] {
        try splitList(targets).map { name in
            guard let target = LoRATarget(name: name) else {
                throw ValidationError(
                    "unknown target \(name); use query,key,value,attention_output,intermediate,output")
            }
            return target
        }
    }

    func options() throws -> AdapterTraining.Options {
        var options = AdapterTraining.Options()
        options.rank = rank
        options.alpha = alpha
        options.targets = try parsedTargets()
        options.loraDropout = loraDropout
        options.head = head
        options.trainer.epochs = epochs
        options.trainer.batchSize = batchSize
        options.trainer.learningRate = learningRate
        options.trainer.patience = patience
        options.maxLength = maxLength
        options.fisherSamples = fisherSamples
        options.gramSamples = gramSamples
        options.seed = seed
        do { try options.validate() } catch let error as FlowsError { throw ValidationError(error.description) }
        return options
    }

    func run() throws {
        let log: (String) -> Void = { message in if !json { printError(message) } }
        let session = try storeFlow.session()
        var softLabelsArtifact: Artifact?
        let corpus: TrainingCorpus
        if let wrench {
            corpus = try TrainingCorpus.wrench(
                folder: URL(fileURLWithPath: wrench), labelModel: try labelModelOptions.configuration(labelModel),
                seed: seed, coveredOnly: coveredOnly ?? true
            ).corpus
        } else if let session {
            let artifact = try StoredFlows.artifact(
                .softLabels, named: softLabelsName, on: session.dataset, store: session.store, as: session.principal)
            softLabelsArtifact = artifact
            corpus = try StoredFlows.trainingCorpus(
                softLabels: artifact, store: session.store, as: session.principal, seed: seed)
        } else {
            corpus = try tableCorpus()
        }
        if let summary = corpus.labelModel, let accuracy = summary.testAccuracy {
            log(String(format: "label model %@: test accuracy %.4f", summary.method, accuracy))
        }
        if corpus.uncoveredRowsLeftOut > 0 {
            log(
                "left out \(corpus.uncoveredRowsLeftOut) rows no labeling function voted on (--no-covered-only keeps them)"
            )
        }
        log(
            "training on \(corpus.texts.count) rows of \(corpus.name)"
                + (corpus.validation.map { ", \($0.known.texts.count) validation rows" } ?? ", no validation rows"))

        let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        let bars = EpochBars(enabled: !json && ProgressBar.standardErrorIsTerminal, log: !json)
        let outcome = try AdapterTraining.run(
            corpus: corpus, encoder: encoder, options: try options(), progress: bars.handler)
        var result = outcome.result
        if let out {
            let folder = URL(fileURLWithPath: out)
            result.out = out
            result.fisher = outcome.fisher == nil ? nil : folder.appendingPathComponent("fisher.safetensors").path
            var saved = outcome
            saved.result = result
            try saved.save(to: folder)
        }
        if let commit {
            try commitTrained(outcome, result: result, to: commit, dataset: session.map { "\($0.dataset)" })
        }
        var stored: Artifact?
        if let session, let softLabelsArtifact {
            stored = try StoredFlows.storeAdapter(
                outcome, derivedFrom: softLabelsArtifact, name: name ?? "\(softLabelsArtifact.name)-lora-r\(rank)",
                store: session.store, as: session.principal)
        }
        for warning in result.warnings { printError("warning: \(warning)") }
        if json {
            try printJSON(TrainOutput(result: result, artifact: stored))
            return
        }
        var line: String
        if result.testAccuracy != nil {
            line = String(
                format: "test accuracy %@, F1 %@ (label model %@: %@)", format(result.testAccuracy),
                format(result.testF1), result.labelModel ?? "—", format(result.labelModelTestAccuracy))
        } else if let best = result.validationAccuracies.max() {
            line = String(format: "best validation accuracy %.4f on %d rows", best, result.nValid)
        } else {
            line = "no gold labels to score on"
        }
        line += String(
            format: "; %d epochs, %.0f s, %.1f examples/s", result.epochs, result.trainSeconds, result.examplesPerSecond
        )
        if let out { line += " → \(out)" }
        if let stored { line += " → adapter '\(stored.name)' on \(stored.dataset)@\(shortID(stored.version))" }
        print(line)
    }

    /// The corpus of `--input` with `--soft-labels` or `--matrix`, and the optional `--valid`/`--test` tables.
    func tableCorpus() throws -> TrainingCorpus {
        let inputURL = URL(fileURLWithPath: input ?? "")
        let table = try TableFormat.read(inputURL)
        let texts = try table.column(textField)
        func labelled(_ path: String?, classNames: [String]) throws -> TrainingCorpus.LabeledTexts? {
            guard let path else { return nil }
            let table = try TableFormat.read(URL(fileURLWithPath: path))
            return try TrainingCorpus.LabeledTexts(
                texts: try table.column(textField),
                labels: try table.classIndices(column: goldField, classNames: classNames))
        }
        if let softLabels {
            let names = classNames.map(splitList)
            let soft = try SoftLabels(numPyFile: URL(fileURLWithPath: softLabels), classNames: names)
            return try TrainingCorpus(
                name: inputURL.lastPathComponent, texts: texts, softLabels: soft,
                validation: try labelled(valid, classNames: soft.classNames),
                test: try labelled(test, classNames: soft.classNames))
        }
        let names = classNames.map(splitList)
        guard let matrix, let cardinality = names?.count ?? inferredCardinality(matrix) else {
            throw CommandFailure("--matrix needs --class-names (the number of classes cannot be read from the matrix)")
        }
        let classes = names ?? LabelMatrix.defaultClassNames(cardinality)
        let labels = try LabelMatrix(
            numPyFile: URL(fileURLWithPath: matrix), cardinality: cardinality, classNames: classes)
        let validation = try labelled(valid, classNames: classes)
        let testTexts = try labelled(test, classNames: classes)
        return try TrainingCorpus.weaklyLabelled(
            name: inputURL.lastPathComponent, texts: texts, matrix: labels,
            labelModel: try labelModelOptions.configuration(labelModel), seed: seed, coveredOnly: coveredOnly ?? true,
            validation: validation, test: nil
        ).corpus.withTest(testTexts)
    }

    /// Without class names, the matrix's largest vote + 1 (at least 2).
    func inferredCardinality(_ path: String) -> Int? {
        guard let array = try? NumPyArray(contentsOf: URL(fileURLWithPath: path)), array.elementType.isInteger else {
            return nil
        }
        return max(2, (array.integers().max() ?? 0) + 1)
    }

    private func format(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }
}

/// What `train --json` prints: the flow's result and, with `--store`, the stored adapter.
struct TrainOutput: Encodable {
    var result: AdapterTrainingResult
    var artifact: Artifact?

    func encode(to encoder: Encoder) throws {
        try result.encode(to: encoder)
        if let artifact {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(artifact, forKey: .artifact)
        }
    }

    enum Keys: String, CodingKey { case artifact }
}

extension HeadPooling: ExpressibleByArgument {}

/// One progress bar per epoch on a terminal; a line per finished epoch in logs.
final class EpochBars: @unchecked Sendable {
    // Invariant: `bar` and `epoch` are only touched while holding `lock`.
    private let lock = NSLock()
    private let enabled: Bool
    private let log: Bool
    private var bar: ProgressBar?
    private var epoch = 0

    init(enabled: Bool, log: Bool) {
        self.enabled = enabled
        self.log = log
    }

    /// The trainer's callback.
    var handler: TrainingProgressHandler { { [self] event in self.update(event) } }

    private func update(_ event: TrainingProgress) {
        lock.withLock {
            if event.epoch != epoch {
                epoch = event.epoch
                bar = ProgressBar(label: "epoch \(event.epoch)/\(event.epochs)", enabled: enabled)
            }
            switch event.kind {
            case .step:
                bar?.update(
                    FoundryCore.Progress(
                        completed: event.completed, total: event.total,
                        message: String(format: "loss %.4f", event.loss)))
            case .epochFinished:
                if log {
                    printError("  \(event.message), \(String(format: "%.1f", event.examplesPerSecond)) examples/s")
                }
            }
        }
    }
}
