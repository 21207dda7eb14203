import ArgumentParser
import DatasetStore
import Flows
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tabular

/// What `predict` predicts with and on: `--model`, `--matrix`, and optionally the `--input` table the matrix was
/// applied to.
struct PredictionInputOptions: ParsableArguments {
    @Option(help: "A model saved by `foundry labelmodel fit` (or `evaluate --save-model`).")
    var model: String
    @Option(help: "Label matrix (.npy, integer, -1 = abstain), with the model's LFs as columns.")
    var matrix: String?
    @OptionGroup var storeFlow: StoreFlowOptions
    @Option(
        name: .customLong("matrix-name"),
        help: "The stored label matrix to label (with --dataset; default: the version's only one).")
    var matrixName: String?
    @Option(help: "The soft labels' name in the store (with --dataset; default: MATRIX-METHOD).")
    var name: String?

    func validate() throws {
        guard (matrix != nil) != storeFlow.isGiven else {
            throw ValidationError(
                "give the label matrix as --matrix L.npy or as --dataset NAME[@VERSION] (from the store)")
        }
        guard matrixName == nil || storeFlow.isGiven else { throw ValidationError("--matrix-name goes with --dataset") }
        guard name == nil || storeFlow.isGiven else {
            throw ValidationError("--name names the soft labels in the store")
        }
    }

    /// Where the matrix came from, for messages.
    var matrixDescription: String { matrix ?? storeFlow.dataset?.description ?? "" }
    @Option(
        help:
            "The table the matrix was applied to (.csv, .tsv or .jsonl, one row per matrix row): a .csv/.tsv/.jsonl --out then holds its columns plus label, class_name and confidence."
    )
    var input: String?
}

/// Where and how `predict` writes its predictions.
struct PredictionOutputOptions: ParsableArguments {
    @Option(
        help:
            "Where to write the predictions: .npy = the n × k probabilities (float32); .csv/.tsv/.jsonl = a table (with --input: its columns plus label, class_name, confidence; else row, label, class_name, confidence). Without --out the table goes to stdout as CSV."
    )
    var out: String?
    @Option(name: .customLong("class-names"), help: "Names of the k classes, comma-separated (default 0, 1, …).")
    var classNames: String?
}

