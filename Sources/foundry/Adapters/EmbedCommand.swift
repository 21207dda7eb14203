import Adapters
import ArgumentParser
import Foundation
import FoundryCore

/// `foundry embed`: mean-pooled sentence embeddings of a file of texts, written as an n × hidden float32 `.npy`.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with a BERT-family model (mean pooling), writing an n × 384 float32 .npy.")

    @Option(help: "Model directory in Hugging Face layout (config.json, model.safetensors, vocab.txt).")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Input: .txt (one text per line), .jsonl (field `text`) or .csv (column from --text-field).")
    var input: String

    @Option(help: "The JSONL field or CSV column holding the text (default `text`).")
    var textField: String?

    @Flag(help: "L2-normalise each embedding (as sentence-transformers' Normalize module).")
    var normalize = false

    @Option(help: "Output .npy file (default: the input path with extension .npy).")
    var out: String?

    @Option(help: "Texts per forward pass.")
    var batchSize = 32

    @Option(
        help:
            "Maximum tokens per text including [CLS]/[SEP] (default: the model's max_seq_length, 256); longer texts are truncated."
    )
    var maxLength: Int?

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    func run() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        if let maxLength {
            guard maxLength >= 2, maxLength <= encoder.model.configuration.maxPositions else {
                throw ValidationError("--max-length must be in 2...\(encoder.model.configuration.maxPositions)")
            }
            encoder.maxLength = maxLength
        }
        let inputURL = URL(fileURLWithPath: input)
        let texts = try AdaptersCLI.readTexts(inputURL, field: textField)
        guard !texts.isEmpty else { throw ValidationError("\(input) holds no texts") }
        let outURL =
            out.map { URL(fileURLWithPath: $0) } ?? inputURL.deletingPathExtension().appendingPathExtension("npy")
        let bar = ProgressBar(label: "embed", enabled: !json && ProgressBar.standardErrorIsTerminal)
        let started = AdaptersCLI.now()
        let embeddings = encoder.embed(texts, batchSize: batchSize, normalize: normalize) { done in
            bar.update(Progress(completed: done, total: texts.count))
        }
        let seconds = AdaptersCLI.now() - started
        try NumPyArray(floats: embeddings.scalars, shape: embeddings.shape).write(to: outURL)
        let truncated = encoder.tokenize(texts).filter { $0.count >= encoder.maxLength }.count
        if json {
            try AdaptersCLI.printJSON([
                "count": texts.count, "dimension": embeddings.columns, "out": outURL.path, "normalized": normalize,
                "max_length": encoder.maxLength, "truncated_texts": truncated, "seconds": AdaptersCLI.rounded(seconds),
                "texts_per_second": AdaptersCLI.rounded(Double(texts.count) / max(seconds, 1e-9), 2),
            ])
        } else {
            print(
                "embedded \(texts.count) texts → \(outURL.path) (\(texts.count) × \(embeddings.columns) float32\(normalize ? ", normalized" : ""); \(truncated) truncated at \(encoder.maxLength) tokens)"
            )
        }
    }
}
