import Foundation
import FoundryCore
import LabelModels

extension LabelModelSection {
    /// A reliability diagram of predicted probabilities against gold labels, and its expected calibration error.
    ///
    /// Each row with a gold class (gold -1 = unknown is skipped) goes to the bin of its top-class probability (the
    /// confidence; `bins` equal-width bins over [0, 1], the last one closed). Per bin: the row count, the mean
    /// confidence and the accuracy (the share of rows whose predicted class is the gold class). The expected
    /// calibration error is ECE = Σ_b (count_b / n) · |accuracy_b − confidence_b| over the n gold rows (Guo et al.
    /// 2017); it is nil when no row has gold. An empty bin has count 0 and writes 0 for its mean confidence and
    /// accuracy.
    ///
    /// - Parameters:
    ///   - probabilities: n × k probabilities.
    ///   - gold: one class per row, -1 = unknown.
    ///   - predicted: the hard label of each row, when the model resolves ties its own way; by default the first class
    ///     of highest probability.
    ///   - bins: the number of bins (at least 1).
    /// - Returns: the bins in increasing confidence, and the expected calibration error.
    /// - Throws: ``PipelinesError/reportFailed(reason:)`` naming the row when the lengths differ, a gold or predicted
    ///   class is outside the classes, or a probability is not a finite number in [0, 1].
    /// - Complexity: O(n·k).
    public static func calibration(
        probabilities: Matrix, gold: [Int], predicted: [Int]? = nil, bins: Int = 10
    ) throws -> (bins: [CalibrationBin], expectedCalibrationError: Double?) {
        precondition(bins >= 1, "a reliability diagram needs at least one bin")
        let n = probabilities.rows, k = probabilities.columns
        guard gold.count == n else {
            throw PipelinesError.reportFailed(reason: "calibration: \(gold.count) gold labels for \(n) rows")
        }
        if let predicted {
            guard predicted.count == n else {
                throw PipelinesError.reportFailed(
                    reason: "calibration: \(predicted.count) predicted labels for \(n) rows")
            }
            if let row = predicted.firstIndex(where: { $0 < -1 || $0 >= k }) {
                throw PipelinesError.reportFailed(
                    reason: "calibration: row \(row): predicted label \(predicted[row]) is outside -1 … \(k - 1)")
            }
        }
        var counts = [Int](repeating: 0, count: bins)
        var confidenceSums = [Double](repeating: 0, count: bins)
        var correct = [Int](repeating: 0, count: bins)
        try probabilities.withUnsafeBufferPointer { p in
            for row in 0..<n where gold[row] != -1 {
                guard gold[row] >= 0 && gold[row] < k else {
                    throw PipelinesError.reportFailed(
                        reason: "calibration: row \(row): gold label \(gold[row]) is outside -1 (unknown) … \(k - 1)")
                }
                var best = 0
                var confidence = -Double.infinity
                for c in 0..<k {
                    let value = p[row * k + c]
                    guard value.isFinite, value >= 0, value <= 1 + 1e-9 else {
                        throw PipelinesError.reportFailed(
                            reason: "calibration: row \(row), class \(c): probability \(value) is not in [0, 1]")
                    }
                    if value > confidence {
                        confidence = value
                        best = c
                    }
                }
                if let predicted { best = predicted[row] }
                confidence = min(1, confidence)
                let bin = min(bins - 1, Int(confidence * Double(bins)))
                counts[bin] += 1
                confidenceSums[bin] += confidence
                if best == gold[row] { correct[bin] += 1 }
            }
        }
        let total = counts.reduce(0, +)
        var ece = 0.0
        let result = (0..<bins).map { bin in
            let count = counts[bin]
            let meanConfidence = count == 0 ? 0 : confidenceSums[bin] / Double(count)
            let accuracy = count == 0 ? 0 : Double(correct[bin]) / Double(count)
            if count > 0 { ece += Double(count) / Double(total) * abs(accuracy - meanConfidence) }
            return CalibrationBin(
                lower: Double(bin) / Double(bins), upper: Double(bin + 1) / Double(bins), count: count,
                meanConfidence: meanConfidence, accuracy: accuracy)
        }
        return (result, total == 0 ? nil : ece)
    }

    /// ``calibration(probabilities:gold:predicted:bins:)`` for probabilities given as one array per row.
    ///
    /// - Throws: ``PipelinesError/reportFailed(reason:)`` when the rows differ in length, and the errors of the matrix
    ///   form.
    public static func calibration(
        probabilities: [[Double]], gold: [Int], predicted: [Int]? = nil, bins: Int = 10
    ) throws -> (bins: [CalibrationBin], expectedCalibrationError: Double?) {
        let k = probabilities.first?.count ?? 0
        if let bad = probabilities.firstIndex(where: { $0.count != k }) {
            throw PipelinesError.reportFailed(
                reason: "calibration: row \(bad) has \(probabilities[bad].count) probabilities, row 0 has \(k)")
        }
        let matrix = Matrix(rows: probabilities.count, columns: k, values: probabilities.flatMap { $0 })
        return try calibration(probabilities: matrix, gold: gold, predicted: predicted, bins: bins)
    }

    /// Builds the whole section from a fitted model's probabilities: accuracy and F1 of the hard labels on the gold rows
    /// (snorkel's scorer: F1 of class 1 for two classes, nil otherwise) and the reliability diagram.
    ///
    /// - Parameters:
    ///   - method: the method asked for (`auto`, `mv`, …).
    ///   - choice: what `auto` chose, if it ran.
    ///   - reason: `auto`'s reason.
    ///   - probabilities: n × k probabilities of the rows scored (e.g. the test split).
    ///   - gold: their gold classes (-1 = unknown), or nil: then only the method is reported.
    ///   - predicted: the hard labels the model gives (its own tie-break); by default the first most probable class.
    ///   - bins: the reliability diagram's bins.
    /// - Throws: the errors of ``calibration(probabilities:gold:predicted:bins:)``.
    public static func build(
        method: String, choice: String? = nil, reason: String? = nil, probabilities: Matrix, gold: [Int]?,
        predicted: [Int]? = nil, bins: Int = 10
    ) throws -> LabelModelSection {
        guard let gold else { return LabelModelSection(method: method, choice: choice, reason: reason) }
        let (calibrationBins, ece) = try calibration(
            probabilities: probabilities, gold: gold, predicted: predicted, bins: bins)
        let hard = predicted ?? argmax(probabilities)
        let score = ClassificationScore(gold: gold, predicted: hard, cardinality: probabilities.columns)
        return LabelModelSection(
            method: method, choice: choice, reason: reason, accuracy: score.accuracy, f1: score.f1,
            calibration: calibrationBins, expectedCalibrationError: ece)
    }

    /// The first class of highest probability in each row.
    static func argmax(_ probabilities: Matrix) -> [Int] {
        let k = probabilities.columns
        return probabilities.withUnsafeBufferPointer { p in
            (0..<probabilities.rows).map { row in
                var best = 0
                for c in 1..<max(1, k) where p[row * k + c] > p[row * k + best] { best = c }
                return best
            }
        }
    }
}
