// spam-adapter: from weak labels to a fine-tuned model, end to end.
//
//   make model                      # once: downloads all-MiniLM-L6-v2 into .models/
//   swift run -c release spam-adapter [WRENCH_DIR] [MODEL_DIR]
//
// 1. Read the WRENCH YouTube spam dataset: comments plus the votes of 10 labeling functions.
// 2. Fit a label model on the train split's votes and turn them into probabilistic (soft) labels.
// 3. Train a LoRA adapter on all-MiniLM-L6-v2 against those soft labels (no gold labels used for training;
//    the valid split's gold labels only pick the best epoch).
// 4. Compare the adapter's test accuracy with the label model's own, and save the adapter in PEFT's layout.
//
// `foundry train --wrench DIR` runs the same flow (Flows.AdapterTraining).
import Adapters
import Flows
import Foundation
import LabelModels

let arguments = CommandLine.arguments
let data = ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "../shared/datasets"
let wrenchPath = arguments.count > 1 ? arguments[1] : data + "/wrench_youtube"
let modelPath = arguments.count > 2 ? arguments[2] : ".models/all-MiniLM-L6-v2"

do {
    // 1–2. Weak labels → label model (auto picks or combines MV, moment matching and triplets) → soft labels.
    let labelled = try TrainingCorpus.wrench(
        folder: URL(fileURLWithPath: wrenchPath), labelModel: LabelModelConfiguration(method: .auto), seed: 0)
    let corpus = labelled.corpus
    print("train \(corpus.texts.count) comments with soft labels from \(corpus.labelModel?.choice ?? "auto")")
    print("label model test accuracy: \(String(format: "%.3f", corpus.labelModel?.testAccuracy ?? .nan))")

    // 3. A LoRA adapter (rank 8 on query and value, [CLS] head) trained on the soft labels.
    let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: modelPath))
    var options = AdapterTraining.Options()
    options.trainer.epochs = 5
    let outcome = try AdapterTraining.run(corpus: corpus, encoder: encoder, options: options) { progress in
        if progress.kind == .epochFinished { print("  \(progress.message)") }
    }

    // 4. The adapter against the label model it learned from.
    let result = outcome.result
    print("adapter test accuracy: \(String(format: "%.3f", result.testAccuracy ?? .nan)) after \(result.epochs) epochs")
    for warning in result.warnings { print("warning: \(warning)") }
    try FileManager.default.createDirectory(atPath: "out", withIntermediateDirectories: true)
    try outcome.save(to: URL(fileURLWithPath: "out/spam-adapter"))
    print("saved the PEFT adapter, its Fisher information and training.json to out/spam-adapter")
} catch {
    FileHandle.standardError.write(Data("spam-adapter: \(error)\n".utf8))
    exit(1)
}
