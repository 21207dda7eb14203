import Foundation
import FoundryCore
import Tensors

/// Multinomial logistic regression with an L2 penalty on sentence embeddings: the few-shot baseline of LF synthesis
/// and the router of ``ExpertRouter``.
///
/// The fit minimises the weighted mean cross-entropy plus `l2 / 2 · ‖W‖²` (the intercepts are not penalised) by
/// L-BFGS (Nocedal 1980; Liu & Nocedal 1989) from all-zero parameters, in Float64, with every product through BLAS
/// (`cblas_dgemm` on contiguous row-major buffers). The objective is strictly convex when `l2 > 0`, so the optimum is
/// unique; the fit has no random part, and the same inputs give the same parameters bit for bit on the same BLAS core
/// and thread count. scikit-learn's `LogisticRegression(C: c)` (multinomial, lbfgs) minimises the same objective
/// scaled by `c · n` when `l2 = 1 / (c · n)` and the classes are weighted uniformly.
///
/// ```swift
/// let classifier = try EmbeddingClassifier.fit(embeddings: vectors, labels: gold, classes: 2)
/// let predicted = try classifier.predict(otherVectors)
/// ```
public struct EmbeddingClassifier: Sendable, Equatable, Codable {
    /// How rows are weighted in the loss.
    public enum ClassWeighting: String, Sendable, Equatable, Codable, CaseIterable {
        /// Every row counts once.
        case uniform
        /// Row weights `n / (k · n_c)` so that every class present weighs the same (scikit-learn's `balanced`).
        case balanced
    }

    /// Settings of the fit.
    public struct Configuration: Sendable, Equatable, Codable {
        /// The L2 penalty on the weights (`l2 / 2 · ‖W‖²` added to the mean loss); must be positive.
        public var l2: Double
        /// Divide each embedding by its L2 norm before fitting and predicting.
        public var normalize: Bool
        /// Learn one intercept per class (not penalised).
        public var fitIntercept: Bool
        /// Row weighting in the loss.
        public var classWeighting: ClassWeighting
        /// L-BFGS iterations at most.
        public var maxIterations: Int
        /// The fit stops when the gradient's largest absolute entry is at most this.
        public var tolerance: Double
        /// Correction pairs L-BFGS keeps.
        public var history: Int

        /// Creates a configuration; the defaults suit 384-dimensional normalised MiniLM embeddings with a few to a few
        /// thousand rows.
        public init(
            l2: Double = 1e-3, normalize: Bool = true, fitIntercept: Bool = true,
            classWeighting: ClassWeighting = .uniform, maxIterations: Int = 500, tolerance: Double = 1e-7,
            history: Int = 10
        ) {
            self.l2 = l2
            self.normalize = normalize
            self.fitIntercept = fitIntercept
            self.classWeighting = classWeighting
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.history = history
        }
    }

    /// Number of classes.
    public let classes: Int
    /// Embedding width.
    public let dimension: Int
    /// `dimension × classes` weights, row-major.
    public let weights: [Double]
    /// One intercept per class (zeros without ``Configuration/fitIntercept``).
    public let intercepts: [Double]
    /// The settings the model was fitted with.
    public let configuration: Configuration
    /// L-BFGS iterations run.
    public let iterations: Int
    /// Whether the gradient tolerance was reached within ``Configuration/maxIterations``.
    public let converged: Bool
    /// The objective (weighted mean cross-entropy plus the penalty) at the fitted parameters.
    public let objective: Double

    /// Creates a classifier from its parameters (as ``fit(embeddings:labels:classes:configuration:)`` returns them).
    public init(
        classes: Int, dimension: Int, weights: [Double], intercepts: [Double], configuration: Configuration,
        iterations: Int = 0, converged: Bool = true, objective: Double = .nan
    ) {
        precondition(classes >= 1 && dimension >= 0, "a classifier needs a class and a width")
        precondition(weights.count == dimension * classes, "weights must be dimension × classes")
        precondition(intercepts.count == classes, "one intercept per class")
        self.classes = classes
        self.dimension = dimension
        self.weights = weights
        self.intercepts = intercepts
        self.configuration = configuration
        self.iterations = iterations
        self.converged = converged
        self.objective = objective
    }

