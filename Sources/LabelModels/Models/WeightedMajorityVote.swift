import FoundryCore
import Labeling

#if canImport(Glibc)
    import Glibc
#endif

/// Weighted majority vote: each LF's vote counts with the log-odds of its accuracy.
///
/// With accuracy aⱼ, a vote adds log aⱼ to the class it names and log((1 − aⱼ)/(k − 1)) to every
/// other class, on top of the log class prior — the posterior of the symmetric ("one-coin")
/// noise model. Accuracies come from ``Configuration/accuracies`` when given, else from the dev
/// set when one is passed to `fit`, else from agreement with the other LFs' majority vote.
public struct WeightedMajorityVote: LabelModel, Codable, Equatable {
    /// Settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Known per-LF accuracies; `nil` to estimate them.
        public var accuracies: [Double]?
        /// Pairs of LFs that copy each other's answers (``Identifiability/agreementCopies``): without a dev set, each is
        /// left out of the other's majority when accuracies are estimated, so a pair cannot vouch for itself.
        public var copiedPairs: [[Int]]?
        /// Creates settings; `accuracies` (one per LF) fixes the LF accuracies instead of learning them.
        public init(accuracies: [Double]? = nil, copiedPairs: [[Int]]? = nil) {
            self.accuracies = accuracies
            self.copiedPairs = copiedPairs
        }
    }

    /// The method's short name, as model files and reports spell it.
    public static let methodName = "wmv"
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

    /// Estimates (or takes) the accuracies and builds the posterior.
    ///
    /// - Throws: ``LabelModelsError`` for an empty matrix, a wrong number of given accuracies or accuracies outside (0, 1).
    public mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws {
        try FitValidation.check(matrix, method: Self.methodName)
        let k = matrix.cardinality, m = matrix.lfCount
        let bounds = (1 / Double(k) + 1e-3)...0.995
        var accuracies: [Double]
        if let given = configuration.accuracies {
            guard given.count == m else {
                throw LabelModelsError.invalidInput("wmv: \(given.count) accuracies for \(m) LFs")
            }
            guard given.allSatisfy({ $0 > 0 && $0 < 1 }) else {
                throw LabelModelsError.invalidInput("wmv: accuracies must lie strictly between 0 and 1")
            }
            accuracies = given
        } else if let dev = options.devMatrix, let labels = options.devLabels {
            try DevSet.validate(dev, labels: labels, for: matrix)
            accuracies = try DevSet.accuracies(dev, labels: labels, range: bounds)
        } else {
            accuracies = AgreementAccuracy.estimate(matrix, range: bounds, copiedPairs: configuration.copiedPairs ?? [])
        }
        accuracies = accuracies.map { min(bounds.upperBound, max(1e-6, $0)) }
        cardinality = k
        classBalance =
            try options.classBalance.resolve(cardinality: k)
            ?? LabelStatistics(matrix, keepOverlap: false).voteClassDistribution
        posterior = .oneCoin(accuracies: accuracies, prior: classBalance)
        let coverage = LFCoverage.perLF(matrix)
        lfParameters = matrix.lfNames.enumerated().map {
            LFParameters(name: $1, accuracy: accuracies[$0], propensity: coverage[$0])
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
}
