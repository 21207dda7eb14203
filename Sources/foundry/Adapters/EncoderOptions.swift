import Adapters
import ArgumentParser
import Foundation

/// The base encoder a command runs: `--model` (Hugging Face layout) and `--max-length`.
struct EncoderOptions: ParsableArguments {
    @Option(help: "Model directory in Hugging Face layout (config.json, model.safetensors, vocab.txt).")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(
        help:
            "Maximum tokens per text including [CLS]/[SEP] (default: the command's; at most the model's positions); longer texts are truncated."
    )
    var maxLength: Int?

    func validate() throws {
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2") }
    }

    /// Loads the encoder and sets its maximum length (`--max-length`, else `defaultLength`, else the model's own).
    ///
    /// - Throws: ``AdaptersError`` for a missing or malformed model; ``CommandFailure`` for a length beyond the model.
    func load(defaultLength: Int? = nil) throws -> SentenceEncoder {
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        let positions = encoder.model.configuration.maxPositions
        if let maxLength {
            guard maxLength <= positions else {
                throw CommandFailure("--max-length \(maxLength) exceeds the model's \(positions) positions")
            }
            encoder.maxLength = maxLength
        } else if let defaultLength {
            encoder.maxLength = min(defaultLength, positions)
        }
        return encoder
    }
}

/// The texts a command reads: `--input` (.txt, .csv, .tsv or .jsonl) and `--text-field`.
struct TextInputOptions: ParsableArguments {
    @Option(help: "Input: .txt (one text per line), .jsonl, .csv or .tsv (the text in --text-field).")
    var input: String

    @Option(help: "The JSONL field or CSV column holding the text (default `text`).")
    var textField: String?

    /// The texts, at least one.
    ///
    /// - Throws: the readers' errors naming the file; ``CommandFailure`` for a file without texts.
    func read() throws -> [String] {
        let texts = try AdaptersCLI.readTexts(URL(fileURLWithPath: input), field: textField)
        guard !texts.isEmpty else { throw CommandFailure("\(input) holds no texts") }
        return texts
    }
}

/// Timing options shared by the encoder benchmarks: `--model`, `--repeats`, `--max-length`.
struct EncoderBenchOptions: ParsableArguments {
    @Option(help: "Model directory.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Timed repetitions (the median is reported).")
    var repeats = 3

    @Option(help: "Maximum tokens per text.")
    var maxLength = 64

    func validate() throws {
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
    }

    /// The encoder with `--max-length` (capped by the model's positions).
    func load() throws -> SentenceEncoder {
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        encoder.maxLength = min(maxLength, encoder.model.configuration.maxPositions)
        return encoder
    }
}
