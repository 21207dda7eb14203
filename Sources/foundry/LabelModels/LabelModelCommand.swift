import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tabular

/// `foundry labelmodel evaluate|fit|predict`.
struct LabelModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodel",
        abstract: "Fit label models on weak labels, predict probabilistic labels, evaluate on WRENCH splits.",
        subcommands: [LabelModelEvaluateCommand.self, LabelModelFitCommand.self, LabelModelPredictCommand.self])
}

/// The methods the CLI accepts.
enum LabelModelMethod: String, ExpressibleByArgument, CaseIterable {
    case mv, wmv, ds, moments, triplet, auto
}

/// How the CLI sets the class prior: `uniform`, `valid`, `estimated`, or the prior itself as comma-separated numbers.
enum ClassBalanceOption: ExpressibleByArgument, Equatable {
    case uniform, valid, estimated
    /// A known prior, one probability per class (`--class-balance 0.92,0.08`); checked against k when fitting.
    case given([Double])

    init?(argument: String) {
        switch argument {
        case "uniform": self = .uniform
        case "valid": self = .valid
        case "estimated": self = .estimated
        default:
            let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            guard parts.count >= 2, parts.allSatisfy({ $0 != nil }) else { return nil }
            self = .given(parts.compactMap { $0 })
        }
    }

    static var allValueStrings: [String] { ["uniform", "valid", "estimated", "p0,p1,…"] }

    /// The spelling reported in JSON output.
    var name: String {
        switch self {
        case .uniform: "uniform"
        case .valid: "valid"
        case .estimated: "estimated"
        case let .given(prior): prior.map { "\($0)" }.joined(separator: ",")
        }
    }

    /// The library's class balance; `validLabels` is read only for `.valid`.
    func classBalance(validLabels: () throws -> [Int]) throws -> ClassBalance {
        switch self {
        case .uniform: .uniform
        case .estimated: .estimated
        case .valid: .fromLabels(try validLabels())
        case let .given(prior): .given(prior)
        }
    }
}

/// How hard labels are drawn from tied probabilities in reported scores.
enum TieBreakOption: String, ExpressibleByArgument, CaseIterable {
    /// snorkel's and WRENCH's deterministic SHA-1-of-row-index rule (the default, comparable with their figures).
    case hash
    /// Seeded uniform choice (`--seed`).
    case random
    /// The tied class with the largest class prior.
    case prior
    /// No prediction for tied rows (they count against coverage, not accuracy).
    case abstain

    static let help: ArgumentHelp =
        "How tied rows are labelled in scores: hash (snorkel/WRENCH's deterministic rule), random (seeded), prior or abstain."

    func policy(seed: UInt64) -> TieBreakPolicy {
        switch self {
        case .hash: .rowHash
        case .random: .random(seed: seed)
        case .prior: .prior
        case .abstain: .abstain
        }
    }
}

/// One `labelmodel evaluate` result (the JSON fields are a contract).
struct EvaluationRecord: Codable {
    var dataset: String
    var method: String
    var n_train: Int
    var n_test: Int
    var m: Int
    var k: Int
    var fit_seconds: Double
    var predict_seconds: Double
    var test_accuracy: Double?
    var test_f1: Double?
    var test_f1_macro: Double?
    var coverage: Double
    var class_balance: String
    var choice: String?
    /// Accuracy with tied rows credited 1/t (independent of the tie-break draw).
    var test_accuracy_expected: Double?
    var tie_break: String
    /// Where the fitted weak labels came from: `train.json`, or `test.json (transductive)`.
    var train_source: String
    /// Rows of the dev set (the valid split, with `--dev`); `nil` without one.
    var dev_rows: Int? = nil
    /// Auto's score on the dev set for the model it chose, in `dev_metric` (with `--dev`).
    var dev_score: Double? = nil
    /// What ranked Auto's candidates on the dev set: `accuracy` or `macro-f1` (with `--dev`).
    var dev_metric: String? = nil

    private enum CodingKeys: String, CodingKey {
        case dataset, method, n_train, n_test, m, k, fit_seconds, predict_seconds, test_accuracy, test_f1,
            test_f1_macro, coverage
        case class_balance, choice, test_accuracy_expected, tie_break, train_source, dev_rows, dev_score, dev_metric
    }

