import Adapters
import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tensors

/// `foundry train`: label model on a WRENCH train split's weak labels → soft labels → LoRA adapter (early stopping on
/// the valid split) → test accuracy/F1 next to the label model's own test score.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract:
            "Train a LoRA adapter on a label model's probabilistic labels (WRENCH folder) and score it on the test split."
    )

    @Option(help: "WRENCH dataset folder (train.json, valid.json, test.json, label.json).")
    var wrench: String

    @Option(help: "Base model directory in Hugging Face layout.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Label model producing the soft labels: auto, mv, wmv, ds, moments, triplet.")
    var labelModel: LabelModelMethod = .auto

    @OptionGroup var labelModelOptions: MomentOptions

    @Option(help: "LoRA rank r (> 0).")
    var rank = 8

    @Option(help: "LoRA alpha (the update is scaled by alpha / r).")
    var alpha: Float = 16

    @Option(help: "Comma-separated adapted layers: query,key,value,attention_output,intermediate,output.")
    var targets = "query,value"

    @Option(help: "Maximum epochs (early stopping on the valid split).")
    var epochs = 5

    @Option(help: "Output adapter directory (PEFT layout, plus fisher.safetensors and training.json).")
    var out: String

    @Option(
        help:
            "Head: cls (BERT [CLS] pooler + linear, as AutoModelForSequenceClassification) or mean (mean pooling + linear)."
    )
    var head = "cls"

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

    @Flag(help: "Train only on rows at least one labeling function voted on.")
    var coveredOnly = false

    @Option(help: "Training examples used for the diagonal Fisher information (0 = skip).")
    var fisherSamples = 128

    @Option(help: "Seed for the label model, initialisation, shuffling and dropout.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        let targetList = try targets.split(separator: ",").map { name -> LoRATarget in
            guard let target = LoRATarget(name: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "unknown target \(name); use query,key,value,attention_output,intermediate,output")
            }
            return target
        }
        guard let pooling: HeadPooling = head == "cls" ? .classifierToken : head == "mean" ? .mean : nil else {
            throw ValidationError("--head must be cls or mean")
        }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard fisherSamples >= 0 else { throw ValidationError("--fisher-samples must be ≥ 0") }
        let log: (String) -> Void = { message in
            if !json { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        }

        // Data and label model.
        let dataset = try WrenchDataset(directory: URL(fileURLWithPath: wrench))
        let train = try dataset.split(.train), valid = try dataset.split(.valid), test = try dataset.split(.test)
        let k = train.labelMatrix.cardinality
        var labeler = try labelModelOptions.makeModel(labelModel)
        try labeler.fit(train.labelMatrix, options: FitOptions(seed: seed))
        let soft = try labeler.predictProbabilities(train.labelMatrix)
        let labelModelTest = try labeler.predictProbabilities(test.labelMatrix)
        let labelModelPredicted = type(of: labeler).hardLabels(
            labelModelTest, tieBreak: .rowHash, prior: labeler.classBalance)
        let labelModelScore = ClassificationScore(
            gold: test.goldLabels, predicted: labelModelPredicted.map(\.rawValue), cardinality: k)
        log(
            "label model \(labelModel): test accuracy \(labelModelScore.accuracy.map { String(format: "%.4f", $0) } ?? "n/a")"
        )

        // Soft labels → training examples.
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        encoder.maxLength = min(maxLength, encoder.model.configuration.maxPositions)
        var covered = [Bool](repeating: false, count: train.count)
        train.labelMatrix.forEachVote { row, _, _ in covered[row] = true }
        let rows = (0..<train.count).filter { !coveredOnly || covered[$0] }
        guard !rows.isEmpty else { throw ValidationError("no training rows (is every row uncovered?)") }
        var probabilities = [Float]()
        probabilities.reserveCapacity(rows.count * k)
        for row in rows { for c in 0..<k { probabilities.append(Float(soft[row, c])) } }
        let sequences = encoder.tokenize(rows.map { train.texts[$0] })
        let labels = try SoftLabels(
            probabilities: probabilities, classNames: (0..<k).map { "class_\($0)" }, source: "label model \(labelModel)"
        )
        let validRows = valid.goldLabels.indices.filter { valid.goldLabels[$0] >= 0 }
        let validation = (encoder.tokenize(validRows.map { valid.texts[$0] }), validRows.map { valid.goldLabels[$0] })

        // LoRA training.
        var adapter = try LoRAAdapter(
            model: encoder.model,
            configuration: .init(
                rank: rank, alpha: alpha, dropout: loraDropout, targets: targetList, headPooling: pooling,
                classCount: k, seed: seed))
        let bar = ProgressBar(label: "train", enabled: !json && ProgressBar.standardErrorIsTerminal)
        let trainer = LoRATrainer(
            configuration: .init(
                epochs: epochs, batchSize: batchSize, learningRate: learningRate, patience: patience, seed: seed))
        let report = try trainer.train(
            &adapter, model: encoder.model, sequences: sequences, labels: labels, validation: validation,
            progress: { bar.update($0.overallProgress) })
        log(
            "epochs \(report.epochs) (best \(report.bestEpoch)), validation accuracy \(report.validationAccuracies.map { String(format: "%.4f", $0) })"
        )

        // Test scores.
        let predictor = LoRAPredictor(model: encoder.model, adapter: adapter)
        let predicted = predictor.predictLabels(encoder.tokenize(test.texts))
        let score = ClassificationScore(gold: test.goldLabels, predicted: predicted, cardinality: k)

        // Fisher information on a seeded sample of the training rows, saved beside the adapter.
        var extraFiles: [String: Data] = [:]
        if fisherSamples > 0 {
            var generator = SeededGenerator(seed: seed ^ 0xF15E)
            let sample = Array(sequences.indices.shuffled(using: &generator).prefix(fisherSamples))
            let fisher = FisherInformation.diagonal(
                adapter: adapter, model: encoder.model, sequences: sample.map { sequences[$0] })
            var file = SafeTensors(tensors: FisherInformation.namedTensors(fisher, adapter: adapter))
            file.metadata["foundry.fisher_samples"] = String(sample.count)
            extraFiles["fisher.safetensors"] = file.serialized()
        }
        var record: [String: Any] = [
            "dataset": URL(fileURLWithPath: wrench).lastPathComponent, "label_model": labelModel.rawValue,
            "label_model_test_accuracy": AdaptersCLI.number(labelModelScore.accuracy),
            "label_model_test_f1": AdaptersCLI.number(labelModelScore.f1),
            "test_accuracy": AdaptersCLI.number(score.accuracy), "test_f1": AdaptersCLI.number(score.f1),
            "test_f1_macro": AdaptersCLI.number(score.macroF1),
            "train_seconds": AdaptersCLI.rounded(report.trainSeconds, 2),
            "examples_per_second": AdaptersCLI.rounded(report.examplesPerSecond, 2),
            "epochs": report.epochs, "best_epoch": report.bestEpoch, "steps": report.steps,
            "stopped_early": report.stoppedEarly,
            "validation_accuracies": report.validationAccuracies.map { AdaptersCLI.rounded($0) },
            "epoch_losses": report.epochLosses.map { AdaptersCLI.number(AdaptersCLI.rounded($0)) },
            "n_train": rows.count, "n_valid": validRows.count,
            "n_test": test.count, "rank": rank, "alpha": Double(alpha),
            "targets": adapter.configuration.targets.map(\.rawValue),
            "head": head, "max_length": encoder.maxLength, "trainable_params": adapter.parameterCount, "out": out,
        ]
        try adapter.save(to: URL(fileURLWithPath: out), extraFiles: extraFiles)
        let recordData = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .prettyPrinted])
        try recordData.write(to: URL(fileURLWithPath: out).appendingPathComponent("training.json"), options: .atomic)
        let fisherPath: Any =
            fisherSamples > 0
            ? URL(fileURLWithPath: out).appendingPathComponent("fisher.safetensors").path as Any : NSNull()
        record["fisher"] = fisherPath
        if json {
            try AdaptersCLI.printJSON(record)
        } else {
            print(
                String(
                    format: "test accuracy %.4f, F1 %.4f (label model %@: %.4f); %.0f s, %.1f examples/s → %@",
                    score.accuracy ?? 0, score.f1 ?? 0, labelModel.rawValue, labelModelScore.accuracy ?? 0,
                    report.trainSeconds, report.examplesPerSecond, out))
        }
    }
}
