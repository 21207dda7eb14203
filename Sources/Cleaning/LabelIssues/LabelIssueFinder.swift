import FoundryCore

/// Finds likely label errors by confident learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating
/// Uncertainty in Dataset Labels", JAIR 2021), following cleanlab 2.x `filter.find_label_issues`.
///
/// Inputs are the given labels (class indices, as cleanlab's `labels`) and out-of-sample predicted probabilities as
/// ``FoundryCore/SoftLabels`` (n × k, e.g. from cross-validation or a label model's prediction on held-out rows); the
/// probabilities are read as Float64, as cleanlab reads `pred_probs`. The confident joint counts
/// examples whose probability for class j reaches class j's threshold (the mean self-confidence of examples
/// labeled j); it is calibrated to the label counts, then one of the ``FilterMode``s selects issues. As in
/// cleanlab, examples whose given label (nudged by 1e-6) is the predicted argmax are never issues, and issues are
/// ranked by increasing ``Ranking`` score. Ties in sorting are broken by row index (NumPy's default sort is not
/// stable, so results on exactly tied probabilities may differ from cleanlab's).
/// Not supported: multi-label data, a caller-supplied confident joint, cleanlab's `low_*` filter modes.
public struct LabelIssueFinder: Sendable {
    /// cleanlab's `filter_by` choices.
    public enum FilterMode: String, Sendable, CaseIterable, Codable {
        /// Per class of given label k and true class j ≠ k, remove the calibrated count of examples with the largest
        /// margin p(j) − p(k).
        case pruneByNoiseRate = "prune_by_noise_rate"
        /// Per class, remove the examples with the lowest p(given label), as many as the class's estimated errors.
        case pruneByClass = "prune_by_class"
        /// Both of the above must flag an example.
        case both
        /// The off-diagonal examples of the confident joint.
        case confidentLearning = "confident_learning"
        /// The predicted argmax differs from the given label.
        case predictedNotEqualGiven = "predicted_neq_given"
    }

    /// cleanlab's `return_indices_ranked_by` label-quality scores (lower = more likely wrong).
    public enum Ranking: String, Sendable, CaseIterable, Codable {
        /// p(given label).
        case selfConfidence = "self_confidence"
        /// (p(given label) − max other p + 1) / 2.
        case normalizedMargin = "normalized_margin"
    }

    /// Settings (cleanlab's defaults).
    public struct Configuration: Sendable, Equatable {
        /// The filter.
        public var filter: FilterMode
        /// The ranking of the issues found.
        public var rankBy: Ranking
        /// Classes with at most this many examples are not pruned (`min_examples_per_class`).
        public var minExamplesPerClass: Int
        /// Return only this fraction of the estimated errors (`frac_noise`; prune modes only).
        public var fractionNoise: Double
        /// How many issues to remove from each class, by given label (`num_to_remove_per_class`; prune modes only).
        public var numberToRemovePerClass: [Int]?

        /// Creates a configuration (defaults: `prune_by_noise_rate`, `self_confidence`, 1, 1.0).
        public init(
            filter: FilterMode = .pruneByNoiseRate, rankBy: Ranking = .selfConfidence, minExamplesPerClass: Int = 1,
            fractionNoise: Double = 1, numberToRemovePerClass: [Int]? = nil
        ) {
            self.numberToRemovePerClass = numberToRemovePerClass
            self.filter = filter
            self.rankBy = rankBy
            self.minExamplesPerClass = minExamplesPerClass
            self.fractionNoise = fractionNoise
        }
    }

    /// One likely label error.
    public struct Issue: Sendable, Equatable, Codable {
        /// The row (0-based).
        public var row: Int
        /// The row's given label.
        public var givenLabel: Int
        /// The suggested label: the most probable class under the predicted probabilities (first on ties).
        public var suggestedLabel: Int
        /// The row's label-quality score under the configuration's ``Ranking`` (lower = more likely wrong).
        public var score: Double

        enum CodingKeys: String, CodingKey {
            case row, givenLabel = "given_label", suggestedLabel = "suggested_label", score
        }
    }

    /// The result.
    public struct Issues: Sendable, Equatable {
        /// Row indices (0-based) of likely label errors, most severe first.
        public var ranked: [Int]
        /// The label-quality score of every row under the chosen ranking.
        public var qualityScores: [Double]
        /// The calibrated confident joint, `[given label][true label]`.
        public var confidentJoint: [[Int]]
        /// Every row's given label.
        public var givenLabels: [Int]
        /// Every row's most probable class under the predicted probabilities (first on ties).
        public var predictedLabels: [Int]

        /// The issues in rank order, each with its given and suggested label and its score.
        public var issues: [Issue] {
            ranked.map {
                Issue(
                    row: $0, givenLabel: givenLabels[$0], suggestedLabel: predictedLabels[$0],
                    score: qualityScores[$0])
            }
        }
    }

    /// The configuration.
    public var configuration: Configuration

