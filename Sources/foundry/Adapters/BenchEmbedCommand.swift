import Adapters
import ArgumentParser
import Foundation

/// `foundry bench embed`: sentence-embedding throughput with the settings of `../shared/bench/torch_minilm_bench.py --tasks infer`.
struct BenchEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embedding throughput (2000 YouTube comments, batch 32, max length 64, normalized) as JSON.")

    @OptionGroup var bench: EncoderBenchOptions

    @Option(help: "Number of texts (the 1,956 comments cycled).")
    var count = 2000

    @Option(help: "Texts per forward pass.")
    var batchSize = 32

    func validate() throws {
        guard count > 0, batchSize > 0 else { throw ValidationError("--count and --batch-size must be positive") }
    }

    /// One timed repetition.
    struct Run: Codable {
        var wallS: Double
        var textsPerS: Double
        /// CPU seconds of this process over the run (all threads), as the PyTorch script's `own_cpu_s`.
        var ownCpuS: Double
    }

    /// What the benchmark prints (the keys of `../shared/bench/torch_minilm_bench.py`).
    struct Record: Codable {
        var task = "infer"
        var implementation = "foundry (Swift, OpenBLAS sgemm)"
        var nTexts: Int
        var batchSize: Int
        var maxSeqLength: Int
        var normalize = true
        var meanTokensPerText: Double
        var medianTextsPerS: Double
        var runs: [Run]
        var rssAfterLoadMb: Double?
        var peakRssMb: Double?
        var cpuCount: Int
    }

    func run() throws {
        let encoder = try bench.load()
        let repeats = bench.repeats
        let rssAfterLoad = AdaptersCLI.peakRSSMegabytes()
        let texts = try AdaptersCLI.youtubeComments(count: count).texts
        let lengths = encoder.tokenize(texts).map(\.count)
        _ = encoder.embed(Array(texts.prefix(64)), batchSize: batchSize, normalize: true)  // warm-up
        var runs: [Run] = []
        var rates: [Double] = []
        for run in 1...repeats {
            let started = AdaptersCLI.now(), cpuStarted = BenchApplyCommand.processCPUSeconds()
            let embeddings = encoder.embed(texts, batchSize: batchSize, normalize: true)
            let seconds = AdaptersCLI.now() - started
            let cpuSeconds = BenchApplyCommand.processCPUSeconds() - cpuStarted
            guard embeddings.shape == [texts.count, encoder.model.configuration.hiddenSize] else {
                throw CommandFailure("the encoder returned \(embeddings.shape) embeddings for \(texts.count) texts")
            }
            rates.append(Double(texts.count) / seconds)
            runs.append(
                Run(
                    wallS: AdaptersCLI.rounded(seconds), textsPerS: AdaptersCLI.rounded(rates.last ?? 0, 2),
                    ownCpuS: AdaptersCLI.rounded(cpuSeconds, 3)))
            FileHandle.standardError.write(
                Data("run \(run): \(String(format: "%.1f", rates.last ?? 0)) texts/s\n".utf8))
        }
        try printBenchJSON(
            Record(
                nTexts: texts.count, batchSize: batchSize, maxSeqLength: encoder.maxLength,
                meanTokensPerText: AdaptersCLI.rounded(Double(lengths.reduce(0, +)) / Double(lengths.count), 2),
                medianTextsPerS: AdaptersCLI.rounded(AdaptersCLI.median(rates), 2), runs: runs,
                rssAfterLoadMb: rssAfterLoad, peakRssMb: AdaptersCLI.peakRSSMegabytes(),
                cpuCount: ProcessInfo.processInfo.activeProcessorCount))
    }
}
