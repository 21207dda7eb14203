import Adapters
import ArgumentParser
import Foundation
import Merging

/// `foundry merge gram`: the Gram matrices of a full checkpoint's linear-layer inputs on its task's texts, saved beside
/// it for `foundry merge --models … --method regmean`.
struct MergeGramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gram",
        abstract:
            "Save a full checkpoint's layer-input Gram matrices on its task's texts (for --models --method regmean).",
        discussion: """
            Runs the checkpoint's own encoder (model.safetensors) on a seeded sample of --input's texts and writes, for \
            every query, key, value, attention-output, intermediate and output layer, G = XᵀX / n of the layer's \
            inputs to DIR/gram.safetensors (or --out). Merging then needs no data.
            """)

    @Option(help: "The checkpoint folder (Hugging Face layout with model.safetensors and the tokenizer files).")
    var model: String

    @OptionGroup var source: TextInputOptions

    @Option(help: "Texts sampled from --input (all when there are fewer).")
    var samples = 128

    @Option(help: "Maximum tokens per text.")
    var maxLength = 128

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 0

    @Option(help: "Output file (default: MODEL/gram.safetensors).")
    var out: String?

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    func validate() throws {
        guard samples > 0 else { throw ValidationError("--samples must be positive") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// What `--json` prints.
    struct Record: Codable {
        var out: String
        var layers: Int
        var samples: Int
        var maxLength: Int
    }

    func run() throws {
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        encoder.maxLength = min(maxLength, encoder.model.configuration.maxPositions)
        let texts = try source.read()
        let (grams, rows) = try CheckpointGram.compute(encoder: encoder, texts: texts, samples: samples, seed: seed)
        let url =
            out.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: model).appendingPathComponent(CheckpointGram.fileName)
        try CheckpointGram.save(grams, rows: rows, to: url)
        if json {
            try printJSON(Record(out: url.path, layers: grams.count, samples: rows, maxLength: encoder.maxLength))
        } else {
            print("Gram matrices of \(grams.count) layers on \(rows) texts → \(url.path)")
        }
    }
}
