import FoundryCore

/// Accuracy, F1 and coverage of hard predictions against gold labels (snorkel's scorer conventions).
public struct ClassificationScore: Sendable, Equatable, Codable {
    /// Fraction of scored rows predicted correctly (`nil` when no row was scored).
    public var accuracy: Double?
    /// F1 of the positive class (binary tasks only; `nil` otherwise).
    public var f1: Double?
    /// Unweighted mean of the per-class F1 scores.
    public var macroF1: Double?
    /// Fraction of gold-labelled rows that received a prediction.
    public var coverage: Double

    /// Scores `predicted` (-1 = abstain) against `gold` (-1 = unknown) for `cardinality` classes.
    public init(gold: [Int], predicted: [Int], cardinality: Int, positiveClass: Int = 1) {
        precondition(gold.count == predicted.count, "gold and predictions differ in length")
        var goldRows = 0, scored = 0, correct = 0
        var truePositive = [Int](repeating: 0, count: cardinality)
        var falsePositive = truePositive, falseNegative = truePositive
        for (g, p) in zip(gold, predicted) where g >= 0 {
            goldRows += 1
            guard p >= 0 else { continue }
            scored += 1
            if g == p {
                correct += 1
                if g < cardinality { truePositive[g] += 1 }
            } else {
                if p < cardinality { falsePositive[p] += 1 }
                if g < cardinality { falseNegative[g] += 1 }
            }
        }
        func classF1(_ c: Int) -> Double {
            truePositive[c] == 0
                ? 0 : 2 * Double(truePositive[c]) / Double(2 * truePositive[c] + falsePositive[c] + falseNegative[c])
        }
        coverage = goldRows == 0 ? 0 : Double(scored) / Double(goldRows)
        if scored == 0 {
            accuracy = nil
            f1 = nil
            macroF1 = nil
        } else {
            accuracy = Double(correct) / Double(scored)
            f1 = cardinality == 2 ? classF1(positiveClass) : nil
            macroF1 = (0..<cardinality).map(classF1).reduce(0, +) / Double(cardinality)
        }
    }
}

extension ClassificationScore {
    /// Accuracy in expectation over uniform tie-breaking: a row whose gold class is among `t` classes tied for the
    /// highest probability (within 1e-5, snorkel's tolerance) counts `1/t`. Free of the luck of any particular
    /// tie-break draw, so it is the fairer number on small test sets with many unvoted rows.
    /// Rows whose gold label is -1 are skipped; `nil` if none is left.
    public static func expectedAccuracy(probabilities: Matrix, gold: [Int]) -> Double? {
        precondition(gold.count == probabilities.rows, "gold and probabilities differ in length")
        let k = probabilities.columns
        var rows = 0
        var credit = 0.0
        probabilities.withUnsafeBufferPointer { p in
            for (row, label) in gold.enumerated() where label >= 0 {
                rows += 1
                let base = row * k
                var best = -Double.infinity
                for c in 0..<k where p[base + c] > best { best = p[base + c] }
                var tied = 0
                var goldTied = false
                for c in 0..<k where best - p[base + c] < TieBreakPolicy.rowHashTolerance {
                    tied += 1
                    if c == label { goldTied = true }
                }
                if goldTied { credit += 1 / Double(tied) }
            }
        }
        return rows == 0 ? nil : credit / Double(rows)
    }
}
