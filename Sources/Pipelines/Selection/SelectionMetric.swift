import LabelModels

/// The validation metric model selection ranks candidates by.
public enum SelectionMetric: String, Sendable, Equatable, Codable, CaseIterable {
    /// The fraction of rows predicted correctly.
    case accuracy
    /// F1 of class 1 (binary tasks only).
    case f1
    /// The unweighted mean of the per-class F1 scores.
    case f1Macro = "f1_macro"

    /// Scores hard predictions against gold labels (rows whose gold label is negative are unknown and skipped).
    ///
    /// - Parameters:
    ///   - predicted: one class per row.
    ///   - gold: one class per row, or a negative value for unknown.
    ///   - classes: the number of classes.
    /// - Returns: the metric and the three scores it is drawn from.
    /// - Throws: ``PipelinesError/selectionFailed(reason:)`` for binary F1 on a task of more than two classes, or when
    ///   no row has a known gold label.
    public func score(predicted: [Int], gold: [Int], classes: Int) throws -> MetricScores {
        precondition(predicted.count == gold.count, "one prediction per gold label")
        if self == .f1 && classes != 2 {
            throw PipelinesError.selectionFailed(
                reason: "metric f1 is the F1 of class 1 on binary tasks; this task has \(classes) classes "
                    + "(use f1_macro or accuracy)")
        }
        let score = ClassificationScore(gold: gold, predicted: predicted, cardinality: classes)
        guard let accuracy = score.accuracy, let macro = score.macroF1 else {
            throw PipelinesError.selectionFailed(reason: "no evaluation row has a known gold label")
        }
        let value: Double
        switch self {
        case .accuracy: value = accuracy
        case .f1: value = score.f1 ?? 0
        case .f1Macro: value = macro
        }
        return MetricScores(score: value, accuracy: accuracy, f1: score.f1, f1Macro: macro)
    }
}

/// A metric's value with the accuracy and F1 scores next to it.
public struct MetricScores: Sendable, Equatable, Codable {
    /// The value of the selection metric.
    public var score: Double
    /// Accuracy.
    public var accuracy: Double
    /// F1 of class 1 (binary tasks; nil otherwise).
    public var f1: Double?
    /// Macro F1.
    public var f1Macro: Double

    /// Creates the scores.
    public init(score: Double, accuracy: Double, f1: Double?, f1Macro: Double) {
        self.score = score
        self.accuracy = accuracy
        self.f1 = f1
        self.f1Macro = f1Macro
    }
}
