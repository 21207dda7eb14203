import Adapters
import ArgumentParser
import Foundation
import FoundryCore

/// `foundry embed`: mean-pooled sentence embeddings of a file of texts, written as an n × hidden float32 `.npy`.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with a BERT-family model (mean pooling), writing an n × 384 float32 .npy.")

    @OptionGroup var encoderOptions: EncoderOptions
    @OptionGroup var source: TextInputOptions

    @Flag(help: "L2-normalise each embedding (as sentence-transformers' Normalize module).")
    var normalize = false

    @Option(help: "Output .npy file (default: the input path with extension .npy).")
    var out: String?

    @Option(help: "Texts per forward pass.")
    var batchSize = 32

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    /// What `--json` prints.
    struct Record: Codable {
        var count: Int
        var dimension: Int
        var out: String
        var normalized: Bool
        var maxLength: Int
        var truncatedTexts: Int
        var seconds: Double
        var textsPerSecond: Double
    }

    func run() throws {
        let encoder = try encoderOptions.load()
        let texts = try source.read()
        let inputURL = URL(fileURLWithPath: source.input)
        let outURL =
            out.map { URL(fileURLWithPath: $0) } ?? inputURL.deletingPathExtension().appendingPathExtension("npy")
        let bar = ProgressBar(label: "embed", enabled: !json && ProgressBar.standardErrorIsTerminal)
        let started = AdaptersCLI.now()
        let embeddings = encoder.embed(texts, batchSize: batchSize, normalize: normalize) { done in
            bar.update(FoundryCore.Progress(completed: done, total: texts.count))
        }
        let seconds = AdaptersCLI.now() - started
        try NumPyArray(floats: embeddings.scalars, shape: embeddings.shape).write(to: outURL)
        let truncated = encoder.tokenize(texts).filter { $0.count >= encoder.maxLength }.count
        if json {
            try printJSON(
                Record(
                    count: texts.count, dimension: embeddings.columns, out: outURL.path, normalized: normalize,
                    maxLength: encoder.maxLength, truncatedTexts: truncated, seconds: AdaptersCLI.rounded(seconds),
                    textsPerSecond: AdaptersCLI.rounded(Double(texts.count) / max(seconds, 1e-9), 2)))
        } else {
            print(
                "embedded \(texts.count) texts → \(outURL.path) (\(texts.count) × \(embeddings.columns) float32\(normalize ? ", normalized" : ""); \(truncated) truncated at \(encoder.maxLength) tokens)"
            )
        }
    }
}
