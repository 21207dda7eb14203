import FoundryCore
import Labeling

#if canImport(Glibc)
    import Glibc
#endif

/// Snorkel's label model (Ratner et al. 2019, "Training Complex Models with Multi-Task Weak Supervision"), solved well.
///
/// Learns μ[(j·k + l), c] = P(LF j votes l | Y = c) by matching second moments of the one-hot
/// votes: it minimises ‖M ∘ (O − μPμᵀ)‖² + ‖μp − diag O‖² + l2²‖μ − μ₀‖², where O = E[ψψᵀ] is
/// the overlap matrix, P = diag(p) the class prior and M masks the blocks of an LF with itself
/// and of every **declared dependent pair** of LFs (correlated LFs are then not forced to look
/// independent). Unlike snorkel 0.10 it uses analytic gradients through BLAS, a spectral
/// projected-gradient solver that stops at a tolerance, initialisation from each LF's agreement
/// with the others, and Hungarian symmetry breaking over classes with equal prior.
///
/// Fitting reads only ``LabelStatistics`` (never a dense one-hot), so it works on merged shard
/// statistics. Requires m ≥ 3 and m·k ≤ ``LabelStatistics/overlapLimit``.
///
/// - Complexity: per iteration O((mk)²·k) in BLAS; memory O((mk)²).
public struct MomentMatching: LabelModel, Codable, Equatable {
    /// Settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Strength of the pull toward the initial μ₀ (snorkel's `l2`); 0.1 by default.
        public var l2: Double = 0.1
        /// Stopping tolerance on the projected gradient.
        public var tolerance: Double = 1e-10
        /// Upper bound on solver iterations.
        public var maxIterations: Int = 20_000
        /// Pairs of LF indices declared dependent (correlated); their overlap blocks are masked.
        public var dependencies: [[Int]] = []
        /// Whether predictions also use the abstain probabilities (snorkel ignores them).
        public var abstainAware = false
        /// Smallest vote rate P(LF j votes l | Y = c) used when predicting, so that no single vote counts as
        /// near-certain evidence — snorkel 0.9's `predict_proba` clipped μ to [0.01, 0.99] (0.10 only clamps μ to
        /// [ε, 1 − ε] while fitting, ε = min(0.01, 10^−⌈log₁₀ n⌉), as ``fit(_:options:)`` here does too). Here the floor of a vote is
        /// also kept to at most half of that vote's own marginal rate P(LF j votes l): for rare votes an absolute
        /// 0.01 would be as large as the signal and erase it (seen with many sparse LFs and several classes).
        public var predictionFloor = 0.01
        /// Creates settings with this l2 pull and these dependent LF pairs; the rest take their defaults.
        public init(l2: Double = 0.1, dependencies: [[Int]] = []) {
            self.l2 = l2
            self.dependencies = dependencies
        }

        private enum CodingKeys: String, CodingKey {
            case l2, tolerance, maxIterations, dependencies, abstainAware, predictionFloor
        }