    /// Fits the classifier to labeled embeddings.
    ///
    /// - Parameters:
    ///   - embeddings: one vector per row, all of the same width.
    ///   - labels: each row's class in `0..<classes`.
    ///   - classes: the number of classes (at least 2); classes without rows get low probabilities everywhere.
    ///   - configuration: the penalty, normalisation, weighting and stopping rule.
    /// - Returns: the fitted classifier.
    /// - Throws: ``PipelinesError/invalidData(source:row:field:reason:)`` naming the row whose vector has the wrong
    ///   width or a non-finite value, or whose label is out of range; and for no rows or a bad configuration.
    /// - Complexity: O(iterations · n · d · k) in BLAS, O(n · d) memory.
    public static func fit(
        embeddings: [[Float]], labels: [Int], classes: Int, configuration: Configuration = Configuration()
    ) throws -> EmbeddingClassifier {
        guard let first = embeddings.first else {
            throw PipelinesError.invalidData(
                source: "embeddings", row: nil, field: nil, reason: "no rows to fit a classifier on")
        }
        let features = try designMatrix(embeddings, dimension: first.count, normalize: configuration.normalize)
        return try fit(features: features, labels: labels, classes: classes, configuration: configuration)
    }

    /// Fits the classifier to the rows of a `n × d` tensor; see ``fit(embeddings:labels:classes:configuration:)``.
    public static func fit(
        embeddings: Tensor, labels: [Int], classes: Int, configuration: Configuration = Configuration()
    ) throws -> EmbeddingClassifier {
        let features = try designMatrix(embeddings, dimension: embeddings.columns, normalize: configuration.normalize)
        return try fit(features: features, labels: labels, classes: classes, configuration: configuration)
    }

    /// Class probabilities of each embedding (`n` rows of `classes` values summing to 1).
    ///
    /// - Throws: ``PipelinesError/invalidData(source:row:field:reason:)`` naming a row of the wrong width or with a
    ///   non-finite value.
    /// - Complexity: O(n · d · k) in BLAS.
    public func predictProbabilities(_ embeddings: [[Float]]) throws -> [[Double]] {
        probabilities(of: try Self.designMatrix(embeddings, dimension: dimension, normalize: configuration.normalize))
    }

    /// Class probabilities of each row of a `n × d` tensor; see ``predictProbabilities(_:)-([[Float]])``.
    public func predictProbabilities(_ embeddings: Tensor) throws -> [[Double]] {
        probabilities(of: try Self.designMatrix(embeddings, dimension: dimension, normalize: configuration.normalize))
    }

    /// The most probable class of each embedding (the lowest index among exactly equal probabilities).
    ///
    /// - Throws: as ``predictProbabilities(_:)-([[Float]])``.
    public func predict(_ embeddings: [[Float]]) throws -> [Int] {
        try predictProbabilities(embeddings).map(Self.argmax)
    }

    /// The most probable class of each row of a `n × d` tensor.
    public func predict(_ embeddings: Tensor) throws -> [Int] {
        try predictProbabilities(embeddings).map(Self.argmax)
    }

    // MARK: - Internals

    static func argmax(_ row: [Double]) -> Int {
        var best = 0
        for c in row.indices.dropFirst() where row[c] > row[best] { best = c }
        return best
    }

    /// Row-softmax of `X·W + b`.
    private func probabilities(of features: Matrix) -> [[Double]] {
        let w = Matrix(rows: dimension, columns: classes, values: weights)
        var scores = Matrix(rows: features.rows, columns: classes)
        Matrix.multiply(features, w, into: &scores)
        var result: [[Double]] = []
        result.reserveCapacity(features.rows)
        for i in 0..<features.rows {
            var row = [Double](repeating: 0, count: classes)
            var top = -Double.infinity
            for c in 0..<classes {
                row[c] = scores.storage[i * classes + c] + intercepts[c]
                top = Swift.max(top, row[c])
            }
            var total = 0.0
            for c in 0..<classes {
                row[c] = Foundation.exp(row[c] - top)
                total += row[c]
            }
            for c in 0..<classes { row[c] /= total }
            result.append(row)
        }
        return result
    }

    /// Checks the rows and copies them into an `n × d` Float64 matrix (L2-normalised on request).
    static func designMatrix(_ rows: [[Float]], dimension: Int, normalize: Bool) throws -> Matrix {
        var values = [Double](repeating: 0, count: rows.count * dimension)
        for (i, row) in rows.enumerated() {
            guard row.count == dimension else {
                throw PipelinesError.invalidData(
                    source: "embeddings", row: i, field: nil,
                    reason: "a vector of \(row.count) values where \(dimension) were expected")
            }
            try copyRow(row, index: i, into: &values, dimension: dimension, normalize: normalize)
        }
        return Matrix(rows: rows.count, columns: dimension, values: values)
    }

    static func designMatrix(_ tensor: Tensor, dimension: Int, normalize: Bool) throws -> Matrix {
        let n = tensor.count == 0 ? 0 : tensor.rows
        guard tensor.columns == dimension || n == 0 else {
            throw PipelinesError.invalidData(
                source: "embeddings", row: nil, field: nil,
                reason: "vectors of \(tensor.columns) values where \(dimension) were expected")
        }
        var values = [Double](repeating: 0, count: n * dimension)
        for i in 0..<n {
            let row = tensor.scalars[(i * dimension)..<((i + 1) * dimension)]
            try copyRow(row, index: i, into: &values, dimension: dimension, normalize: normalize)
        }
        return Matrix(rows: n, columns: dimension, values: values)
    }