    /// Writes every field, with `null` for missing scores (the JSON shape is a contract).
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(method, forKey: .method)
        try c.encode(n_train, forKey: .n_train)
        try c.encode(n_test, forKey: .n_test)
        try c.encode(m, forKey: .m)
        try c.encode(k, forKey: .k)
        try c.encode(fit_seconds, forKey: .fit_seconds)
        try c.encode(predict_seconds, forKey: .predict_seconds)
        try c.encode(test_accuracy, forKey: .test_accuracy)
        try c.encode(test_f1, forKey: .test_f1)
        try c.encode(test_f1_macro, forKey: .test_f1_macro)
        try c.encode(coverage, forKey: .coverage)
        try c.encode(class_balance, forKey: .class_balance)
        try c.encode(choice, forKey: .choice)
        try c.encode(test_accuracy_expected, forKey: .test_accuracy_expected)
        try c.encode(tie_break, forKey: .tie_break)
        try c.encode(train_source, forKey: .train_source)
        try c.encode(dev_rows, forKey: .dev_rows)
        try c.encode(dev_score, forKey: .dev_score)
        try c.encode(dev_metric, forKey: .dev_metric)
    }
}

/// Options of the moment-matching model (also used inside `auto`) and of auto's dev-set ranking, shared by `evaluate`,
/// `fit` and `bench labelmodels`.
struct MomentOptions: ParsableArguments {
    @Option(help: "Pull toward the initial parameters for moments/auto (snorkel's l2).")
    var l2: Double?
    @Option(help: "Dependent (correlated) LF pairs for moments/auto, as 0-3,1-2 (LF column indices).")
    var dependencies: String?
    @Option(
        name: .customLong("prediction-floor"),
        help:
            "Smallest vote rate moments/auto predict with (default 0.01, the clip of snorkel 0.9's predict_proba; 0 = none)."
    )
    var predictionFloor: Double?
    @Option(
        name: .customLong("dev-metric"),
        help: "What ranks auto's candidates on a dev set: macro-f1 (the default) or accuracy (expected over tie draws)."
    )
    var devMetric: DevMetricOption?

    /// `--dev-metric` values.
    enum DevMetricOption: String, ExpressibleByArgument, CaseIterable {
        case accuracy, macroF1 = "macro-f1"
        var metric: AutoLabelModel.DevSelectionMetric { self == .accuracy ? .accuracy : .macroF1 }
    }

    /// The dev metric auto will use with these options.
    var devSelectionMetric: AutoLabelModel.DevSelectionMetric {
        devMetric?.metric ?? AutoLabelModel.Configuration().devSelectionMetric
    }

    /// The model for `method`, configured with these options.
    func makeModel(_ method: LabelModelMethod) throws -> any LabelModel & Codable {
        var configuration = MomentMatching.Configuration()
        if let l2 {
            guard l2 >= 0, l2.isFinite else { throw ValidationError("--l2 must be a non-negative number") }
            configuration.l2 = l2
        }
        if let predictionFloor {
            guard predictionFloor >= 0, predictionFloor < 0.5 else {
                throw ValidationError("--prediction-floor must be in [0, 0.5)")
            }
            configuration.predictionFloor = predictionFloor
        }
        if let dependencies {
            configuration.dependencies = try dependencies.split(separator: ",").map { pair in
                let parts = pair.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let a = parts[0], let b = parts[1] else {
                    throw ValidationError("--dependencies: '\(pair)' is not a pair like 0-3")
                }
                return [a, b]
            }
        }
        switch method {
        case .moments:
            guard devMetric == nil else { throw ValidationError("--dev-metric applies to auto only") }
            return MomentMatching(configuration: configuration)
        case .auto:
            var auto = AutoLabelModel.Configuration()
            auto.moments = configuration
            auto.devSelectionMetric = devSelectionMetric
            return AutoLabelModel(configuration: auto)
        default:
            guard l2 == nil, dependencies == nil, predictionFloor == nil else {
                throw ValidationError("--l2, --dependencies and --prediction-floor apply to moments and auto only")
            }
            guard devMetric == nil else { throw ValidationError("--dev-metric applies to auto only") }
            return try LabelModelFile.makeModel(method: method.rawValue)
        }
    }
}

