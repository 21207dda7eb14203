import Labeling

/// Dev-set helpers.
enum DevSet {
    /// Checks that a dev set fits the training matrix: one label per row, each a class index or -1 (unknown), at least
    /// one known, and the same LFs and classes.
    static func validate(_ dev: LabelMatrix, labels: [Int], for matrix: LabelMatrix) throws {
        guard labels.count == dev.rowCount else {
            throw LabelModelsError.shapeMismatch("\(labels.count) dev labels for \(dev.rowCount) dev rows")
        }
        guard dev.lfCount == matrix.lfCount, dev.cardinality == matrix.cardinality else {
            throw LabelModelsError.shapeMismatch(
                "the dev matrix has \(dev.lfCount) LFs and \(dev.cardinality) classes; the training matrix \(matrix.lfCount) and \(matrix.cardinality)"
            )
        }
        if let row = labels.firstIndex(where: { $0 < -1 || $0 >= matrix.cardinality }) {
            throw LabelModelsError.invalidInput(
                "dev label \(labels[row]) at row \(row) is not a class index 0..<\(matrix.cardinality) or -1 (unknown)")
        }
        guard labels.contains(where: { $0 >= 0 }) else {
            throw LabelModelsError.invalidInput("the dev set has no gold labels (all -1)")
        }
    }

    /// Empirical per-LF accuracy on gold-labelled dev rows (add-one smoothed toward 0.7), clamped to `range`.
    static func accuracies(_ matrix: LabelMatrix, labels: [Int], range: ClosedRange<Double>) throws -> [Double] {
        guard labels.count == matrix.rowCount else {
            throw LabelModelsError.shapeMismatch("\(labels.count) dev labels for \(matrix.rowCount) dev rows")
        }
        var agree = [Double](repeating: 0, count: matrix.lfCount), total = agree
        matrix.forEachVote { row, lf, c in
            guard labels[row] >= 0 else { return }
            total[lf] += 1
            if labels[row] == c { agree[lf] += 1 }
        }
        return (0..<matrix.lfCount).map {
            min(range.upperBound, max(range.lowerBound, (agree[$0] + 0.7) / (total[$0] + 1)))
        }
    }
}