    private static func copyRow<C: Collection<Float>>(
        _ row: C, index i: Int, into values: inout [Double], dimension: Int, normalize: Bool
    ) throws {
        var squares = 0.0
        for (j, value) in row.enumerated() {
            guard value.isFinite else {
                throw PipelinesError.invalidData(
                    source: "embeddings", row: i, field: "\(j)", reason: "a non-finite value (\(value))")
            }
            values[i * dimension + j] = Double(value)
            squares += Double(value) * Double(value)
        }
        if normalize {
            let scale = 1 / Swift.max(squares.squareRoot(), 1e-12)
            for j in 0..<dimension { values[i * dimension + j] *= scale }
        }
    }

    private static func fit(
        features: Matrix, labels: [Int], classes: Int, configuration: Configuration
    ) throws -> EmbeddingClassifier {
        guard classes >= 2 else {
            throw PipelinesError.invalidData(
                source: "labels", row: nil, field: nil, reason: "at least 2 classes are needed, not \(classes)")
        }
        guard features.rows > 0 else {
            throw PipelinesError.invalidData(
                source: "embeddings", row: nil, field: nil, reason: "no rows to fit a classifier on")
        }
        guard labels.count == features.rows else {
            throw PipelinesError.invalidData(
                source: "labels", row: nil, field: nil,
                reason: "\(labels.count) labels for \(features.rows) embeddings")
        }
        for (i, label) in labels.enumerated() where !(0..<classes).contains(label) {
            throw PipelinesError.invalidData(
                source: "labels", row: i, field: nil, reason: "class \(label) is outside 0..<\(classes)")
        }
        guard configuration.l2 > 0, configuration.l2.isFinite else {
            throw PipelinesError.invalidData(
                source: "configuration", row: nil, field: "l2",
                reason: "the L2 penalty must be a positive number, not \(configuration.l2)")
        }
        guard configuration.maxIterations >= 0, configuration.history >= 1, configuration.tolerance >= 0 else {
            throw PipelinesError.invalidData(
                source: "configuration", row: nil, field: nil,
                reason: "max iterations and tolerance must be non-negative and history at least 1")
        }
        let problem = Objective(
            features: features, labels: labels, classes: classes, l2: configuration.l2,
            fitIntercept: configuration.fitIntercept, weighting: configuration.classWeighting)
        let solution = LBFGS.minimize(
            problem, start: [Double](repeating: 0, count: problem.parameterCount),
            maxIterations: configuration.maxIterations, tolerance: configuration.tolerance,
            history: configuration.history)
        let d = features.columns
        return EmbeddingClassifier(
            classes: classes, dimension: d, weights: Array(solution.parameters[0..<(d * classes)]),
            intercepts: configuration.fitIntercept
                ? Array(solution.parameters[(d * classes)...]) : [Double](repeating: 0, count: classes),
            configuration: configuration, iterations: solution.iterations, converged: solution.converged,
            objective: solution.value)
    }
}

/// The penalised, weighted multinomial cross-entropy and its gradient in the parameters `[W (d×k, row-major), b (k)]`.
struct Objective {
    let features: Matrix
    let labels: [Int]
    let classes: Int
    let l2: Double
    let fitIntercept: Bool
    /// Per-row weights, normalised to sum to 1.
    let rowWeights: [Double]

    init(
        features: Matrix, labels: [Int], classes: Int, l2: Double, fitIntercept: Bool,
        weighting: EmbeddingClassifier.ClassWeighting
    ) {
        self.features = features
        self.labels = labels
        self.classes = classes
        self.l2 = l2
        self.fitIntercept = fitIntercept
        var weights = [Double](repeating: 1, count: labels.count)
        if weighting == .balanced {
            var counts = [Int](repeating: 0, count: classes)
            for label in labels { counts[label] += 1 }
            for (i, label) in labels.enumerated() { weights[i] = 1 / Double(counts[label]) }
        }
        let total = weights.reduce(0, +)
        self.rowWeights = weights.map { $0 / total }
    }

    var parameterCount: Int { features.columns * classes + (fitIntercept ? classes : 0) }

