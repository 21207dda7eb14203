import Adapters
import Flows
import Foundation
import FoundryCore
import LabelModels
import Merging
import ModelRepository

/// Runs a `train` step: a LoRA adapter and head trained with `Flows.AdapterTraining` (the flow behind
/// `foundry train`) on the soft labels of the covered train rows, with the valid rows' gold for early stopping and
/// the test rows' gold for the score.
enum TrainStepRunner {
    static func run(
        softLabelsEntry: URL, table: TableArtifact, step: TrainStep, model: URL, classes: [String], name: String,
        progress: ProgressHandler?, cancellation: CancellationFlag?
    ) throws -> StepOutcome {
        let soft: SoftLabels
        let softURL = softLabelsEntry.appendingPathComponent("soft_labels.npy")
        do {
            soft = try SoftLabels(numPyFile: softURL, classNames: classes)
        } catch {
            throw PipelinesError.cacheCorrupted(path: softURL.path, reason: "\(error)")
        }
        let covered = try PipelineJSON.decode([Bool].self, from: softLabelsEntry.appendingPathComponent("covered.json"))
        guard soft.rowCount == table.rowCount, covered.count == table.rowCount else {
            throw PipelinesError.cacheCorrupted(
                path: softURL.path, reason: "\(soft.rowCount) rows of soft labels for a table of \(table.rowCount)")
        }
        let texts = try table.texts()
        let trainRows = table.rows(in: .train).filter { covered[$0] }
        guard !trainRows.isEmpty else {
            throw PipelinesError.invalidData(
                source: table.table.source, row: nil, field: nil,
                reason: "no train row has a vote: nothing to train on")
        }
        func labeled(_ split: RowSplit) throws -> TrainingCorpus.LabeledTexts? {
            guard let gold = table.gold else { return nil }
            let rows = table.rows(in: split).filter { gold[$0] >= 0 }
            guard !rows.isEmpty else { return nil }
            return try TrainingCorpus.LabeledTexts(texts: rows.map { texts[$0] }, labels: rows.map { gold[$0] })
        }
        let summary = try? PipelineJSON.decode(
            LabelModelSummary.self, from: softLabelsEntry.appendingPathComponent("summary.json"))
        let corpus = try TrainingCorpus(
            name: name, texts: trainRows.map { texts[$0] }, softLabels: soft.rows(trainRows),
            validation: labeled(.valid), test: labeled(.test),
            labelModel: summary.map {
                TrainingCorpus.LabelModelSummary(
                    method: $0.method, choice: $0.choice, testAccuracy: $0.accuracy, testF1: $0.f1)
            })
        var options = AdapterTraining.Options()
        options.rank = step.rank
        options.alpha = Float(step.alpha)
        options.maxLength = step.maxLength
        options.seed = step.seed
        options.fisherSamples = step.fisherSamples
        options.gramSamples = step.gramSamples
        options.trainer = LoRATrainer.Configuration(
            epochs: step.epochs, batchSize: step.batchSize, learningRate: Float(step.learningRate), seed: step.seed)
        let encoder = try SentenceEncoder(directory: model)
        let outcome = try AdapterTraining.run(
            corpus: corpus, encoder: encoder, options: options,
            progress: progress.map { report in
                { @Sendable event in
                    report(
                        FoundryCore.Progress(
                            completed: event.overallCompleted, total: event.overallTotal,
                            message: "epoch \(event.epoch)/\(event.epochs)"))
                }
            }, cancellation: cancellation)
        if outcome.result.cancelled { throw PipelinesError.cancelled(step: name) }
        let result = outcome.result
        var figures: [String: Double] = [
            "train_rows": Double(result.nTrain), "epochs": Double(result.epochs),
            "best_epoch": Double(result.bestEpoch), "train_seconds": result.trainSeconds,
        ]
        figures["test_accuracy"] = result.testAccuracy
        figures["test_f1"] = result.testF1
        let section = TrainingSection(
            step: name, epochLosses: result.epochLosses, validationAccuracies: result.validationAccuracies,
            testAccuracy: result.testAccuracy, testF1: result.testF1)
        return StepOutcome(figures: figures) { directory in
            try outcome.save(to: directory)
            try AtomicFile.write(try PipelineJSON.encode(classes), to: directory.appendingPathComponent("labels.json"))
            try AtomicFile.write(
                Data(try FoundryJSON.string(section, pretty: true).utf8),
                to: directory.appendingPathComponent("training_section.json"))
        }
    }
}

