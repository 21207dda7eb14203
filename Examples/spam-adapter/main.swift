// spam-adapter: from weak labels to a fine-tuned model, end to end.
//
//   scripts/fetch-model.sh          # once: downloads all-MiniLM-L6-v2 into .models/
//   swift run -c release spam-adapter [WRENCH_DIR] [MODEL_DIR]
//
// 1. Read the WRENCH YouTube spam dataset: comments plus the votes of 10 labeling functions.
// 2. Fit a label model on the train split's votes and turn them into probabilistic (soft) labels.
// 3. Train a LoRA adapter on all-MiniLM-L6-v2 against those soft labels (no gold labels used for training;
//    the valid split's gold labels only pick the best epoch).
// 4. Compare the adapter's test accuracy with the label model's own.
import Adapters
import Foundation
import FoundryCore
import LabelModels
import Labeling

let arguments = CommandLine.arguments
let data = ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "../shared/datasets"
let wrenchPath = arguments.count > 1 ? arguments[1] : data + "/wrench_youtube"
let modelPath = arguments.count > 2 ? arguments[2] : ".models/all-MiniLM-L6-v2"

do {
    // 1. Weak labels.
    let dataset = try WrenchDataset(directory: URL(fileURLWithPath: wrenchPath))
    let train = try dataset.split(.train), valid = try dataset.split(.valid), test = try dataset.split(.test)
    print("train \(train.count) comments, \(train.labelMatrix.lfCount) labeling functions")

    // 2. Label model → soft labels.
    var labelModel = AutoLabelModel()
    try labelModel.fit(train.labelMatrix)
    let soft = try labelModel.predictProbabilities(train.labelMatrix)
    let labelModelScore = try labelModel.score(test.labelMatrix, gold: test.goldLabels)
    print("label model test accuracy: \(String(format: "%.3f", labelModelScore.accuracy ?? 0))")

    // 3. LoRA adapter trained on the soft labels.
    var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: modelPath))
    encoder.maxLength = 128
    let labels = try SoftLabels(soft, classNames: ["ham", "spam"])
    var adapter = try LoRAAdapter(
        model: encoder.model, configuration: .init(rank: 8, alpha: 16, dropout: 0.1, targets: [.query, .value]))
    let trainer = LoRATrainer(configuration: .init(epochs: 5, batchSize: 16, learningRate: 5e-4))
    let report = try trainer.train(
        &adapter, model: encoder.model, sequences: encoder.tokenize(train.texts), labels: labels,
        validation: (encoder.tokenize(valid.texts), valid.goldLabels)
    ) { progress in
        if progress.kind == .epochFinished || progress.completed % 20 == 0 {
            print("  step \(progress.completed)/\(progress.total) \(progress.message)")
        }
    }
    print("trained \(report.epochs) epochs at \(String(format: "%.1f", report.examplesPerSecond)) examples/s")

    // 4. Test accuracy of the adapter vs the label model.
    let predicted = LoRAPredictor(model: encoder.model, adapter: adapter).predictLabels(encoder.tokenize(test.texts))
    let correct = zip(predicted, test.goldLabels).filter { $0 == $1 }.count
    print("adapter test accuracy: \(String(format: "%.3f", Double(correct) / Double(test.count)))")
    try adapter.save(to: URL(fileURLWithPath: "out/spam-adapter"))
    print("saved PEFT adapter to out/spam-adapter")
} catch {
    FileHandle.standardError.write(Data("spam-adapter: \(error)\n".utf8))
    exit(1)
}
