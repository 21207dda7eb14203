import Adapters
import ArgumentParser
import Foundation
import FoundryCore

/// `foundry bench train`: LoRA training throughput with the settings of `../shared/bench/torch_minilm_bench.py --tasks train_lora`.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract:
            "LoRA training throughput (r 8, alpha 16, query+value+[CLS] head, AdamW 5e-4, batch 16, max length 64) as JSON."
    )

    @Option(help: "Model directory.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Timed optimizer steps per repetition.")
    var steps = 30

    @Option(help: "Untimed warm-up steps per repetition.")
    var warmup = 3

    @Option(help: "Timed repetitions, each with a fresh adapter (the median is reported).")
    var repeats = 3

    @Option(help: "Examples per step.")
    var batchSize = 16

    @Option(help: "Maximum tokens per example.")
    var maxLength = 64

    func run() throws {
        guard steps > 0, warmup >= 0, repeats > 0, batchSize > 0, maxLength >= 2 else {
            throw ValidationError("counts must be positive")
        }
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        encoder.maxLength = min(maxLength, encoder.model.configuration.maxPositions)
        let (texts, labels) = try AdaptersCLI.youtubeComments(count: 2000)
        var generator = SeededGenerator(seed: 0)
        var permutation = Array(texts.indices)
        permutation.shuffle(using: &generator)
        let batches: [[Int]] = (0..<(warmup + steps)).map { b in
            let start = (b * batchSize) % permutation.count
            return Array(permutation[start..<min(permutation.count, start + batchSize)])
        }
        let configuration = LoRAAdapter.Configuration(
            rank: 8, alpha: 16, dropout: 0, targets: [.query, .value], headPooling: .classifierToken, classCount: 2,
            seed: 0)
        var rssAfterLoad: Double?
        var runs: [[String: Any]] = []
        var rates: [Double] = []
        var widths: [Int] = []
        var parameterCount = 0
        for run in 1...repeats {
            let adapter = try LoRAAdapter(model: encoder.model, configuration: configuration)
            parameterCount = adapter.parameterCount
            var stepper = LoRAStepper(
                model: encoder.model, adapter: adapter, weightDecay: 0.01, maxGradientNorm: 0, encoderDropout: true,
                seed: UInt64(run))
            if rssAfterLoad == nil { rssAfterLoad = AdaptersCLI.peakRSSMegabytes() }
            func step(_ indices: [Int]) -> (Double, Int) {
                // Tokenization is part of the timed step, as in the PyTorch script.
                let sequences = encoder.tokenize(indices.map { texts[$0] })
                var targets = [Float](repeating: 0, count: indices.count * 2)
                for (row, index) in indices.enumerated() { targets[row * 2 + labels[index]] = 1 }
                return (
                    stepper.step(sequences, targets: targets, learningRate: 5e-4), sequences.map(\.count).max() ?? 0
                )
            }
            for indices in batches.prefix(warmup) { _ = step(indices) }
            var losses: [Double] = []
            let started = AdaptersCLI.now()
            for indices in batches.dropFirst(warmup) {
                let (loss, width) = step(indices)
                losses.append(loss)
                widths.append(width)
            }
            let seconds = AdaptersCLI.now() - started
            rates.append(Double(steps * batchSize) / seconds)
            runs.append([
                "wall_s": AdaptersCLI.rounded(seconds), "examples_per_s": AdaptersCLI.rounded(rates.last ?? 0, 2),
                "s_per_step": AdaptersCLI.rounded(seconds / Double(steps)),
                "loss_first": AdaptersCLI.rounded(losses.first ?? 0),
                "loss_last": AdaptersCLI.rounded(losses.last ?? 0),
                "loss_mean": AdaptersCLI.rounded(losses.reduce(0, +) / Double(max(1, losses.count))),
            ])
            FileHandle.standardError.write(
                Data("run \(run): \(String(format: "%.1f", rates.last ?? 0)) examples/s\n".utf8))
        }
        try AdaptersCLI.printJSON([
            "task": "train_lora", "implementation": "foundry (Swift, manual backward, OpenBLAS sgemm)",
            "optimizer": "AdamW(lr=5e-4, weight_decay=0.01)", "batch_size": batchSize, "max_length": maxLength,
            "padding": "none (sequences packed; equivalent to padding to the longest with a mask)",
            "warmup_steps": warmup,
            "timed_steps": steps, "trainable_params": parameterCount, "dropout": "encoder 0.1 (train mode), LoRA 0",
            "mean_longest_in_batch": AdaptersCLI.rounded(Double(widths.reduce(0, +)) / Double(max(1, widths.count)), 2),
            "median_examples_per_s": AdaptersCLI.rounded(AdaptersCLI.median(rates), 2), "runs": runs,
            "rss_after_first_model_load_mb": AdaptersCLI.number(rssAfterLoad),
            "peak_rss_mb": AdaptersCLI.number(AdaptersCLI.peakRSSMegabytes()),
            "cpu_count": ProcessInfo.processInfo.activeProcessorCount,
        ])
    }
}