/// Fits `method` on a folder's train weak labels and scores the test split (WRENCH JSON or ±1 LF-matrix CSVs).
func evaluateWrench(
    directory: URL, method: LabelModelMethod, classBalance: ClassBalanceOption, seed: UInt64, tieBreak: TieBreakOption,
    moments: MomentOptions, transductive: Bool = false, saveModel: URL? = nil, dev: Bool = false
) throws -> EvaluationRecord {
    let splits = try EvaluationSplits.load(directory, transductive: transductive)
    let train = splits.train, test = splits.test
    if dev, method != .auto, method != .wmv { throw ValidationError("--dev applies to auto and wmv only") }
    // The valid split is read once, and only when --class-balance valid or --dev needs it.
    let valid = dev || classBalance == .valid ? try splits.valid() : nil
    var options = FitOptions(seed: seed)
    options.classBalance = try classBalance.classBalance(validLabels: { try (valid ?? splits.valid()).goldLabels })
    var devRows: Int?
    if dev, let valid {
        guard valid.labelMatrix.lfCount == train.labelMatrix.lfCount else {
            throw ValidationError(
                "the valid split has \(valid.labelMatrix.lfCount) LFs, the train split \(train.labelMatrix.lfCount)")
        }
        options.devMatrix = valid.labelMatrix
        options.devLabels = valid.goldLabels
        devRows = valid.count
    }
    var model = try moments.makeModel(method)
    let fitStart = monotonicSeconds()
    try model.fit(train.labelMatrix, options: options)
    let fitSeconds = monotonicSeconds() - fitStart
    if let saveModel { try LabelModelFile(model).write(to: saveModel) }
    let predictStart = monotonicSeconds()
    let probabilities = try model.predictProbabilities(test.labelMatrix)
    let predictSeconds = monotonicSeconds() - predictStart
    let predicted = type(of: model).hardLabels(
        probabilities, tieBreak: tieBreak.policy(seed: seed), prior: model.classBalance)
    let k = train.labelMatrix.cardinality
    let score = ClassificationScore(gold: test.goldLabels, predicted: predicted.map(\.rawValue), cardinality: k)
    return EvaluationRecord(
        dataset: directory.lastPathComponent, method: method.rawValue, n_train: train.count, n_test: test.count,
        m: train.labelMatrix.lfCount, k: k, fit_seconds: fitSeconds, predict_seconds: predictSeconds,
        test_accuracy: score.accuracy, test_f1: score.f1, test_f1_macro: score.macroF1, coverage: score.coverage,
        class_balance: classBalance.name, choice: (model as? AutoLabelModel)?.choice?.rawValue,
        test_accuracy_expected: ClassificationScore.expectedAccuracy(
            probabilities: probabilities, gold: test.goldLabels),
        tie_break: tieBreak.rawValue, train_source: splits.trainSource, dev_rows: devRows,
        dev_score: (model as? AutoLabelModel)?.devScore,
        dev_metric: dev && method == .auto ? moments.devSelectionMetric.rawValue : nil)
}

