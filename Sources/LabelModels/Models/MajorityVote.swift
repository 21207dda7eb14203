import FoundryCore
import Labeling

/// Majority vote: each row's label is the class most labeling functions voted for.
///
/// Probabilities put equal mass on the classes tied for the most votes; rows without votes are
/// uniform, so the ``TieBreakPolicy`` decides them. No parameters are learned except the class
/// balance used by ``TieBreakPolicy/prior``.
public struct MajorityVote: LabelModel, Codable, Equatable {
    /// The method's short name, as model files and reports spell it.
    public static let methodName = "mv"
    /// Number of classes k (0 before fitting).
    public private(set) var cardinality: Int
    /// The class prior the model uses (empty before fitting).
    public private(set) var classBalance: [Double]
    /// What the model learned about each labeling function (empty before fitting).
    public private(set) var lfParameters: [LFParameters]

    /// An unfitted majority vote.
    public init() {
        cardinality = 0
        classBalance = []
        lfParameters = []
    }

    /// Records the cardinality and class balance (``ClassBalance/estimated`` uses the class distribution of the votes).
    public mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws {
        try FitValidation.check(matrix, method: Self.methodName)
        cardinality = matrix.cardinality
        classBalance =
            try options.classBalance.resolve(cardinality: cardinality)
            ?? LabelStatistics(matrix, keepOverlap: false).voteClassDistribution
        let coverage = LFCoverage.perLF(matrix)
        lfParameters = matrix.lfNames.enumerated().map { LFParameters(name: $1, propensity: coverage[$0]) }
    }

    /// Fits from statistics another model has already counted (what ``fit(_:options:)`` would compute, without
    /// another pass over the votes).
    init(statistics: LabelStatistics, lfNames: [String], options: FitOptions) throws {
        cardinality = statistics.cardinality
        classBalance = try options.classBalance.resolve(cardinality: cardinality) ?? statistics.voteClassDistribution
        let coverage = statistics.coverage
        lfParameters = lfNames.enumerated().map { LFParameters(name: $1, propensity: coverage[$0]) }
    }

    /// Equal mass on the classes with the most votes in each row.
    ///
    /// - Complexity: O(n·k + votes), parallel over rows.
    public func predictProbabilities(_ matrix: LabelMatrix) throws -> Matrix {
        guard cardinality > 0 else { throw LabelModelsError.notFitted(method: Self.methodName) }
        guard matrix.cardinality == cardinality else {
            throw LabelModelsError.shapeMismatch(
                "fitted with \(cardinality) classes, the matrix has \(matrix.cardinality)")
        }
        return Self.voteShares(matrix)
    }

    /// The majority-vote probabilities of any matrix (no fitting needed).
    public static func voteShares(_ matrix: LabelMatrix, maxThreads: Int? = nil) -> Matrix {
        let k = matrix.cardinality
        var output = Matrix(rows: matrix.rowCount, columns: k)
        output.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            ParallelChunks.forEach(count: matrix.rowCount, chunkSize: 8192, maxThreads: maxThreads) { _, range in
                for row in range {
                    let counts = base + row * k
                    let lower = matrix.rowOffsets[row], upper = matrix.rowOffsets[row + 1]
                    var best = 0.0
                    for index in lower..<upper {
                        let c = Int(matrix.voteClasses[index])
                        counts[c] += 1
                        if counts[c] > best { best = counts[c] }
                    }
                    if best == 0 {
                        for c in 0..<k { counts[c] = 1 / Double(k) }
                        continue
                    }
                    var tied = 0.0
                    for c in 0..<k { if counts[c] == best { tied += 1 } }
                    for c in 0..<k { counts[c] = counts[c] == best ? 1 / tied : 0 }
                }
            }
        }
        return output
    }
}

/// Per-LF coverage helpers shared by the models.
enum LFCoverage {
    static func perLF(_ matrix: LabelMatrix) -> [Double] {
        var counts = [Double](repeating: 0, count: matrix.lfCount)
        for lf in matrix.voteLFs { counts[Int(lf)] += 1 }
        return counts.map { $0 / Double(max(matrix.rowCount, 1)) }
    }
}
