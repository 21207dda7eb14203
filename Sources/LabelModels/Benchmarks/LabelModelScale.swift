import Foundation
import FoundryCore
import Labeling

/// One label model on one large generated problem — many rows, labeling functions and classes — timed, and scored
/// against the hidden labels and the known LF accuracies (`foundry bench labelmodel-scale`).
///
/// The problem is a ``Labeling/SyntheticLabelingTask`` with a uniform class prior and m two-sided, conditionally
/// independent functions sharing one coverage, their accuracies drawn from U(0.3, 0.9); it is sampled with
/// ``Labeling/SyntheticLabelingTask/sampleSkippingAbstentions(rows:using:)`` so generation costs O(votes).
public enum LabelModelScale {
    /// The problem's size and the method.
    public struct Options: Sendable, Equatable {
        /// Rows n.
        public var rows: Int
        /// Labeling functions m (3…65535).
        public var lfs: Int
        /// Classes k (2…65535).
        public var classes: Int
        /// The probability that a function votes on a row, in (0, 1).
        public var coverage: Double
        /// The method to fit.
        public var method: LabelModelMethod
        /// Seed of the generator and of the fit.
        public var seed: UInt64

        /// Creates options; by default 200,000 rows, 2,000 functions, 1,000 classes, coverage 0.02, auto, seed 7.
        public init(
            rows: Int = 200_000, lfs: Int = 2_000, classes: Int = 1_000, coverage: Double = 0.02,
            method: LabelModelMethod = .auto, seed: UInt64 = 7
        ) {
            self.rows = rows
            self.lfs = lfs
            self.classes = classes
            self.coverage = coverage
            self.method = method
            self.seed = seed
        }

        /// Checks the sizes and the coverage.
        ///
        /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` naming the setting.
        public func validate() throws {
            guard rows > 0, lfs >= 3, classes >= 2, classes <= LabelMatrix.maximumDimension,
                lfs <= LabelMatrix.maximumDimension
            else {
                throw LabelModelsError.invalidConfiguration("need rows > 0, 3…65535 LFs and 2…65535 classes")
            }
            guard coverage > 0, coverage < 1 else {
                throw LabelModelsError.invalidConfiguration("the coverage must lie in (0, 1), got \(coverage)")
            }
        }
    }

    /// What a run measured (the JSON keys are a contract).
    public struct Record: Sendable, Equatable, Codable {
        /// Rows n.
        public var rows: Int
        /// Labeling functions m.
        public var lfs: Int
        /// Classes k.
        public var classes: Int
        /// Votes in the generated matrix.
        public var votes: Int
        /// The method fitted.
        public var method: LabelModelMethod
        /// What auto chose (auto only).
        public var choice: AutoLabelModel.Choice?
        /// Seconds to generate the matrix.
        public var generateSeconds: Double
        /// Seconds to fit.
        public var fitSeconds: Double
        /// Seconds to predict every row.
        public var predictSeconds: Double
        /// Accuracy of the hard labels (row-hash ties) against the hidden classes.
        public var accuracyVsHidden: Double?
        /// Mean |estimated − true| LF accuracy over the functions the model estimates one for.
        public var meanAbsLFAccuracyError: Double?
        /// The process's peak resident memory in MiB, when the caller measures it.
        public var peakRSSMiB: Double?

        enum CodingKeys: String, CodingKey {
            case rows, lfs, classes, votes, method, choice, generateSeconds = "generate_seconds"
            case fitSeconds = "fit_seconds", predictSeconds = "predict_seconds"
            case accuracyVsHidden = "accuracy_vs_hidden", meanAbsLFAccuracyError = "mean_abs_lf_accuracy_error"
            case peakRSSMiB = "peak_rss_mib"
        }
    }

    /// Generates the problem, fits and predicts it.
    ///
    /// - Returns: the measurements (``Record/peakRSSMiB`` left `nil`).
    /// - Throws: ``LabelModelsError`` for invalid options or a model that cannot fit the problem.
    /// - Complexity: O(n · log k + votes) to generate, plus the model's fit and prediction.
    public static func run(options: Options) throws -> Record {
        try options.validate()
        let start = Stopwatch.seconds()
        var generator = SeededGenerator(seed: options.seed)
        let accuracies = (0..<options.lfs).map { _ in 0.3 + 0.6 * generator.nextUnitDouble() }
        let task = SyntheticLabelingTask(
            classPrior: [Double](repeating: 1 / Double(options.classes), count: options.classes),
            labelingFunctions: accuracies.map { .init(coverage: options.coverage, accuracy: $0) })
        let sample = task.sampleSkippingAbstentions(rows: options.rows, using: &generator)
        let generateSeconds = Stopwatch.seconds() - start
        var model = try LabelModelConfiguration(method: options.method).makeModel()
        let fitStart = Stopwatch.seconds()
        try model.fit(sample.matrix, options: FitOptions(seed: options.seed))
        let fitSeconds = Stopwatch.seconds() - fitStart
        let predictStart = Stopwatch.seconds()
        let probabilities = try model.predictProbabilities(sample.matrix)
        let predictSeconds = Stopwatch.seconds() - predictStart
        let predicted = type(of: model).hardLabels(probabilities, tieBreak: .rowHash, prior: model.classBalance)
        let accuracy = ClassificationScore(
            gold: sample.labels, predicted: predicted.map(\.rawValue), cardinality: options.classes
        ).accuracy
        var errors: [Double] = []
        for (index, parameters) in model.lfParameters.enumerated() {
            if let estimated = parameters.accuracy { errors.append(abs(estimated - accuracies[index])) }
        }
        return Record(
            rows: options.rows, lfs: options.lfs, classes: options.classes, votes: sample.matrix.voteCount,
            method: options.method, choice: (model as? AutoLabelModel)?.choice, generateSeconds: generateSeconds,
            fitSeconds: fitSeconds, predictSeconds: predictSeconds, accuracyVsHidden: accuracy,
            meanAbsLFAccuracyError: errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count),
            peakRSSMiB: nil)
    }
}