struct LabelModelEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Fit on a WRENCH train split's weak labels only; score on its test split.")

    @Option(
        help:
            "A WRENCH dataset folder (train.json, valid.json, test.json, label.json), or a folder of ±1 LF-matrix CSVs (*_lf_matrix_{train,val,test}.csv; 0 = abstain)."
    )
    var wrench: String
    @Option(help: "mv, wmv, ds, moments, triplet or auto.")
    var method: LabelModelMethod = .auto
    @Option(
        name: .customLong("class-balance"),
        help:
            "uniform (snorkel's default), valid (gold frequencies of valid.json), estimated (from the votes) or the prior as p0,p1,…."
    )
    var classBalance: ClassBalanceOption = .uniform
    @Option(help: "Seed for fitting and random tie-breaking.")
    var seed: UInt64 = 123
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Flag(help: "For a folder without train.json, fit on the test split's weak labels (never its gold labels).")
    var transductive = false
    @OptionGroup var moments: MomentOptions
    @Option(
        name: .customLong("save-model"),
        help: "Also write the model fitted on the train split here (JSON, as `labelmodel fit` writes it).")
    var saveModel: String?
    @Flag(
        help:
            "Use the valid split (weak and gold labels) as a dev set: auto keeps the model that scores best there (--dev-metric), wmv learns its weights there."
    )
    var dev = false
    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let record = try evaluateWrench(
            directory: URL(fileURLWithPath: wrench), method: method, classBalance: classBalance, seed: seed,
            tieBreak: tieBreak,
            moments: moments, transductive: transductive, saveModel: saveModel.map { URL(fileURLWithPath: $0) },
            dev: dev)
        if json {
            try printJSON(record)
        } else {
            func pct(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }
            print(
                """
                \(record.dataset) · \(record.method)\(record.choice.map { " (\($0))" } ?? "") · class balance \(record.class_balance)
                  train \(record.n_train) rows (\(record.train_source)), test \(record.n_test) rows, \(record.m) LFs, \(record.k) classes
                  test accuracy \(pct(record.test_accuracy))   F1 \(pct(record.test_f1))   macro-F1 \(pct(record.test_f1_macro))   coverage \(pct(record.coverage))
                  expected accuracy over tie draws \(pct(record.test_accuracy_expected))   (ties broken by \(record.tie_break))
                  fit \(String(format: "%.4f", record.fit_seconds)) s   predict \(String(format: "%.4f", record.predict_seconds)) s
                """)
            if let rows = record.dev_rows {
                print(
                    "  dev set: \(rows) valid rows"
                        + (record.dev_score.map { ", chosen model's dev \(record.dev_metric ?? "score") \(pct($0))" }
                            ?? ""))
            }
        }
    }
}

struct LabelModelFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit", abstract: "Fit a label model on a .npy label matrix and save it as JSON.")

    @Option(help: "Label matrix (.npy, integer, -1 = abstain).")
    var matrix: String
    @Option(help: "Number of classes k.")
    var cardinality: Int
    @Option(help: "mv, wmv, ds, moments, triplet or auto.")
    var method: LabelModelMethod = .auto
    @Option(
        name: .customLong("class-balance"), help: "uniform, estimated, or a known prior as p0,p1,… (one per class).")
    var classBalance: ClassBalanceOption = .uniform
    @Option(help: "Where to write the model (JSON).")
    var out: String
    @Option(help: "Seed.")
    var seed: UInt64 = 123
    @Option(
        name: .customLong("dev-matrix"),
        help:
            "A dev set's label matrix (.npy, same LFs): auto keeps the model that scores best there (--dev-metric), wmv learns its weights there."
    )
    var devMatrix: String?
    @Option(name: .customLong("dev-labels"), help: "Gold labels of --dev-matrix (.npy, integer, -1 = unknown).")
    var devLabels: String?
    @OptionGroup var moments: MomentOptions
    @Flag(help: "Print one JSON object.")
    var json = false

    struct Record: Codable {
        var method: String, n: Int, m: Int, k: Int, fit_seconds: Double, read_seconds: Double
        var choice: String?, dev_score: Double?
    }

    func validate() throws {
        guard cardinality >= 2 else { throw ValidationError("--cardinality must be at least 2") }
        guard classBalance != .valid else {
            throw ValidationError("--class-balance valid needs a WRENCH folder; use uniform or estimated")
        }
        guard (devMatrix == nil) == (devLabels == nil) else {
            throw ValidationError("--dev-matrix and --dev-labels go together")
        }
        guard devMatrix == nil || method == .auto || method == .wmv else {
            throw ValidationError("a dev set applies to auto and wmv only")
        }
    }

    func run() throws {
        let readStart = monotonicSeconds()
        let labels = try LabelMatrix(numPyFile: URL(fileURLWithPath: matrix), cardinality: cardinality)
        var options = FitOptions(seed: seed)
        if let devMatrix, let devLabels {
            let dev = try LabelMatrix(numPyFile: URL(fileURLWithPath: devMatrix), cardinality: cardinality)
            guard dev.lfCount == labels.lfCount else {
                throw LabelModelsError.invalidInput(
                    "\(devMatrix): \(dev.lfCount) LFs, but \(matrix) has \(labels.lfCount)")
            }
            options.devMatrix = dev
            options.devLabels = try readGoldLabels(devLabels, rows: dev.rowCount)
        }
        let readSeconds = monotonicSeconds() - readStart
        var model = try moments.makeModel(method)
        let start = monotonicSeconds()
        options.classBalance = try classBalance.classBalance(validLabels: {
            throw ValidationError("--class-balance valid needs a WRENCH folder")
        })
        do { try model.fit(labels, options: options) } catch let error as LabelModelsError {
            throw LabelModelsError.invalidInput("\(matrix): \(error.description)")  // a data error: no usage text
        }
        let seconds = monotonicSeconds() - start
        try LabelModelFile(model).write(to: URL(fileURLWithPath: out))
        let auto = model as? AutoLabelModel
        let record = Record(
            method: method.rawValue, n: labels.rowCount, m: labels.lfCount, k: labels.cardinality, fit_seconds: seconds,
            read_seconds: readSeconds,
            choice: auto?.choice?.rawValue, dev_score: auto?.devScore)
        if json {
            try printJSON(record)
        } else {
            print(
                "fitted \(method.rawValue) on \(labels.rowCount) rows × \(labels.lfCount) LFs (k = \(labels.cardinality)) in \(String(format: "%.3f", seconds)) s → \(out)"
            )
        }
    }
}