        /// Decodes files written before `predictionFloor` existed (their stored posterior is used as saved).
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            l2 = try c.decode(Double.self, forKey: .l2)
            tolerance = try c.decode(Double.self, forKey: .tolerance)
            maxIterations = try c.decode(Int.self, forKey: .maxIterations)
            dependencies = try c.decode([[Int]].self, forKey: .dependencies)
            abstainAware = try c.decode(Bool.self, forKey: .abstainAware)
            predictionFloor = try c.decodeIfPresent(Double.self, forKey: .predictionFloor) ?? 0
        }
    }

    /// The method's short name, as model files and reports spell it.
    public static let methodName = "moments"
    /// The settings the model fits with.
    public var configuration: Configuration
    /// Number of classes k (0 before fitting).
    public private(set) var cardinality = 0
    /// The class prior the model uses (empty before fitting).
    public private(set) var classBalance: [Double] = []
    /// What the model learned about each labeling function (empty before fitting).
    public private(set) var lfParameters: [LFParameters] = []
    /// The learned conditional probabilities μ, (m·k) × k.
    public private(set) var conditionalProbabilities: Matrix?
    /// Solver iterations of the last fit.
    public private(set) var iterations = 0
    /// Final objective value of the last fit.
    public private(set) var finalLoss = 0.0
    /// How much of the observed second moments the fitted model leaves unexplained: the moment-matching loss (without
    /// the l2 term) divided by the energy of the matched entries of O. Near 0 when the LFs really are conditionally
    /// independent given the label; large when they are not (a reason to trust majority vote more).
    public private(set) var residualFraction = 0.0
    /// The fitted posterior.
    public private(set) var posterior: VotePosterior?
    /// μ as used for prediction (within the ``Configuration/predictionFloor`` bounds); `nil` in files written before it was kept.
    public private(set) var predictionRates: Matrix?

    /// Creates an unfitted model with these settings.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Fits the model to a label matrix (see ``LabelModel/fit(_:options:)``).
    ///
    /// - Throws: ``LabelModelsError`` for an empty matrix, too few LFs, an invalid class balance or dev set.
    public mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws {
        try FitValidation.check(matrix, method: Self.methodName, minimumLFs: 3)
        try fit(statistics: LabelStatistics(matrix), lfNames: matrix.lfNames, options: options)
    }

    /// Fits from sufficient statistics (for example merged shard statistics).
    ///
    /// - Throws: ``LabelModelsError`` when m < 3, m·k is over the overlap limit, the statistics have no rows,
    ///   a dependency names an unknown LF, or the class balance is invalid.
    public mutating func fit(statistics: LabelStatistics, lfNames: [String], options: FitOptions) throws {
        let m = statistics.lfCount, k = statistics.cardinality, d = m * k
        guard statistics.rowCount > 0 else { throw LabelModelsError.invalidInput("moments: no rows") }
        guard m >= 3 else { throw LabelModelsError.tooFewLabelingFunctions(method: Self.methodName, needed: 3, got: m) }
        guard let counts = statistics.overlapCounts else {
            throw LabelModelsError.tooLarge(
                "moments: m·k = \(d) exceeds \(LabelStatistics.overlapLimit); use triplet or auto, which need only pairwise LF statistics"
            )
        }
        for pair in configuration.dependencies {
            guard pair.count == 2, pair.allSatisfy({ (0..<m).contains($0) }), pair[0] != pair[1] else {
                throw LabelModelsError.invalidInput(
                    "moments: dependency \(pair) must name two different LF indices in 0..<\(m)")
            }
        }
        let prior = try options.classBalance.resolve(cardinality: k) ?? statistics.voteClassDistribution
        let n = Double(statistics.rowCount)
        let overlap = counts.map { $0 / n }
        let propensities = statistics.voteCounts.map { $0 / n }
        let precision = Self.initialPrecision(statistics)
        let start = Self.initialRates(propensities: propensities, precision: precision, prior: prior, m: m, k: k)
        let mask = Self.mask(m: m, k: k, dependencies: configuration.dependencies)
        let l2 = configuration.l2
        let solver = ProjectedGradient(
            lower: 0, upper: 1, tolerance: configuration.tolerance, maxIterations: configuration.maxIterations)
        let result = solver.minimize(start: start) { mu in
            Self.objective(mu: mu, overlap: overlap, mask: mask, prior: prior, start: start, l2: l2, d: d, k: k)
        }
        iterations = result.iterations
        finalLoss = result.value
        residualFraction = Self.maskedResidualFraction(
            mu: result.solution, overlap: overlap, mask: mask, prior: prior, d: d, k: k)
        var mu = result.solution
        // Clamp as snorkel does (mu_eps = min(0.01, 10^-ceil(log10 n))) so that log μ stays finite.
        let epsilon = min(0.01, 1 / pow(10, ceil(log10(n))))
        mu = mu.map { min(1 - epsilon, max(epsilon, $0)) }
        mu = Self.breakSymmetry(mu: mu, prior: prior, m: m, k: k)
        cardinality = k
        classBalance = prior
        conditionalProbabilities = Matrix(rows: d, columns: k, values: mu)
        let rates = Self.floored(mu, propensities: propensities, floor: configuration.predictionFloor, k: k)
        predictionRates = Matrix(rows: d, columns: k, values: rates)
        posterior = Self.posterior(mu: rates, prior: prior, m: m, k: k, abstainAware: configuration.abstainAware)
        lfParameters = (0..<m).map { j in
            var table = Matrix(rows: k, columns: k + 1)
            var correct = 0.0, voted = 0.0
            for c in 0..<k {
                var sum = 0.0
                for l in 0..<k {
                    table[c, l] = mu[(j * k + l) * k + c]
                    sum += table[c, l]
                }
                table[c, k] = max(0, 1 - sum)
                correct += prior[c] * table[c, c]
                voted += prior[c] * min(1, sum)
            }
            let coverage = (0..<k).reduce(0) { $0 + propensities[j * k + $1] }
            return LFParameters(
                name: j < lfNames.count ? lfNames[j] : "lf_\(j)", accuracy: voted > 0 ? min(1, correct / voted) : nil,
                propensity: coverage, confusion: table)
        }
    }

    /// Starting μ: each LF votes the true class with probability `precision[j]` relative to a uniform wrong class,
    /// and Bayes' rule under `prior` turns that into rates, μ[(j, l), c] = P(λⱼ = l) · P(y = c | λⱼ = l) / p_c with
    /// P(y = c | λⱼ = l) ∝ p_c · (precision if c = l else (1 − precision)/(k − 1)).
    ///
    /// Under a uniform prior this is snorkel's start, P(λⱼ = l) · precision / p_l on the diagonal. Under a skewed prior it
    /// stays consistent with it: taking P(y = l | λⱼ = l) = precision for every vote class instead would start a rare
    /// class's rates above 1 in total (its votes are mostly wrong when the class is rare), and the fit then settled
    /// on the mirror solution — on generated tasks given their true prior, 8 % accuracy where majority vote had 92 %.
    static func initialRates(propensities: [Double], precision: [Double], prior: [Double], m: Int, k: Int) -> [Double] {
        var start = [Double](repeating: 0, count: m * k * k)
        for j in 0..<m {
            let right = precision[j], wrong = (1 - precision[j]) / Double(k - 1)
            for l in 0..<k {
                let lp = propensities[j * k + l]
                var evidence = 0.0  // Σ_c p_c · P(λⱼ = l | y = c) up to the LF's coverage
                for c in 0..<k { evidence += prior[c] * (l == c ? right : wrong) }
                for c in 0..<k {
                    start[(j * k + l) * k + c] = min(1, lp * (l == c ? right : wrong) / evidence)
                }
            }
        }
        return start
    }

    /// The n × k matrix of P(Y = c | votes); each row sums to 1.
    ///
    /// - Throws: ``LabelModelsError/notFitted(method:)`` before `fit`; ``LabelModelsError/shapeMismatch(_:)`` for a
    ///   matrix of other LFs or classes than the fitted one.
    public func predictProbabilities(_ matrix: LabelMatrix) throws -> Matrix {
        guard let posterior else { throw LabelModelsError.notFitted(method: Self.methodName) }
        return try posterior.probabilities(matrix)
    }

    /// The same fitted μ, predicting with abstentions as evidence too: an LF that stays silent contributes
    /// P(abstain | Y = c) = 1 − Σₗ μ[(j, l), c] (see ``Configuration/abstainAware``). Matters when LFs fire at different
    /// rates under different classes — rows without any vote then lean to the class that rarely draws votes, instead
    /// of being coin flips. `nil` before fitting or for files written before ``predictionRates`` was kept.
    ///
    /// - Parameter ignored: LF columns whose silence is not evidence (their votes still are): the extra members of a
    ///   cluster of suspected copies, whose silences are one silence counted several times.
    public func predictingWithAbstentions(ignoringSilenceOf ignored: Set<Int> = []) -> MomentMatching? {
        guard let rates = predictionRates, cardinality >= 2 else { return nil }
        var copy = self
        copy.configuration.abstainAware = true
        copy.posterior = Self.posterior(
            mu: rates.storage, prior: classBalance, m: rates.rows / cardinality, k: cardinality, abstainAware: true,
            silenceIgnored: ignored)
        return copy
    }

    /// Snorkel's objective and its analytic gradient (BLAS): value, ∂/∂μ.
    static func objective(
        mu: [Double], overlap: [Double], mask: [Bool], prior: [Double], start: [Double], l2: Double, d: Int, k: Int
    )
        -> (value: Double, gradient: [Double])
    {
        let muMatrix = Matrix(rows: d, columns: k, values: mu)
        var scaled = muMatrix  // μP
        for r in 0..<d { for c in 0..<k { scaled.storage[r * k + c] *= prior[c] } }
        var residual = Matrix(rows: d, columns: d)
        Matrix.multiply(scaled, muMatrix, transposeB: true, into: &residual)  // μPμᵀ
        var loss = 0.0
        for i in 0..<(d * d) {
            if mask[i] {
                let r = residual.storage[i] - overlap[i]
                residual.storage[i] = r
                loss += r * r
            } else {
                residual.storage[i] = 0
            }
        }
        var gradient = Matrix(rows: d, columns: k)
        Matrix.multiply(residual, scaled, alpha: 4, into: &gradient)  // 4·R·μP
        for r in 0..<d {
            var rowSum = 0.0
            for c in 0..<k { rowSum += scaled.storage[r * k + c] }
            let s = rowSum - overlap[r * d + r]
            loss += s * s
            for c in 0..<k { gradient.storage[r * k + c] += 2 * s * prior[c] }
        }
        let weight = l2 * l2
        if weight > 0 {
            for i in 0..<(d * k) {
                let diff = mu[i] - start[i]
                loss += weight * diff * diff
                gradient.storage[i] += 2 * weight * diff
            }
        }
        return (loss, gradient.storage)
    }

    /// ‖M ∘ (O − μPμᵀ)‖² / ‖M ∘ O‖²: the share of the cross-LF second moments the model leaves unexplained.
    static func maskedResidualFraction(mu: [Double], overlap: [Double], mask: [Bool], prior: [Double], d: Int, k: Int)
        -> Double
    {
        let muMatrix = Matrix(rows: d, columns: k, values: mu)
        var scaled = muMatrix
        for r in 0..<d { for c in 0..<k { scaled.storage[r * k + c] *= prior[c] } }
        var product = Matrix(rows: d, columns: d)
        Matrix.multiply(scaled, muMatrix, transposeB: true, into: &product)
        var residual = 0.0, energy = 0.0
        for i in 0..<(d * d) where mask[i] {
            let r = product.storage[i] - overlap[i]
            residual += r * r
            energy += overlap[i] * overlap[i]
        }
        return energy > 0 ? residual / energy : 0
    }

    /// The mask over O: false on each LF's own block and on the blocks of declared dependent pairs.
    static func mask(m: Int, k: Int, dependencies: [[Int]]) -> [Bool] {
        let d = m * k
        var mask = [Bool](repeating: true, count: d * d)
        func clear(_ a: Int, _ b: Int) {
            for la in 0..<k { for lb in 0..<k { mask[(a * k + la) * d + b * k + lb] = false } }
        }
        for j in 0..<m { clear(j, j) }
        for pair in dependencies {
            clear(pair[0], pair[1])
            clear(pair[1], pair[0])
        }
        return mask
    }

    /// Initial precision of each LF: how often it agrees with the LFs it overlaps, clamped to (1/k + 0.05 … 0.95).
    static func initialPrecision(_ statistics: LabelStatistics) -> [Double] {
        let m = statistics.lfCount, k = statistics.cardinality
        return (0..<m).map { j in
            var agree = 0.0, total = 0.0
            for other in 0..<m where other != j {
                agree += statistics.pairAgreements[j * m + other]
                total += statistics.pairCoVotes[j * m + other]
            }
            return min(0.95, max(1 / Double(k) + 0.05, (agree + 0.7) / (total + 1)))
        }
    }

    /// Among classes with equal prior, permutes μ's columns to maximise Σⱼ Σ_y μ[j, y, y]·p_y (Hungarian).
    static func breakSymmetry(mu: [Double], prior: [Double], m: Int, k: Int) -> [Double] {
        var groups: [Double: [Int]] = [:]
        for c in 0..<k { groups[(prior[c] * 1000).rounded() / 1000, default: []].append(c) }
        var permutation = Array(0..<k)  // new column c takes old column permutation[c]
        for group in groups.values where group.count > 1 {
            let g = group.count
            var cost = [Double](repeating: 0, count: g * g)
            for (a, row) in group.enumerated() {
                for (b, column) in group.enumerated() {
                    var sum = 0.0
                    for j in 0..<m { sum += mu[(j * k + row) * k + column] * prior[column] }
                    cost[a * g + b] = -sum
                }
            }
            let assignment = HungarianAssignment.solve(cost: cost, size: g)
            for (a, b) in assignment.enumerated() { permutation[group[a]] = group[b] }
        }
        guard permutation != Array(0..<k) else { return mu }
        var result = mu
        for r in 0..<(m * k) { for c in 0..<k { result[r * k + c] = mu[r * k + permutation[c]] } }
        return result
    }

    /// μ with each row (j, l) kept within [min(floor, ½·P(LF j votes l)), 1 − floor]; see ``Configuration/predictionFloor``.
    static func floored(_ mu: [Double], propensities: [Double], floor: Double, k: Int) -> [Double] {
        guard floor > 0 else { return mu }
        var result = mu
        for row in 0..<propensities.count {
            let lower = min(floor, 0.5 * propensities[row])
            for c in 0..<k { result[row * k + c] = min(1 - floor, max(lower, mu[row * k + c])) }
        }
        return result
    }

    static func posterior(
        mu: [Double], prior: [Double], m: Int, k: Int, abstainAware: Bool, silenceIgnored: Set<Int> = []
    ) -> VotePosterior {
        var bias = prior.map { log($0) }
        var weights = [Double](repeating: 0, count: m * k * k)
        for j in 0..<m {
            for c in 0..<k {
                var voted = 0.0
                for l in 0..<k { voted += mu[(j * k + l) * k + c] }
                let abstain = abstainAware && !silenceIgnored.contains(j) ? log(max(1e-6, 1 - voted)) : 0
                bias[c] += abstain
                for l in 0..<k { weights[(j * k + l) * k + c] = log(mu[(j * k + l) * k + c]) - abstain }
            }
        }
        return VotePosterior(lfCount: m, cardinality: k, bias: bias, weights: .full(weights))
    }
}
