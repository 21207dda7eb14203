import Foundation
import FoundryCore
import Labeling

/// Evaluating a label model as WRENCH does: fit on a split's weak labels only (never gold labels, unless a dev set is
/// asked for), predict the test split, and score the hard labels against its gold labels.
///
/// ```swift
/// var options = LabelModelEvaluation.Options(model: LabelModelConfiguration(method: .auto))
/// options.useDevSet = true
/// let result = try LabelModelEvaluation.evaluate(folder: URL(fileURLWithPath: "datasets/wrench_youtube"), options: options)
/// print(result.testAccuracy ?? 0, result.choice?.rawValue ?? "-")
/// ```
///
/// `foundry labelmodel evaluate` prints one ``Result``; `foundry bench labelmodels` prints the ``Report`` of
/// ``evaluateAll(root:options:methods:repeats:progress:)``. Scores use the Float64 probabilities, so they do not
/// depend on the rounding of ``FoundryCore/SoftLabels``.
public enum LabelModelEvaluation {
    /// Where the class prior given to the model comes from.
    public enum ClassBalanceChoice: Sendable, Equatable {
        /// Every class equally likely (snorkel's default).
        case uniform
        /// The gold-label frequencies of the folder's valid split.
        case valid
        /// Estimated by the model from the votes alone.
        case estimated
        /// A known prior, one probability per class.
        case given([Double])

        /// The spelling reported in ``Result/classBalance``: `uniform`, `valid`, `estimated` or `p0,p1,…`.
        public var name: String {
            switch self {
            case .uniform: "uniform"
            case .valid: "valid"
            case .estimated: "estimated"
            case let .given(prior): prior.map { "\($0)" }.joined(separator: ",")
            }
        }
    }

    /// How one evaluation runs.
    public struct Options: Sendable, Equatable {
        /// The method and its settings.
        public var model: LabelModelConfiguration
        /// Where the class prior comes from.
        public var classBalance: ClassBalanceChoice
        /// The seed for fitting (and for ``FoundryCore/TieBreakPolicy/random(seed:)`` if chosen).
        public var seed: UInt64
        /// How tied rows get hard labels in the scores; by default snorkel's and WRENCH's row-hash rule.
        public var tieBreak: TieBreakPolicy
        /// For a folder without a train split, fit on the test split's weak labels (never its gold labels).
        public var transductive: Bool
        /// Give auto or wmv the valid split (weak and gold labels) as a dev set.
        public var useDevSet: Bool

        /// Creates options; by default auto, a uniform class balance, seed 123, row-hash ties, no dev set.
        public init(
            model: LabelModelConfiguration = LabelModelConfiguration(), classBalance: ClassBalanceChoice = .uniform,
            seed: UInt64 = 123, tieBreak: TieBreakPolicy = .rowHash, transductive: Bool = false,
            useDevSet: Bool = false
        ) {
            self.model = model
            self.classBalance = classBalance
            self.seed = seed
            self.tieBreak = tieBreak
            self.transductive = transductive
            self.useDevSet = useDevSet
        }

