import Adapters
import ArgumentParser
import Foundation

/// `foundry predict`: class probabilities of texts from a base model plus a LoRA adapter (PEFT layout).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict classes of texts with a base model and a LoRA adapter (PEFT layout).",
        discussion: """
            Prints one line per text: its row (0-based, the input's order), the predicted class index and its \
            probability; --json gives every class's probability.
            """)

    @OptionGroup var encoderOptions: EncoderOptions

    @Option(help: "Adapter directory (adapter_config.json + adapter_model.safetensors).")
    var adapter: String

    @OptionGroup var source: TextInputOptions

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    /// One text's prediction.
    struct Prediction: Codable {
        var label: Int
        var probabilities: [Double]
    }

    /// What `--json` prints.
    struct Record: Codable {
        var count: Int
        var classes: Int
        var predictions: [Prediction]
    }

    func run() throws {
        let encoder = try encoderOptions.load(defaultLength: 256)
        let loaded = try LoRAAdapter(peftDirectory: URL(fileURLWithPath: adapter), model: encoder.model)
        let texts = try source.read()
        let predictor = LoRAPredictor(model: encoder.model, adapter: loaded)
        let probabilities = predictor.predictProbabilities(encoder.tokenize(texts))
        let k = loaded.head.classCount
        let rows: [[Float]] = (0..<texts.count).map { Array(probabilities.scalars[($0 * k)..<(($0 + 1) * k)]) }
        let labels = rows.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
        if json {
            try printJSON(
                Record(
                    count: texts.count, classes: k,
                    predictions: zip(labels, rows).map { label, row in
                        Prediction(label: label, probabilities: row.map { AdaptersCLI.rounded(Double($0), 6) })
                    }))
        } else {
            print("row\tlabel\tprobability")
            for (index, (label, row)) in zip(labels, rows).enumerated() {
                print("\(index)\t\(label)\t\(String(format: "%.4f", row[label]))")
            }
        }
    }
}