/// Gold labels from a 1-D integer `.npy` (`-1` = unknown), checked to have one per row of the matrix they go with.
func readGoldLabels(_ path: String, rows: Int) throws -> [Int] {
    let array = try NumPyArray(contentsOf: URL(fileURLWithPath: path))
    guard array.elementType.isInteger, array.count == rows else {
        throw LabelModelsError.invalidInput(
            "\(path): expected \(rows) integer gold labels, got \(array.count) of \(array.elementType)")
    }
    return array.integers()
}

struct LabelModelPredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict probabilistic labels with a saved label model.")

    @Option(help: "A model saved by `foundry labelmodel fit`.")
    var model: String
    @Option(help: "Label matrix (.npy).")
    var matrix: String
    @Option(help: "Gold labels (.npy, -1 = unknown) to report accuracy.")
    var gold: String?
    @Option(help: "Where to write the n × k probabilities (.npy, float32).")
    var out: String?
    @Option(help: "Seed for random tie-breaking in the accuracy (with --tie-break random).")
    var seed: UInt64 = 123
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Flag(help: "Print one JSON object.")
    var json = false

    struct Record: Codable {
        var n: Int, predict_seconds: Double, accuracy: Double?, accuracy_expected: Double?, read_seconds: Double
    }

    func run() throws {
        let readStart = monotonicSeconds()
        let file = try LabelModelFile.read(from: URL(fileURLWithPath: model))
        let labels = try LabelMatrix(numPyFile: URL(fileURLWithPath: matrix), cardinality: file.model.cardinality)
        let readSeconds = monotonicSeconds() - readStart
        let start = monotonicSeconds()
        let probabilities = try file.model.predictProbabilities(labels)
        let seconds = monotonicSeconds() - start
        var accuracy: Double?
        var expected: Double?
        if let gold {
            let goldLabels = try readGoldLabels(gold, rows: labels.rowCount)
            let predicted = type(of: file.model).hardLabels(
                probabilities, tieBreak: tieBreak.policy(seed: seed), prior: file.model.classBalance)
            accuracy =
                ClassificationScore(
                    gold: goldLabels, predicted: predicted.map(\.rawValue), cardinality: file.model.cardinality
                ).accuracy
            expected = ClassificationScore.expectedAccuracy(probabilities: probabilities, gold: goldLabels)
        }
        if let out {
            try NumPyArray(
                floats: probabilities.storage.map(Float.init), shape: [probabilities.rows, probabilities.columns]
            ).write(to: URL(fileURLWithPath: out))
        }
        let record = Record(
            n: labels.rowCount, predict_seconds: seconds, accuracy: accuracy, accuracy_expected: expected,
            read_seconds: readSeconds)
        if json {
            try printJSON(record)
        } else {
            print(
                "predicted \(labels.rowCount) rows in \(String(format: "%.3f", seconds)) s"
                    + (accuracy.map { String(format: ", accuracy %.4f", $0) } ?? "") + (out.map { " → \($0)" } ?? ""))
        }
    }
}