    /// Creates a finder.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Finds label issues.
    ///
    /// - Parameters:
    ///   - labels: the given class of each row, in `0..<k`.
    ///   - probabilities: n × k out-of-sample predicted probabilities (``FoundryCore/SoftLabels`` checked every row
    ///     is a distribution).
    /// - Returns: the ranked issues, scores and confident joint.
    /// - Throws: ``CleaningError/invalidLabels(source:reason:)`` for a label count other than n, labels outside
    ///   0..<k, or invalid configuration values.
    /// - Complexity: O(n·k + n log n).
    public func find(labels: [Int], probabilities: SoftLabels) throws -> Issues {
        let p = probabilities.matrix
        let n = p.rows, k = p.columns
        func fail(_ reason: String) -> CleaningError { .invalidLabels(source: "label issues", reason: reason) }
        guard labels.count == n else { throw fail("\(labels.count) labels but \(n) rows of probabilities") }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= k }) {
            throw fail("row \(bad): label \(labels[bad]) is outside 0…\(k - 1)")
        }
        guard (0...1).contains(configuration.fractionNoise) else { throw fail("fraction of noise must be in 0…1") }
        if let remove = configuration.numberToRemovePerClass {
            guard remove.count == k, remove.allSatisfy({ $0 >= 0 }) else {
                throw fail("numbers to remove per class: expected \(k) non-negative counts, got \(remove)")
            }
            guard [.pruneByNoiseRate, .pruneByClass, .both].contains(configuration.filter) else {
                throw fail("numbers to remove per class apply only to prune_by_noise_rate, prune_by_class and both")
            }
        }

        var labelCounts = [Int](repeating: 0, count: k)
        for label in labels { labelCounts[label] += 1 }
        let (joint, offDiagonal) = confidentJoint(labels: labels, p: p, labelCounts: labelCounts)

        var mask = [Bool](repeating: false, count: n)
        switch configuration.filter {
        case .pruneByNoiseRate, .pruneByClass, .both:
            var prune = Self.keepAtLeast(
                transpose(joint), configuration.minExamplesPerClass, configuration.fractionNoise)
            if let remove = configuration.numberToRemovePerClass {
                prune = Self.pruneCounts(prune, removing: remove, labelCounts: labelCounts)
            }
            let rowsByClass = (0..<k).map { c in labels.indices.filter { labels[$0] == c } }
            var byClass = [Bool](repeating: false, count: n)
            var byNoise = [Bool](repeating: false, count: n)
            for c in 0..<k where rowsByClass[c].count > configuration.minExamplesPerClass {
                let rows = rowsByClass[c]
                let issues = rows.count - prune[c][c]
                if issues >= 1 {
                    for row in Self.stableOrder(rows, key: { p[$0, c] }).prefix(issues) { byClass[row] = true }
                }
                for j in 0..<k where j != c && prune[j][c] > 0 {
                    for row in Self.stableOrder(rows, key: { -(p[$0, j] - p[$0, c]) }).prefix(prune[j][c]) {
                        byNoise[row] = true
                    }
                }
            }
            switch configuration.filter {
            case .pruneByClass: mask = byClass
            case .pruneByNoiseRate: mask = byNoise
            default: mask = zip(byClass, byNoise).map { $0 && $1 }
            }
        case .confidentLearning:
            for row in offDiagonal { mask[row] = true }
        case .predictedNotEqualGiven:
            for row in 0..<n { mask[row] = Self.argmax(p.row(row)) != labels[row] }
        }
        // cleanlab's _reduce_issues: the given label (plus 1e-6) being the argmax clears the flag.
        for row in 0..<n where mask[row] {
            var values = Array(p.row(row))
            values[labels[row]] += 1e-6
            if Self.argmax(values[...]) == labels[row] { mask[row] = false }
        }
        let scores = (0..<n).map { row -> Double in
            let given = p[row, labels[row]]
            switch configuration.rankBy {
            case .selfConfidence: return given
            case .normalizedMargin:
                var other = -Double.infinity
                for c in 0..<k where c != labels[row] { other = max(other, p[row, c]) }
                return (given - other + 1) / 2
            }
        }
        let ranked = Self.stableOrder(mask.indices.filter { mask[$0] }, key: { scores[$0] })
        return Issues(
            ranked: ranked, qualityScores: scores, confidentJoint: joint, givenLabels: labels,
            predictedLabels: (0..<n).map { Self.argmax(p.row($0)) })
    }

    /// The calibrated confident joint `[given][true]` and the rows counted off the diagonal.
    private func confidentJoint(labels: [Int], p: Matrix, labelCounts: [Int]) -> ([[Int]], [Int]) {
        let n = p.rows, k = p.columns
        var thresholds = [Double](repeating: 2, count: k)  // cleanlab's BIG_VALUE for classes without examples
        var sums = [Double](repeating: 0, count: k)
        for row in 0..<n { sums[labels[row]] += p[row, labels[row]] }
        for c in 0..<k where labelCounts[c] > 0 { thresholds[c] = max(sums[c] / Double(labelCounts[c]), 2e-6) }
        var joint = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var offDiagonal: [Int] = []
        for row in 0..<n {
            var confident = 0, firstConfident = 0
            for c in 0..<k where p[row, c] >= thresholds[c] - 1e-6 {
                if confident == 0 { firstConfident = c }
                confident += 1
            }
            guard confident > 0 else { continue }
            let guess = confident > 1 ? Self.argmax(p.row(row)) : firstConfident
            joint[labels[row]][guess] += 1
            if guess != labels[row] { offDiagonal.append(row) }
        }
        for c in 0..<k { joint[c][c] = max(joint[c][c], 1) }
        // Calibrate: rows sum to the label counts, the whole to n; round preserving row totals.
        var calibrated = joint.enumerated().map { c, row -> [Double] in
            let total = max(Double(row.reduce(0, +)), 1e-100)
            return row.map { Double($0) / total * Double(labelCounts[c]) }
        }
        let total = max(calibrated.joined().reduce(0, +), 1e-100)
        calibrated = calibrated.map { $0.map { $0 / total * Double(n) } }
        return (calibrated.map(Self.roundPreservingSum), offDiagonal)
    }

    private func transpose(_ m: [[Int]]) -> [[Int]] { m.indices.map { i in m.indices.map { j in m[j][i] } } }

    /// cleanlab's `_keep_at_least_n_per_class` followed by `_reduce_prune_counts` (on the transposed joint).
    static func keepAtLeast(_ prune: [[Int]], _ minimum: Int, _ fraction: Double) -> [[Int]] {
        let k = prune.count
        var matrix = prune.map { $0.map(Double.init) }
        for j in 0..<k {
            let diagonal = matrix[j][j]
            let newDiagonal = max(diagonal, Double(minimum))
            let nonZero = (0..<k).filter { matrix[$0][j] != 0 }.count
            let share = (newDiagonal - diagonal) / max(Double(nonZero) - 1, 1)
            for i in 0..<k { matrix[i][j] = max(matrix[i][j] - share, 0) }
            matrix[j][j] = newDiagonal
        }
        var reduced = matrix.map { $0.map { $0 * fraction } }
        for j in 0..<k {
            var removed = 0.0
            for i in 0..<k where i != j { removed += matrix[i][j] - reduced[i][j] }
            reduced[j][j] = matrix[j][j] + removed
        }
        return reduced.map { $0.map { Double(Int($0)) } }.map(roundPreservingSum)
    }

    /// cleanlab's `num_to_remove_per_class` adjustment of the prune-count matrix `m` (true × given): with
    /// `q[i][j] = m[i][j] / Σₗ m[j][l]` (NumPy broadcasting divides column j by row j's total),
    /// row i becomes `q[i][j] · remove[i] / (Σⱼ q[i][j] − q[i][i])` off the diagonal and `count[i] − remove[i]`
    /// on it, rounded preserving row totals.
    static func pruneCounts(_ m: [[Int]], removing remove: [Int], labelCounts: [Int]) -> [[Int]] {
        let k = m.count
        let rowTotals = m.map { Double($0.reduce(0, +)) }
        let q = (0..<k).map { i in (0..<k).map { j in Double(m[i][j]) / rowTotals[j] } }
        let rows = (0..<k).map { i -> [Double] in
            let noise = q[i].reduce(0, +) - q[i][i]
            return (0..<k).map { j in j == i ? Double(labelCounts[i] - remove[i]) : q[i][j] * Double(remove[i]) / noise
            }
        }
        return rows.map(roundPreservingSum)
    }

    /// cleanlab's `round_preserving_sum`: round half to even, then move units where rounding lost the most.
    static func roundPreservingSum(_ values: [Double]) -> [Int] {
        var ints = values.map { $0.rounded(.toNearestOrEven) }
        let target = values.reduce(0, +).rounded(.toNearestOrEven)
        var sum = ints.reduce(0, +).rounded(.toNearestOrEven)
        var guardCount = 0
        while abs(sum - target) > 1e-6, guardCount < 1000 {
            let diff = (target - sum).rounded(.toNearestOrEven)
            let increment: Double = diff < 0 ? -1 : 1
            let changes = min(Int(abs(diff)), values.count)
            var order = stableOrder(Array(values.indices), key: { values[$0] - ints[$0] })
            if increment > 0 { order.reverse() }
            for i in order.prefix(changes) { ints[i] += increment }
            sum = ints.reduce(0, +).rounded(.toNearestOrEven)
            guardCount += 1
        }
        return ints.map { Int($0) }
    }

    static func stableOrder(_ items: [Int], key: (Int) -> Double) -> [Int] {
        let keys = items.map(key)
        return items.indices.sorted { keys[$0] != keys[$1] ? keys[$0] < keys[$1] : $0 < $1 }.map { items[$0] }
    }

    static func argmax(_ values: ArraySlice<Double>) -> Int {
        var best = values.startIndex
        for i in values.indices where values[i] > values[best] { best = i }
        return best - values.startIndex
    }
}
