import ArgumentParser
import DatasetStore
import Flows
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// The label matrix a command reads: `--matrix` (a `.npy`) with `--cardinality`, or a matrix stored on a dataset
/// version (`--store`, `--dataset`, optionally `--matrix-name`).
struct MatrixInputOptions: ParsableArguments {
    @Option(help: "Label matrix (.npy, integer, -1 = abstain).")
    var matrix: String?
    @Option(help: "Number of classes k (with --matrix).")
    var cardinality: Int?
    @OptionGroup var storeFlow: StoreFlowOptions
    @Option(
        name: .customLong("matrix-name"),
        help: "The stored label matrix to read (with --dataset; default: the version's only one).")
    var matrixName: String?

    func validate() throws {
        guard (matrix != nil) != storeFlow.isGiven else {
            throw ValidationError(
                "give the label matrix as --matrix L.npy --cardinality K or as --dataset NAME[@VERSION] (from the store)"
            )
        }
        guard matrix == nil || cardinality != nil else { throw ValidationError("--matrix needs --cardinality") }
        guard cardinality.map({ $0 >= 2 }) ?? true else { throw ValidationError("--cardinality must be at least 2") }
        guard matrixName == nil || storeFlow.isGiven else { throw ValidationError("--matrix-name goes with --dataset") }
    }

    /// Where the matrix came from, for messages.
    var sourceDescription: String { matrix ?? storeFlow.dataset?.description ?? "" }

    /// A matrix read from the store, with the artifact it is.
    struct Stored {
        var artifact: Artifact
        var store: SQLiteDatasetStore
        var principal: Principal
    }

    /// Reads the matrix, from its file or from the store.
    ///
    /// - Throws: the reader's errors, naming the file; the store's errors.
    func read() throws -> (matrix: LabelMatrix, stored: Stored?) {
        if let session = try storeFlow.session() {
            let artifact = try StoredFlows.artifact(
                .labelMatrix, named: matrixName, on: session.dataset, store: session.store, as: session.principal)
            let labels = try session.store.labelMatrix(artifact: artifact.id, as: session.principal)
            return (labels, Stored(artifact: artifact, store: session.store, principal: session.principal))
        }
        let labels = try LabelMatrix(numPyFile: URL(fileURLWithPath: matrix ?? ""), cardinality: cardinality ?? 2)
        return (labels, nil)
    }
}

/// A dev set for `fit`: `--dev-matrix` and `--dev-labels`, given together.
struct DevSetOptions: ParsableArguments {
    @Option(
        name: .customLong("dev-matrix"),
        help:
            "A dev set's label matrix (.npy, same LFs): auto keeps the model that scores best there (--dev-metric), wmv learns its weights there."
    )
    var devMatrix: String?
    @Option(name: .customLong("dev-labels"), help: "Gold labels of --dev-matrix (.npy, integer, -1 = unknown).")
    var devLabels: String?

    /// Whether a dev set was given.
    var isGiven: Bool { devMatrix != nil }

    func validate() throws {
        guard (devMatrix == nil) == (devLabels == nil) else {
            throw ValidationError("--dev-matrix and --dev-labels go together")
        }
    }

    /// Reads the dev set and checks it has the training matrix's LFs; `nil` when none was given.
    ///
    /// - Throws: ``LabelModelsError/invalidInput(_:)`` naming the file of a mismatched matrix or labels.
    func read(cardinality: Int, matching training: LabelMatrix, trainingPath: String) throws -> (LabelMatrix, [Int])? {
        guard let devMatrix, let devLabels else { return nil }
        let dev = try LabelMatrix(numPyFile: URL(fileURLWithPath: devMatrix), cardinality: cardinality)
        guard dev.lfCount == training.lfCount else {
            throw LabelModelsError.invalidInput(
                "\(devMatrix): \(dev.lfCount) LFs, but \(trainingPath) has \(training.lfCount)")
        }
        return (dev, try readGoldLabels(devLabels, rows: dev.rowCount))
    }
}

