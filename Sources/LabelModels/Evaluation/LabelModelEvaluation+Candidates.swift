import Foundation
import Labeling

extension LabelModelEvaluation {
    /// One candidate that auto weighed on a folder (see ``AutoLabelModel/CandidateTrace``), with its test score.
    public struct CandidateResult: Sendable, Equatable, Codable {
        /// The folder's name.
        public var dataset: String
        /// The candidate (an ``AutoLabelModel/Choice`` raw value).
        public var choice: String
        /// Whether it keeps MV's label wherever MV has a unique winner.
        public var isTieBreak: Bool
        /// Whether its family is identifiable on the folder's training votes.
        public var identifiable: Bool
        /// Whether auto's rule could choose it.
        public var admissible: Bool
        /// Expected accuracy gain over MV under each judge's posterior, on training rows.
        public var expectedGains: [String: Double]
        /// The candidate's ``benchmarkScore(_:)`` on the test split.
        public var score: Double
    }

    /// Fits auto without a dev set on every WRENCH folder under `root` and scores every candidate it weighed, the one
    /// it chose among them, on the folder's test split: what its rule chose from, for reports and for studying the rule.
    ///
    /// - Throws: as ``evaluateAll(root:options:methods:repeats:progress:)``.
    public static func scoreAutoCandidates(root: URL, options: Options) throws -> [CandidateResult] {
        var results: [CandidateResult] = []
        for folder in try wrenchFolders(under: root) {
            let splits = try EvaluationSplits.load(folder, transductive: options.transductive)
            var autoOptions = options
            autoOptions.model = options.model.applied(to: .auto)
            autoOptions.useDevSet = false
            let (fitOptions, _) = try fitOptions(splits, options: autoOptions)
            var model = try autoOptions.model.makeModel()
            let trace = AutoLabelModel.CandidateTrace()
            try AutoLabelModel.$candidateTrace.withValue(trace) {
                try model.fit(splits.train.labelMatrix, options: fitOptions)
            }
            let test = splits.test
            for entry in trace.entries {
                let probabilities = try entry.model.predictProbabilities(test.labelMatrix)
                let predicted = AutoLabelModel.hardLabels(
                    probabilities, tieBreak: options.tieBreak, prior: entry.model.classBalance)
                let score = ClassificationScore(
                    gold: test.goldLabels, predicted: predicted.map(\.rawValue),
                    cardinality: splits.train.labelMatrix.cardinality)
                let benchmark = splits.datasetName.contains("sms") ? score.f1 : score.accuracy
                results.append(
                    CandidateResult(
                        dataset: splits.datasetName, choice: entry.choice.rawValue, isTieBreak: entry.isTieBreak,
                        identifiable: entry.identifiable, admissible: entry.admissible, expectedGains: entry.gains,
                        score: benchmark ?? 0))
            }
        }
        return results
    }
}
