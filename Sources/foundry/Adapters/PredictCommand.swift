import Adapters
import ArgumentParser
import Foundation

/// `foundry predict`: class probabilities of texts from a base model plus a LoRA adapter (PEFT layout).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict classes of texts with a base model and a LoRA adapter (PEFT layout).")

    @Option(help: "Base model directory in Hugging Face layout.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Adapter directory (adapter_config.json + adapter_model.safetensors).")
    var adapter: String

    @Option(help: "Input: .txt (one text per line), .jsonl (field `text`) or .csv (column from --text-field).")
    var input: String

    @Option(help: "The JSONL field or CSV column holding the text (default `text`).")
    var textField: String?

    @Option(help: "Maximum tokens per text (longer texts are truncated; default 256).")
    var maxLength = 256

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        guard maxLength >= 2, maxLength <= encoder.model.configuration.maxPositions else {
            throw ValidationError("--max-length must be in 2...\(encoder.model.configuration.maxPositions)")
        }
        encoder.maxLength = maxLength
        let loaded = try LoRAAdapter(peftDirectory: URL(fileURLWithPath: adapter), model: encoder.model)
        let texts = try AdaptersCLI.readTexts(URL(fileURLWithPath: input), field: textField)
        guard !texts.isEmpty else { throw ValidationError("\(input) holds no texts") }
        let predictor = LoRAPredictor(model: encoder.model, adapter: loaded)
        let probabilities = predictor.predictProbabilities(encoder.tokenize(texts))
        let k = loaded.head.classCount
        let rows: [[Float]] = (0..<texts.count).map { Array(probabilities.scalars[($0 * k)..<(($0 + 1) * k)]) }
        let labels = rows.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
        if json {
            try AdaptersCLI.printJSON([
                "count": texts.count, "classes": k,
                "predictions": zip(labels, rows).map {
                    ["label": $0, "probabilities": $1.map { AdaptersCLI.rounded(Double($0), 6) }] as [String: Any]
                },
            ])
        } else {
            for (index, (label, row)) in zip(labels, rows).enumerated() {
                print("\(index)\t\(label)\t\(String(format: "%.4f", row[label]))")
            }
        }
    }
}
