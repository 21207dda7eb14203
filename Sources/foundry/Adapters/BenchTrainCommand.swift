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

    @OptionGroup var bench: EncoderBenchOptions

    @Option(help: "Timed optimizer steps per repetition (each repetition starts from a fresh adapter).")
    var steps = 30

    @Option(help: "Untimed warm-up steps per repetition.")
    var warmup = 3

    @Option(help: "Examples per step.")
    var batchSize = 16

    func validate() throws {
        guard steps > 0, warmup >= 0, batchSize > 0 else {
            throw ValidationError("--steps and --batch-size must be positive, --warmup at least 0")
        }
    }

    /// One timed repetition.
    struct Run: Codable {
        var wallS: Double
        var examplesPerS: Double
        /// CPU seconds of this process over the timed steps (all threads), as the PyTorch script's `own_cpu_s`.
        var ownCpuS: Double
        var sPerStep: Double
        var lossFirst: Double
        var lossLast: Double
        var lossMean: Double
        /// The loss of every timed step, in order (the training curve; a fixed seed gives the same curve).
        var losses: [Double]
    }

    /// What the benchmark prints (the keys of `../shared/bench/torch_minilm_bench.py`).
    struct Record: Codable {
        var task = "train_lora"
        var implementation = "foundry (Swift, manual backward, OpenBLAS sgemm)"
        var optimizer = "AdamW(lr=5e-4, weight_decay=0.01)"
        var batchSize: Int
        var maxLength: Int
        var padding = "none (sequences packed; equivalent to padding to the longest with a mask)"
        var warmupSteps: Int
        var timedSteps: Int
        var trainableParams: Int
        var dropout = "encoder 0.1 (train mode), LoRA 0"
        var meanLongestInBatch: Double
        var medianExamplesPerS: Double
        var runs: [Run]
        var rssAfterFirstModelLoadMb: Double?
        var peakRssMb: Double?
        var cpuCount: Int
    }

    func run() throws {
        let encoder = try bench.load()
        let repeats = bench.repeats
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
        var runs: [Run] = []
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
            let started = AdaptersCLI.now(), cpuStarted = BenchApplyCommand.processCPUSeconds()
            for indices in batches.dropFirst(warmup) {
                let (loss, width) = step(indices)
                losses.append(loss)
                widths.append(width)
            }
            let seconds = AdaptersCLI.now() - started
            let cpuSeconds = BenchApplyCommand.processCPUSeconds() - cpuStarted
            rates.append(Double(steps * batchSize) / seconds)
            runs.append(
                Run(
                    wallS: AdaptersCLI.rounded(seconds), examplesPerS: AdaptersCLI.rounded(rates.last ?? 0, 2),
                    ownCpuS: AdaptersCLI.rounded(cpuSeconds, 3), sPerStep: AdaptersCLI.rounded(seconds / Double(steps)),
                    lossFirst: AdaptersCLI.rounded(losses.first ?? 0), lossLast: AdaptersCLI.rounded(losses.last ?? 0),
                    lossMean: AdaptersCLI.rounded(losses.reduce(0, +) / Double(max(1, losses.count))),
                    losses: losses))
            FileHandle.standardError.write(
                Data("run \(run): \(String(format: "%.1f", rates.last ?? 0)) examples/s\n".utf8))
        }
        try printBenchJSON(
            Record(
                batchSize: batchSize, maxLength: bench.maxLength, warmupSteps: warmup, timedSteps: steps,
                trainableParams: parameterCount,
                meanLongestInBatch: AdaptersCLI.rounded(Double(widths.reduce(0, +)) / Double(max(1, widths.count)), 2),
                medianExamplesPerS: AdaptersCLI.rounded(AdaptersCLI.median(rates), 2), runs: runs,
                rssAfterFirstModelLoadMb: rssAfterLoad, peakRssMb: AdaptersCLI.peakRSSMegabytes(),
                cpuCount: ProcessInfo.processInfo.activeProcessorCount))
    }
}