    /// The objective at `parameters`, and its gradient written into `gradient`.
    func evaluate(_ parameters: [Double], gradient: inout [Double]) -> Double {
        let n = features.rows
        let d = features.columns
        let k = classes
        let w = Matrix(rows: d, columns: k, values: Array(parameters[0..<(d * k)]))
        var scores = Matrix(rows: n, columns: k)
        Matrix.multiply(features, w, into: &scores)
        var loss = 0.0
        var residual = Matrix(rows: n, columns: k)
        var row = [Double](repeating: 0, count: k)
        for i in 0..<n {
            var top = -Double.infinity
            for c in 0..<k {
                row[c] = scores.storage[i * k + c] + (fitIntercept ? parameters[d * k + c] : 0)
                top = max(top, row[c])
            }
            var total = 0.0
            for c in 0..<k { total += Foundation.exp(row[c] - top) }
            let logNormalizer = top + Foundation.log(total)
            loss += rowWeights[i] * (logNormalizer - row[labels[i]])
            for c in 0..<k {
                let probability = Foundation.exp(row[c] - logNormalizer)
                residual.storage[i * k + c] = rowWeights[i] * (probability - (c == labels[i] ? 1 : 0))
            }
        }
        var weightGradient = w
        // ∇W = Xᵀ·R + l2·W
        Matrix.multiply(features, transposeA: true, residual, alpha: 1, beta: l2, into: &weightGradient)
        var penalty = 0.0
        for value in w.storage { penalty += value * value }
        for j in 0..<(d * k) { gradient[j] = weightGradient.storage[j] }
        if fitIntercept {
            for c in 0..<k { gradient[d * k + c] = 0 }
            for i in 0..<n { for c in 0..<k { gradient[d * k + c] += residual.storage[i * k + c] } }
        }
        return loss + 0.5 * l2 * penalty
    }
}

/// Limited-memory BFGS with a backtracking (Armijo) line search, for smooth convex objectives.
enum LBFGS {
    struct Solution {
        var parameters: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    static func minimize(
        _ objective: Objective, start: [Double], maxIterations: Int, tolerance: Double, history: Int
    ) -> Solution {
        let count = start.count
        var x = start
        var gradient = [Double](repeating: 0, count: count)
        var value = objective.evaluate(x, gradient: &gradient)
        var steps: [[Double]] = []
        var changes: [[Double]] = []
        var curvatures: [Double] = []
        var iteration = 0
        func largest(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        if largest(gradient) <= tolerance {
            return Solution(parameters: x, value: value, iterations: 0, converged: true)
        }
        var nextGradient = [Double](repeating: 0, count: count)
        while iteration < maxIterations {
            iteration += 1
            // Two-loop recursion: direction = −H·g.
            var direction = gradient.map { -$0 }
            var alphas = [Double](repeating: 0, count: steps.count)
            for m in stride(from: steps.count - 1, through: 0, by: -1) {
                alphas[m] = curvatures[m] * dot(steps[m], direction)
                axpy(-alphas[m], changes[m], &direction)
            }
            if let s = steps.last, let y = changes.last {
                let scale = dot(s, y) / dot(y, y)
                for j in 0..<count { direction[j] *= scale }
            } else {
                let norm = dot(gradient, gradient).squareRoot()
                for j in 0..<count { direction[j] /= max(norm, 1) }
            }
            for m in 0..<steps.count {
                let beta = curvatures[m] * dot(changes[m], direction)
                axpy(alphas[m] - beta, steps[m], &direction)
            }
            var slope = dot(gradient, direction)
            if slope >= 0 {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                steps.removeAll()
                changes.removeAll()
                curvatures.removeAll()
                direction = gradient.map { -$0 }
                slope = dot(gradient, direction)
            }
            var step = 1.0
            var candidate = x
            var candidateValue = value
            var accepted = false
            for _ in 0..<60 {
                for j in 0..<count { candidate[j] = x[j] + step * direction[j] }
                candidateValue = objective.evaluate(candidate, gradient: &nextGradient)
                if candidateValue <= value + 1e-4 * step * slope {
                    accepted = true
                    break
                }
                step *= 0.5
            }
            guard accepted else { break }
            var s = [Double](repeating: 0, count: count)
            var y = [Double](repeating: 0, count: count)
            for j in 0..<count {
                s[j] = candidate[j] - x[j]
                y[j] = nextGradient[j] - gradient[j]
            }
            let previous = value
            x = candidate
            value = candidateValue
            swap(&gradient, &nextGradient)
            if largest(gradient) <= tolerance {
                return Solution(parameters: x, value: value, iterations: iteration, converged: true)
            }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                steps.append(s)
                changes.append(y)
                curvatures.append(1 / sy)
                if steps.count > history {
                    steps.removeFirst()
                    changes.removeFirst()
                    curvatures.removeFirst()
                }
            }
            if abs(previous - value) <= 1e-16 * max(1, abs(value)) && largest(s) == 0 { break }
        }
        return Solution(
            parameters: x, value: value, iterations: iteration, converged: largest(gradient) <= tolerance)
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var total = 0.0
        for j in a.indices { total += a[j] * b[j] }
        return total
    }

    private static func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for j in x.indices { y[j] += alpha * x[j] }
    }
}