/// Runs a `register` step: commits the adapter's folder to a model repository (created when missing) on a branch,
/// with the adapter's scores as the commit's metrics. Its output passes the adapter on (a copy of its files) with
/// `commit.json`.
enum RegisterStepRunner {
    static func run(
        adapter: URL, step: RegisterStep, repository: URL, pipeline: String, name: String
    ) throws -> StepOutcome {
        let fileManager = FileManager.default
        let repo: ModelRepository
        if fileManager.fileExists(atPath: repository.appendingPathComponent(ModelRepository.databaseName).path) {
            repo = try ModelRepository(root: repository)
        } else {
            repo = try ModelRepository.create(at: repository)
        }
        let manifest = PipelineCache.manifest(in: adapter.deletingLastPathComponent(), key: adapter.lastPathComponent)
        var metrics: [String: Double] = [:]
        for key in ["test_accuracy", "test_f1"] { metrics[key] = manifest?.figures[key] }
        var options = CommitOptions(
            message: step.message
                ?? "pipeline \(pipeline), step \(name)"
                + metrics.keys.sorted().map { " \($0)=\(String(format: "%.4f", metrics[$0] ?? 0))" }.joined())
        options.branch = step.branch
        options.metrics = metrics
        options.allowEmpty = true
        let staging = fileManager.temporaryDirectory.appendingPathComponent("foundry-register-\(UUID().uuidString)")
        defer { try? fileManager.removeItem(at: staging) }
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        let files = try fileManager.contentsOfDirectory(atPath: adapter.path).filter {
            $0 != PipelineCache.manifestName
        }
        for file in files {
            try fileManager.copyItem(at: adapter.appendingPathComponent(file), to: staging.appendingPathComponent(file))
        }
        if try repo.branchCommit(step.branch) == nil, let head = try repo.headCommit() {
            try repo.createBranch(step.branch, at: head)
        }
        let result = try repo.commit(directory: staging, options: options)
        return StepOutcome(figures: metrics) { directory in
            for file in files {
                try fileManager.copyItem(
                    at: adapter.appendingPathComponent(file), to: directory.appendingPathComponent(file))
            }
            try AtomicFile.write(
                Data(try FoundryJSON.string(result, pretty: true).utf8),
                to: directory.appendingPathComponent("commit.json"))
        }
    }
}

/// Runs a `merge` step with `Merging.AdapterMerge` (the flow behind `foundry merge`): the steps' adapters, then the
/// folders on disk, merged into one adapter (with the first task's head), after the per-layer conflict report of
/// the inputs.
enum MergeStepRunner {
    /// The share of largest-magnitude entries the conflict report compares (as `foundry merge conflicts`).
    static let conflictTop = 0.2

    static func run(
        inputs: [(name: String, directory: URL)], step: MergeStep, model: URL, name: String
    ) throws -> StepOutcome {
        guard let method = MergeMethod(rawValue: step.method) else {
            throw PipelinesError.stepFailed(step: name, reason: "unknown merge method '\(step.method)'")
        }
        let encoder = try SentenceEncoder(directory: model)
        let adapters = try inputs.map {
            try AdapterMergeInput.load(
                directory: $0.directory, name: $0.name, model: encoder.model, fisher: method == .fisher,
                grams: method == .regmean)
        }
        var configuration = AdapterMerge.Configuration(method: method)
        configuration.weights = step.weights
        if let density = step.density { configuration.density = density }
        configuration.seed = step.seed
        let conflicts = try ConflictReport.adapters(adapters, top: conflictTop)
        let merged = try AdapterMerge.merge(adapters, configuration: configuration)
        let section = MergeSection(step: name, method: step.method, tasks: inputs.map(\.name), conflicts: conflicts)
        let classes = inputs.first.flatMap {
            try? PipelineJSON.decode([String].self, from: $0.directory.appendingPathComponent("labels.json"))
        }
        return StepOutcome(figures: ["adapters": Double(inputs.count)]) { directory in
            try merged.save(
                to: directory, baseModel: adapters.first?.baseModel ?? "sentence-transformers/all-MiniLM-L6-v2")
            if let classes {
                try AtomicFile.write(
                    try PipelineJSON.encode(classes), to: directory.appendingPathComponent("labels.json"))
            }
            try AtomicFile.write(
                Data(try FoundryJSON.string(section, pretty: true).utf8),
                to: directory.appendingPathComponent("merge_section.json"))
        }
    }
}