        /// Checks that the options go together (and the model configuration, see
        /// ``LabelModelConfiguration/validate()``).
        ///
        /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` for a dev set with a method that has no use for
        ///   one, a dev metric without a dev set, or an invalid model setting.
        public func validate() throws {
            try model.validate()
            if useDevSet, !model.method.usesDevSet {
                throw LabelModelsError.invalidConfiguration(
                    "a dev set applies to auto and wmv only, not \(model.method.rawValue)")
            }
            if model.devMetric != nil, !useDevSet {
                throw LabelModelsError.invalidConfiguration(
                    "a dev metric ranks auto's candidate models on a dev set, and no dev set was asked for")
            }
        }
    }

    /// One evaluation: what was fitted on what, and its test scores. The JSON keys (`n_train`, `test_f1_macro`, …) are
    /// a contract; every field is written, missing values as `null`.
    public struct Result: Sendable, Equatable, Codable {
        /// The dataset folder's name.
        public var dataset: String
        /// The method evaluated.
        public var method: LabelModelMethod
        /// Rows the model was fitted on.
        public var trainRows: Int
        /// Rows scored.
        public var testRows: Int
        /// Labeling functions m.
        public var lfCount: Int
        /// Classes k.
        public var cardinality: Int
        /// Seconds to fit.
        public var fitSeconds: Double
        /// Seconds to predict the test split's probabilities.
        public var predictSeconds: Double
        /// Test accuracy of the hard labels (`nil` when no row was scored).
        public var testAccuracy: Double?
        /// Test F1 of class 1 (binary tasks only).
        public var testF1: Double?
        /// Test macro-F1.
        public var testMacroF1: Double?
        /// Fraction of gold-labelled test rows that got a prediction.
        public var coverage: Double
        /// The class balance's name (``ClassBalanceChoice/name``).
        public var classBalance: String
        /// What auto decided to use (auto only).
        public var choice: AutoLabelModel.Choice?
        /// Why auto decided so, in one line (auto only).
        public var reason: String?
        /// Test accuracy with tied rows credited 1/t (independent of the tie-break draw).
        public var testAccuracyExpected: Double?
        /// The tie-break rule of the scores: `hash`, `random`, `prior` or `abstain`.
        public var tieBreak: String
        /// Where the fitted weak labels came from: `train.json`, `test.json (transductive)`, ….
        public var trainSource: String
        /// Rows of the dev set (the valid split) when one was used.
        public var devRows: Int?
        /// Auto's score on the dev set for the model it chose, in ``devMetric``.
        public var devScore: Double?
        /// What ranked auto's candidates on the dev set.
        public var devMetric: AutoLabelModel.DevSelectionMetric?

        enum CodingKeys: String, CodingKey {
            case dataset, method
            case trainRows = "n_train", testRows = "n_test", lfCount = "m", cardinality = "k"
            case fitSeconds = "fit_seconds", predictSeconds = "predict_seconds"
            case testAccuracy = "test_accuracy", testF1 = "test_f1", testMacroF1 = "test_f1_macro", coverage
            case classBalance = "class_balance", choice, reason, testAccuracyExpected = "test_accuracy_expected"
            case tieBreak = "tie_break", trainSource = "train_source", devRows = "dev_rows", devScore = "dev_score"
            case devMetric = "dev_metric"
        }

        /// Writes every field, with `null` for missing values (the JSON shape is a contract).
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(dataset, forKey: .dataset)
            try c.encode(method, forKey: .method)
            try c.encode(trainRows, forKey: .trainRows)
            try c.encode(testRows, forKey: .testRows)
            try c.encode(lfCount, forKey: .lfCount)
            try c.encode(cardinality, forKey: .cardinality)
            try c.encode(fitSeconds, forKey: .fitSeconds)
            try c.encode(predictSeconds, forKey: .predictSeconds)
            try c.encode(testAccuracy, forKey: .testAccuracy)
            try c.encode(testF1, forKey: .testF1)
            try c.encode(testMacroF1, forKey: .testMacroF1)
            try c.encode(coverage, forKey: .coverage)
            try c.encode(classBalance, forKey: .classBalance)
            try c.encode(choice, forKey: .choice)
            try c.encode(reason, forKey: .reason)
            try c.encode(testAccuracyExpected, forKey: .testAccuracyExpected)
            try c.encode(tieBreak, forKey: .tieBreak)
            try c.encode(trainSource, forKey: .trainSource)
            try c.encode(devRows, forKey: .devRows)
            try c.encode(devScore, forKey: .devScore)
            try c.encode(devMetric, forKey: .devMetric)
        }
    }

    /// An evaluation's result together with the model it fitted (to save or to predict more rows with).
    public struct Evaluated: Sendable {
        /// The scores.
        public var result: Result
        /// The fitted model.
        public var model: any LabelModel & Codable
    }

    /// Fits and scores a model on a dataset folder.
    ///
    /// - Parameters:
    ///   - folder: a WRENCH folder or a folder of ±1 LF-matrix CSVs (see ``EvaluationSplits``).
    ///   - options: the model and how to fit and score it.
    /// - Returns: the scores.
    /// - Throws: ``LabelModelsError`` for invalid options or a missing split, and
    ///   ``LabelModelsError/invalidInput(_:)`` naming the train file when the model cannot be fitted on it; the
    ///   readers' errors (naming the file) for unreadable, malformed or empty splits.
    public static func evaluate(folder: URL, options: Options) throws -> Result {
        try evaluate(EvaluationSplits.load(folder, transductive: options.transductive), options: options).result
    }

    /// Fits and scores a model on splits already read (so that several methods or repetitions read them once).
    ///
    /// - Returns: the scores and the fitted model.
    /// - Throws: as ``evaluate(folder:options:)``.
    /// - Complexity: that of the model's fit on the train split and its prediction of the test split.
    public static func evaluate(_ splits: EvaluationSplits, options: Options) throws -> Evaluated {
        try options.validate()
        let train = splits.train, test = splits.test
        let (fitOptions, devRows) = try fitOptions(splits, options: options)
        var model = try options.model.makeModel()
        let fitStart = Stopwatch.seconds()
        do { try model.fit(train.labelMatrix, options: fitOptions) } catch let error as LabelModelsError {
            // The model's message names the method and the problem; the file tells where the matrix came from.
            throw LabelModelsError.invalidInput("\(train.file.path): \(error.description)")
        }
        let fitSeconds = Stopwatch.seconds() - fitStart
        let predictStart = Stopwatch.seconds()
        let probabilities = try model.predictProbabilities(test.labelMatrix)
        let predictSeconds = Stopwatch.seconds() - predictStart
        let predicted = type(of: model).hardLabels(probabilities, tieBreak: options.tieBreak, prior: model.classBalance)
        let k = train.labelMatrix.cardinality
        let score = ClassificationScore(gold: test.goldLabels, predicted: predicted.map(\.rawValue), cardinality: k)
        let auto = model as? AutoLabelModel
        let result = Result(
            dataset: splits.datasetName, method: options.model.method, trainRows: train.count, testRows: test.count,
            lfCount: train.labelMatrix.lfCount, cardinality: k, fitSeconds: fitSeconds, predictSeconds: predictSeconds,
            testAccuracy: score.accuracy, testF1: score.f1, testMacroF1: score.macroF1, coverage: score.coverage,
            classBalance: options.classBalance.name, choice: auto?.choice, reason: auto?.reason,
            testAccuracyExpected: ClassificationScore.expectedAccuracy(
                probabilities: probabilities, gold: test.goldLabels),
            tieBreak: Self.name(of: options.tieBreak), trainSource: splits.trainSource, devRows: devRows,
            devScore: auto?.devScore,
            devMetric: options.useDevSet && options.model.method == .auto ? options.model.effectiveDevMetric : nil)
        return Evaluated(result: result, model: model)
    }

    /// The fit options `options` asks for on `splits`: its seed, its class balance (read from the valid split for
    /// ``ClassBalanceChoice/valid``), and the valid split as a dev set when ``Options/useDevSet``.
    ///
    /// - Returns: the options and the number of dev rows (`nil` without a dev set).
    /// - Throws: ``LabelModelsError/shapeMismatch(_:)`` when the valid split has another LF count; the reader's errors.
    static func fitOptions(_ splits: EvaluationSplits, options: Options) throws -> (FitOptions, Int?) {
        let train = splits.train
        // The valid split is read once, and only when the class balance or a dev set needs it.
        let valid = options.useDevSet || options.classBalance == .valid ? try splits.valid() : nil
        var fitOptions = FitOptions(seed: options.seed)
        switch options.classBalance {
        case .uniform: fitOptions.classBalance = .uniform
        case .estimated: fitOptions.classBalance = .estimated
        case let .given(prior): fitOptions.classBalance = .given(prior)
        case .valid: fitOptions.classBalance = .fromLabels(try (valid ?? splits.valid()).goldLabels)
        }
        var devRows: Int?
        if options.useDevSet, let valid {
            guard valid.labelMatrix.lfCount == train.labelMatrix.lfCount else {
                throw LabelModelsError.shapeMismatch(
                    "\(valid.file.path) has \(valid.labelMatrix.lfCount) LFs, \(train.file.path) has "
                        + "\(train.labelMatrix.lfCount)")
            }
            fitOptions.devMatrix = valid.labelMatrix
            fitOptions.devLabels = valid.goldLabels
            devRows = valid.count
        }
        return (fitOptions, devRows)
    }

    /// How a tie-break policy is reported.
    static func name(of policy: TieBreakPolicy) -> String {
        switch policy {
        case .rowHash: "hash"
        case .random: "random"
        case .prior: "prior"
        case .abstain: "abstain"
        }
    }
}

/// Seconds on a monotonic clock, for the timings in results.
enum Stopwatch {
    static func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