/// `foundry labelmodel predict`: probabilistic labels from a saved model.
struct LabelModelPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict probabilistic labels with a saved label model.",
        discussion: """
            Without --out the predictions go to stdout as CSV with a header: row (0-based, the matrix row), label (the \
            most probable class index; ties by --tie-break, -1 if abstained), class_name, confidence (the label's \
            probability). The summary then goes to stderr (as JSON with --json). With --out the predictions are written \
            there, all or nothing, and the summary goes to stdout.
            """)

    @OptionGroup var source: PredictionInputOptions
    @OptionGroup var output: PredictionOutputOptions
    @Option(help: "Gold labels (.npy, -1 = unknown) to report accuracy.")
    var gold: String?
    @Option(help: "Seed for random tie-breaking (with --tie-break random).")
    var seed: UInt64 = 123
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    func validate() throws {
        if source.storeFlow.isGiven, source.input != nil {
            throw ValidationError("with --dataset the rows are the stored version's; --input labels a file's rows")
        }
        if source.input != nil, let out = output.out, URL(fileURLWithPath: out).pathExtension.lowercased() == "npy" {
            throw ValidationError("--input labels a table; a .npy --out holds only the n × k probabilities")
        }
    }

    /// The summary.
    struct Record: Codable {
        var n: Int
        var predictSeconds: Double
        var accuracy: Double?
        var accuracyExpected: Double?
        var readSeconds: Double
        var out: String?
        var softLabels: Artifact?
    }

    /// Columns the predictions add to a table.
    static let predictionColumns = ["label", "class_name", "confidence"]

    func run() throws {
        let readStart = monotonicSeconds()
        let file = try LabelModelFile.read(from: URL(fileURLWithPath: source.model))
        let model = file.model
        let session = try source.storeFlow.session()
        let matrixArtifact = try session.map {
            try StoredFlows.artifact(
                .labelMatrix, named: source.matrixName, on: $0.dataset, store: $0.store, as: $0.principal)
        }
        let labels: LabelMatrix
        if let session, let matrixArtifact {
            labels = try session.store.labelMatrix(artifact: matrixArtifact.id, as: session.principal)
            guard labels.cardinality == model.cardinality else {
                throw LabelModelsError.invalidInput(
                    "label matrix '\(matrixArtifact.name)' has \(labels.cardinality) classes, the model \(model.cardinality)"
                )
            }
        } else {
            labels = try LabelMatrix(
                numPyFile: URL(fileURLWithPath: source.matrix ?? ""), cardinality: model.cardinality)
        }
        let classNames =
            try output.classNames.map { try parseClassNames($0, cardinality: model.cardinality) }
            ?? (matrixArtifact != nil ? labels.classNames : parseClassNames(nil, cardinality: model.cardinality))
        let inputTable = try source.input.map { try TableFormat.read(URL(fileURLWithPath: $0)) }
        let readSeconds = monotonicSeconds() - readStart
        let start = monotonicSeconds()
        let probabilities: Matrix
        do { probabilities = try model.predictProbabilities(labels) } catch let error as LabelModelsError {
            throw LabelModelsError.invalidInput("\(source.matrixDescription): \(error.description)")
        }
        let seconds = monotonicSeconds() - start
        let predicted = type(of: model).hardLabels(
            probabilities, tieBreak: tieBreak.policy(seed: seed), prior: model.classBalance)
        let soft = try SoftLabels(probabilities, classNames: classNames, source: source.model)
        var accuracy: Double?
        var expected: Double?
        if let gold {
            let goldLabels = try readGoldLabels(gold, rows: labels.rowCount)
            accuracy =
                ClassificationScore(
                    gold: goldLabels, predicted: predicted.map(\.rawValue), cardinality: model.cardinality
                )
                .accuracy
            expected = ClassificationScore.expectedAccuracy(probabilities: probabilities, gold: goldLabels)
        }
        var stored: Artifact?
        if let session, let matrixArtifact {
            stored = try StoredFlows.storeSoftLabels(
                soft, labelModel: file, derivedFrom: matrixArtifact,
                name: source.name ?? "\(matrixArtifact.name)-\(file.method.rawValue)", store: session.store,
                as: session.principal)
        }
        if let out = output.out, URL(fileURLWithPath: out).pathExtension.lowercased() == "npy" {
            try soft.writeNumPy(to: URL(fileURLWithPath: out))
        } else if let out = output.out {
            let url = URL(fileURLWithPath: out)
            try TableFormat(path: url).write(
                predictionTable(predicted: predicted, soft: soft, input: inputTable), to: url)
        } else if stored == nil {
            let table = try predictionTable(predicted: predicted, soft: soft, input: inputTable)
            FileHandle.standardOutput.write(Data(CSVWriter.text(of: table).utf8))
        }
        let record = Record(
            n: labels.rowCount, predictSeconds: seconds, accuracy: accuracy, accuracyExpected: expected,
            readSeconds: readSeconds, out: output.out, softLabels: stored)
        let summary =
            json
            ? try FoundryJSON.string(record)
            : "predicted \(labels.rowCount) rows in \(String(format: "%.3f", seconds)) s"
                + (accuracy.map { String(format: ", accuracy %.4f", $0) } ?? "")
                + (output.out.map { " → \($0)" } ?? "")
                + (stored.map { " → soft labels '\($0.name)' on \($0.dataset)@\(shortID($0.version))" } ?? "")
                + (output.out == nil && stored == nil ? " (rows numbered from 0)" : "")
        if output.out == nil && stored == nil {
            printToStandardError(summary)
        } else if json {
            try printJSON(record)
        } else {
            print(summary)
        }
    }

    /// The predictions as a table: the input's columns (when given) plus label, class name and confidence, or the row
    /// index (0-based) plus those.
    ///
    /// - Throws: ``LabelModelsError/invalidInput(_:)`` naming the input file when its rows do not match the matrix's
    ///   or it already has a column the predictions would add.
    func predictionTable(predicted: [Vote], soft: SoftLabels, input: TextTable?) throws -> TextTable {
        let confidences = soft.confidences
        func cells(_ row: Int) -> [String] {
            let label = predicted[row]
            return [String(label.rawValue), label.classIndex.map { soft.classNames[$0] } ?? "", "\(confidences[row])"]
        }
        guard let input else {
            return TextTable(
                source: "predictions", columnNames: ["row"] + Self.predictionColumns,
                rows: (0..<predicted.count).map { [String($0)] + cells($0) })
        }
        let path = source.input ?? input.source
        guard input.rowCount == predicted.count else {
            throw LabelModelsError.invalidInput(
                "\(path): \(input.rowCount) rows, but the label matrix \(source.matrixDescription) has \(predicted.count); --input must be the table the matrix was applied to"
            )
        }
        if let clash = Self.predictionColumns.first(where: input.columnNames.contains) {
            throw LabelModelsError.invalidInput(
                "\(path) already has a column '\(clash)'; the predictions add label, class_name and confidence (rename the column)"
            )
        }
        return TextTable(
            source: "predictions", columnNames: input.columnNames + Self.predictionColumns,
            rows: input.rows.indices.map { input.rows[$0] + cells($0) })
    }
}
