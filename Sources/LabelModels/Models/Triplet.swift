import FoundryCore
import Labeling

#if canImport(Glibc)
    import Glibc
#endif

/// The closed-form triplet method of FlyingSquid (Fu et al. 2020, "Fast and Three-rious"), with a multiclass extension.
///
/// Under conditional independence and symmetric noise, the centred agreement of two LFs on the
/// rows both vote, M_ij = (k·P(agree) − 1)/(k − 1), factorises as βᵢβⱼ with βᵢ = (kαᵢ − 1)/(k − 1)
/// for accuracy αᵢ. For any triplet, |βᵢ| = √|M_ij·M_il / M_jl|; each LF's estimate is the
/// median over triplets with its most informative partners (LFs are assumed better than
/// chance, fixing the sign). For k = 2 this is FlyingSquid's binary estimator. Predictions
/// use the symmetric posterior of ``VotePosterior``. Fitting reads only the m × m pairwise
/// statistics, so it scales to thousands of LFs and classes.
///
/// - Complexity: O(m·p²) for p partners per LF after the statistics pass.
public struct Triplet: LabelModel, Codable, Equatable {
    /// Settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Partners considered per LF (the ones with the largest co-vote count × |M|).
        public var partners: Int = 12
        /// Minimum rows two LFs must co-vote on for their agreement to be used.
        public var minimumOverlap: Double = 5
        /// Triplets whose denominator |M_jl| is below this are skipped as unstable.
        public var minimumDenominator: Double = 0.05
        /// Creates the default settings.
        public init() {}
    }

    /// The method's short name, as model files and reports spell it.
    public static let methodName = "triplet"
    /// The settings the model fits with.
    public var configuration: Configuration
    /// Number of classes k (0 before fitting).
    public private(set) var cardinality = 0
    /// The class prior the model uses (empty before fitting).
    public private(set) var classBalance: [Double] = []
    /// What the model learned about each labeling function (empty before fitting).
    public private(set) var lfParameters: [LFParameters] = []
    /// The fitted posterior.
    public private(set) var posterior: VotePosterior?

    /// Creates an unfitted model with these settings.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Fits the model to a label matrix (see ``LabelModel/fit(_:options:)``).
    ///
    /// - Throws: ``LabelModelsError`` for an empty matrix, too few LFs, an invalid class balance or dev set.
    public mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws {
        try FitValidation.check(matrix, method: Self.methodName, minimumLFs: 3)
        try fit(statistics: LabelStatistics(matrix, keepOverlap: false), lfNames: matrix.lfNames, options: options)
    }

    /// Fits from sufficient statistics (pairwise co-vote and agreement counts).
    public mutating func fit(statistics: LabelStatistics, lfNames: [String], options: FitOptions) throws {
        let m = statistics.lfCount, k = statistics.cardinality
        guard statistics.rowCount > 0 else { throw LabelModelsError.invalidInput("triplet: no rows") }
        guard m >= 3 else { throw LabelModelsError.tooFewLabelingFunctions(method: Self.methodName, needed: 3, got: m) }
        let kk = Double(k)
        var centred = [Double](repeating: 0, count: m * m)
        var usable = [Bool](repeating: false, count: m * m)
        for i in 0..<m {
            for j in 0..<m where i != j {
                let co = statistics.pairCoVotes[i * m + j]
                guard co >= configuration.minimumOverlap else { continue }
                centred[i * m + j] = (kk * statistics.pairAgreements[i * m + j] / co - 1) / (kk - 1)
                usable[i * m + j] = true
            }
        }
        var accuracies = [Double](repeating: 0, count: m)
        for i in 0..<m {
            let partners = (0..<m).filter { $0 != i && usable[i * m + $0] }
                .sorted { a, b in
                    let sa = statistics.pairCoVotes[i * m + a] * abs(centred[i * m + a])
                    let sb = statistics.pairCoVotes[i * m + b] * abs(centred[i * m + b])
                    return sa != sb ? sa > sb : a < b
                }
                .prefix(configuration.partners)
            var estimates: [Double] = []
            let list = Array(partners)
            for a in 0..<list.count {
                for b in (a + 1)..<max(a + 1, list.count) {
                    let j = list[a], l = list[b]
                    guard usable[j * m + l] else { continue }
                    let denominator = abs(centred[j * m + l])
                    guard denominator >= configuration.minimumDenominator else { continue }
                    estimates.append((abs(centred[i * m + j] * centred[i * m + l]) / denominator).squareRoot())
                }
            }
            let beta: Double
            if estimates.isEmpty {
                beta = 0.4  // no usable triplet: a weak, better-than-chance default
            } else {
                estimates.sort()
                beta = estimates[estimates.count / 2]
            }
            let clampedBeta = min(0.98, max(0.02, beta))
            accuracies[i] = (1 + (kk - 1) * clampedBeta) / kk
        }
        let prior =
            try options.classBalance.resolve(cardinality: k) ?? Self.estimateBalance(statistics, accuracies: accuracies)
        cardinality = k
        classBalance = prior
        posterior = .oneCoin(accuracies: accuracies, prior: prior)
        let coverage = statistics.coverage
        lfParameters = (0..<m).map {
            LFParameters(
                name: $0 < lfNames.count ? lfNames[$0] : "lf_\($0)", accuracy: accuracies[$0], propensity: coverage[$0])
        }
    }

    /// The n × k matrix of P(Y = c | votes); each row sums to 1.
    ///
    /// - Throws: ``LabelModelsError/notFitted(method:)`` before `fit`; ``LabelModelsError/shapeMismatch(_:)`` for a
    ///   matrix of other LFs or classes than the fitted one.
    public func predictProbabilities(_ matrix: LabelMatrix) throws -> Matrix {
        guard let posterior else { throw LabelModelsError.notFitted(method: Self.methodName) }
        return try posterior.probabilities(matrix)
    }

    /// Class balance from the votes under the one-coin model: P(vote c) = αp_c + (1 − α)(1 − p_c)/(k − 1), inverted per LF and vote-weighted.
    static func estimateBalance(_ statistics: LabelStatistics, accuracies: [Double]) -> [Double] {
        let m = statistics.lfCount, k = statistics.cardinality, kk = Double(k)
        var balance = [Double](repeating: 0, count: k)
        var weight = 0.0
        for j in 0..<m {
            let votes = (0..<k).reduce(0) { $0 + statistics.voteCounts[j * k + $1] }
            let alpha = accuracies[j]
            guard votes > 0, kk * alpha - 1 > 0.05 else { continue }
            for c in 0..<k {
                let share = statistics.voteCounts[j * k + c] / votes
                balance[c] += votes * ((kk - 1) * share - (1 - alpha)) / (kk * alpha - 1)
            }
            weight += votes
        }
        guard weight > 0 else { return [Double](repeating: 1 / kk, count: k) }
        let clipped = balance.map { max(0.01, $0 / weight) }
        let total = clipped.reduce(0, +)
        return clipped.map { $0 / total }
    }
}
