import Adapters
import ArgumentParser
import Foundation

/// `foundry bench embed`: sentence-embedding throughput with the settings of `../shared/bench/torch_minilm_bench.py --tasks infer`.
struct BenchEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embedding throughput (2000 YouTube comments, batch 32, max length 64, normalized) as JSON.")

    @Option(help: "Model directory.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Number of texts (the 1,956 comments cycled).")
    var count = 2000

    @Option(help: "Timed repetitions (the median is reported).")
    var repeats = 3

    @Option(help: "Texts per forward pass.")
    var batchSize = 32

    @Option(help: "Maximum tokens per text.")
    var maxLength = 64

    func run() throws {
        guard count > 0, repeats > 0, batchSize > 0, maxLength >= 2 else {
            throw ValidationError("counts must be positive")
        }
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        encoder.maxLength = min(maxLength, encoder.model.configuration.maxPositions)
        let rssAfterLoad = AdaptersCLI.peakRSSMegabytes()
        let texts = try AdaptersCLI.youtubeComments(count: count).texts
        let lengths = encoder.tokenize(texts).map(\.count)
        _ = encoder.embed(Array(texts.prefix(64)), batchSize: batchSize, normalize: true)  // warm-up
        var runs: [[String: Any]] = []
        var rates: [Double] = []
        for run in 1...repeats {
            let started = AdaptersCLI.now()
            let embeddings = encoder.embed(texts, batchSize: batchSize, normalize: true)
            let seconds = AdaptersCLI.now() - started
            precondition(embeddings.shape == [texts.count, encoder.model.configuration.hiddenSize])
            rates.append(Double(texts.count) / seconds)
            runs.append([
                "wall_s": AdaptersCLI.rounded(seconds), "texts_per_s": AdaptersCLI.rounded(rates.last ?? 0, 2),
            ])
            FileHandle.standardError.write(
                Data("run \(run): \(String(format: "%.1f", rates.last ?? 0)) texts/s\n".utf8))
        }
        try AdaptersCLI.printJSON([
            "task": "infer", "implementation": "foundry (Swift, OpenBLAS sgemm)", "n_texts": texts.count,
            "batch_size": batchSize,
            "max_seq_length": encoder.maxLength, "normalize": true,
            "mean_tokens_per_text": AdaptersCLI.rounded(Double(lengths.reduce(0, +)) / Double(lengths.count), 2),
            "median_texts_per_s": AdaptersCLI.rounded(AdaptersCLI.median(rates), 2), "runs": runs,
            "rss_after_load_mb": AdaptersCLI.number(rssAfterLoad),
            "peak_rss_mb": AdaptersCLI.number(AdaptersCLI.peakRSSMegabytes()),
            "cpu_count": ProcessInfo.processInfo.activeProcessorCount,
        ])
    }
}