/// `foundry labelmodel fit`: fit a model on a `.npy` label matrix and save it.
struct LabelModelFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a label model on a .npy label matrix (or one stored on a dataset version) and save it as JSON.")

    @OptionGroup var input: MatrixInputOptions
    @Option(help: "mv, wmv, ds, moments, triplet or auto.")
    var method: LabelModelMethod = .auto
    @Option(
        name: .customLong("class-balance"), help: "uniform, estimated, or a known prior as p0,p1,… (one per class).")
    var classBalance: ClassBalance = .uniform
    @Option(help: "Where to write the model (JSON).")
    var out: String
    @Option(help: "Seed.")
    var seed: UInt64 = 123
    @OptionGroup var dev: DevSetOptions
    @OptionGroup var moments: MomentOptions
    @Flag(help: "Print one JSON object.")
    var json = false

    /// The summary printed with `--json`.
    struct Record: Codable {
        var method: LabelModelMethod
        var n: Int
        var m: Int
        var k: Int
        var fitSeconds: Double
        var readSeconds: Double
        var choice: AutoLabelModel.Choice?
        var reason: String?
        var devRows: Int?
        var devScore: Double?
        var devMetric: AutoLabelModel.DevSelectionMetric?
        var labelMatrix: Artifact?
    }

    func validate() throws {
        guard !dev.isGiven || method.usesDevSet else { throw ValidationError("a dev set applies to auto and wmv only") }
        guard moments.devMetric == nil || dev.isGiven else {
            throw ValidationError("--dev-metric ranks auto's models on a dev set: add --dev-matrix and --dev-labels")
        }
    }

    func run() throws {
        let readStart = monotonicSeconds()
        let (labels, stored) = try input.read()
        var options = FitOptions(classBalance: classBalance, seed: seed)
        let devSet = try dev.read(
            cardinality: labels.cardinality, matching: labels, trainingPath: input.sourceDescription)
        if let devSet {
            options.devMatrix = devSet.0
            options.devLabels = devSet.1
        }
        let readSeconds = monotonicSeconds() - readStart
        let configuration = try moments.configuration(method)
        var model = try configuration.makeModel()
        let start = monotonicSeconds()
        do { try model.fit(labels, options: options) } catch let error as LabelModelsError {
            throw LabelModelsError.invalidInput("\(input.sourceDescription): \(error.description)")  // no usage text
        }
        let seconds = monotonicSeconds() - start
        try LabelModelFile(model).write(to: URL(fileURLWithPath: out))
        let auto = model as? AutoLabelModel
        let record = Record(
            method: method, n: labels.rowCount, m: labels.lfCount, k: labels.cardinality, fitSeconds: seconds,
            readSeconds: readSeconds, choice: auto?.choice, reason: auto?.reason, devRows: devSet?.0.rowCount,
            devScore: auto?.devScore,
            devMetric: devSet != nil && method == .auto ? configuration.effectiveDevMetric : nil,
            labelMatrix: stored?.artifact)
        if json {
            try printJSON(record)
            return
        }
        print(
            "fitted \(method.rawValue) on \(labels.rowCount) rows × \(labels.lfCount) LFs (k = \(labels.cardinality)) in \(String(format: "%.3f", seconds)) s → \(out)"
        )
        if let artifact = stored?.artifact {
            print("  from label matrix '\(artifact.name)' on \(artifact.dataset)@\(shortID(artifact.version))")
        }
        if let choice = record.choice { print("  auto chose \(choice.rawValue)") }
        if let reason = record.reason { print("  because \(reason)") }
        if let rows = record.devRows {
            let score = record.devScore.map {
                ", chosen model's dev \(record.devMetric?.rawValue ?? "score") \(String(format: "%.4f", $0))"
            }
            print("  dev set: \(rows) rows" + (score ?? ""))
        }
    }
}
