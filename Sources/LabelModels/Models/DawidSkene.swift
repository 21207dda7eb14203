import FoundryCore
import Labeling

#if canImport(Glibc)
    import Glibc
#endif

/// Dawid–Skene: EM over one confusion matrix per labeling function (Dawid & Skene 1979).
///
/// Each LF j answers with probability θⱼ[c, o] given true class c, where the answer o is a class
/// *or abstain*: abstaining is modelled as a response, because on weak-supervision data most LFs
/// vote a single class and treating abstains as missing lets EM collapse. EM starts from the
/// soft majority vote, alternates M-step (expected answer counts, Dirichlet-smoothed) and E-step
/// (posteriors through ``VotePosterior``) and stops when no posterior moves more than
/// ``Configuration/tolerance``.
///
/// - Complexity: O(iterations · votes · k) time; O(m·k² + n·k) memory.
public struct DawidSkene: LabelModel, Codable, Equatable {
    /// Settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Stop when the largest change of any posterior probability is below this.
        public var tolerance: Double = 1e-6
        /// Upper bound on EM iterations.
        public var maxIterations: Int = 200
        /// Pseudo-count added to every confusion-matrix cell.
        public var smoothing: Double = 0.01
        /// Largest m·k·(k+1) confusion table allowed (memory guard).
        public var maxParameters: Int = 50_000_000
        /// Creates the default settings.
        public init() {}
    }

    /// The method's short name, as model files and reports spell it.
    public static let methodName = "ds"
    /// The settings the model fits with.
    public var configuration: Configuration
    /// Number of classes k (0 before fitting).
    public private(set) var cardinality = 0
    /// The class prior the model uses (empty before fitting).
    public private(set) var classBalance: [Double] = []
    /// What the model learned about each labeling function (empty before fitting).
    public private(set) var lfParameters: [LFParameters] = []
    /// EM iterations run by the last fit.
    public private(set) var iterations = 0
    /// The fitted posterior.
    public private(set) var posterior: VotePosterior?

    /// Creates an unfitted model with these settings.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Runs EM on `matrix`. A given or dev-label class balance stays fixed; ``ClassBalance/estimated`` re-estimates it each M-step.
    ///
    /// - Throws: ``LabelModelsError`` for an empty matrix, a bad class balance, or a confusion table over the memory guard.
    public mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws {
        try fit(matrix, options: options, usesVotePatterns: true)
    }

    /// ``fit(_:options:)`` with the E-step run once per distinct vote pattern (`true`, as the public fit does) or once
    /// per row; the two give the same fit bit for bit, which a test checks with this switch.
    mutating func fit(_ matrix: LabelMatrix, options: FitOptions, usesVotePatterns: Bool) throws {
        try FitValidation.check(matrix, method: Self.methodName)
        let m = matrix.lfCount, k = matrix.cardinality
        guard m * k * (k + 1) <= configuration.maxParameters else {
            throw LabelModelsError.tooLarge(
                "ds: \(m) LFs × \(k) classes need \(m * k * (k + 1)) confusion parameters (limit \(configuration.maxParameters)); use triplet or auto"
            )
        }
        let fixedPrior = try options.classBalance.resolve(cardinality: k)
        // Rows with the same votes have the same responsibilities, so EM runs on the distinct vote patterns (see
        // VotePatterns): the E-step and the convergence check cost a pattern each, and the M-step adds each pattern's
        // responsibilities times the number of its rows. (Summing row by row instead, as before, gives the same fit up
        // to rounding; the label-model benchmarks' scores are the same either way.)
        let patterns = usesVotePatterns ? VotePatterns(matrix) : nil
        let distinct = patterns?.unique ?? matrix
        // Each distinct pattern weighs as many rows as share it (1 per row without patterns).
        var rowsPerPattern = [Double](repeating: patterns == nil ? 1 : 0, count: distinct.rowCount)
        for pattern in patterns?.patternOfRow ?? [] { rowsPerPattern[pattern] += 1 }
        var responsibilities = MajorityVote.softVoteFractions(distinct)
        var fitted: VotePosterior?
        var prior = fixedPrior ?? [Double](repeating: 1 / Double(k), count: k)
        var confusion = [Double]()
        iterations = 0
        while iterations < configuration.maxIterations {
            iterations += 1
            let step = mStep(
                distinct, responsibilities: responsibilities, rowsPerPattern: rowsPerPattern, fixedPrior: fixedPrior)
            prior = step.prior
            confusion = step.confusion
            let next = posterior(prior: prior, confusion: confusion, m: m, k: k)
            let updated = try next.probabilities(distinct)
            // The largest change over patterns is the largest over rows: each row's values are its pattern's.
            let change = updated.maxAbsoluteDifference(to: responsibilities)
            responsibilities = updated
            fitted = next
            options.progress?(
                Progress(completed: iterations, total: configuration.maxIterations, message: "max change \(change)"))
            if change < configuration.tolerance { break }
        }
        cardinality = k
        classBalance = prior
        posterior = fitted
        let coverage = LFCoverage.perLF(matrix)
        lfParameters = (0..<m).map { j in
            // confusion[(j·k + c)·(k+1) + o], o = k is abstain; reported as P(vote | class) with abstain last.
            let table = Matrix(
                rows: k, columns: k + 1, values: Array(confusion[(j * k * (k + 1))..<((j + 1) * k * (k + 1))]))
            var correct = 0.0, voted = 0.0
            for c in 0..<k {
                correct += prior[c] * table[c, c]
                voted += prior[c] * (1 - table[c, k])
            }
            return LFParameters(
                name: matrix.lfNames[j], accuracy: voted > 0 ? correct / voted : nil, propensity: coverage[j],
                confusion: table)
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

    /// Expected answer counts → smoothed confusion matrices (abstain as the last answer) and the class prior.
    /// Row `p` of `matrix` and of `responsibilities` stands for `rowsPerPattern[p]` rows with those votes.
    private func mStep(
        _ matrix: LabelMatrix, responsibilities: Matrix, rowsPerPattern: [Double], fixedPrior: [Double]?
    ) -> (
        prior: [Double], confusion: [Double]
    ) {
        let m = matrix.lfCount, k = matrix.cardinality
        let chunk = max(4096, (matrix.rowCount + 7) / 8)
        let ranges = ParallelChunks.ranges(count: matrix.rowCount, chunkSize: chunk)
        var partialVotes = [[Double]](repeating: [], count: ranges.count)
        var partialMass = [[Double]](repeating: [], count: ranges.count)
        partialVotes.withUnsafeMutableBufferPointer { votesOut in
            partialMass.withUnsafeMutableBufferPointer { massOut in
                ParallelChunks.forEach(count: matrix.rowCount, chunkSize: chunk) { index, range in
                    var votes = [Double](repeating: 0, count: m * k * k)  // [(j·k + l)·k + c]
                    var mass = [Double](repeating: 0, count: k)
                    // Raw buffers for the hot loop (this runs once per EM iteration); the sums are taken in the same
                    // order as with indexed arrays, so the fit is bit for bit what it was.
                    votes.withUnsafeMutableBufferPointer { votes in
                        mass.withUnsafeMutableBufferPointer { mass in
                            responsibilities.withUnsafeBufferPointer { t in
                                rowsPerPattern.withUnsafeBufferPointer { weight in
                                    matrix.withVoteBuffers { offsets, lfs, classes in
                                        for row in range {
                                            let base = row * k
                                            let w = weight[row]
                                            for c in 0..<k { mass[c] += w * t[base + c] }
                                            for vote in offsets[row]..<offsets[row + 1] {
                                                let cell = (Int(lfs[vote]) * k + Int(classes[vote])) * k
                                                for c in 0..<k { votes[cell + c] += w * t[base + c] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    votesOut[index] = votes
                    massOut[index] = mass
                }
            }
        }
        var votes = [Double](repeating: 0, count: m * k * k)
        var mass = [Double](repeating: 0, count: k)
        for (partVotes, partMass) in zip(partialVotes, partialMass) {
            for i in votes.indices { votes[i] += partVotes[i] }
            for c in 0..<k { mass[c] += partMass[c] }
        }
        let alpha = configuration.smoothing
        var confusion = [Double](repeating: 0, count: m * k * (k + 1))
        for j in 0..<m {
            for c in 0..<k {
                let row = (j * k + c) * (k + 1)
                var votedMass = 0.0
                for l in 0..<k {
                    let count = votes[(j * k + l) * k + c]
                    votedMass += count
                    confusion[row + l] = count + alpha
                }
                confusion[row + k] = max(0, mass[c] - votedMass) + alpha
                let total = mass[c] + alpha * Double(k + 1)
                for o in 0...k { confusion[row + o] /= total }
            }
        }
        let total = mass.reduce(0, +)
        let prior = fixedPrior ?? mass.map { max($0, 1e-12) / max(total, 1e-12) }
        return (prior, confusion)
    }

    /// The log-linear posterior of a Dawid–Skene model: bias = log prior + Σⱼ log θⱼ[c, abstain], weights relative to abstaining.
    private func posterior(prior: [Double], confusion: [Double], m: Int, k: Int) -> VotePosterior {
        var bias = prior.map { log($0) }
        var weights = [Double](repeating: 0, count: m * k * k)
        for j in 0..<m {
            for c in 0..<k {
                let row = (j * k + c) * (k + 1)
                let abstain = log(confusion[row + k])
                bias[c] += abstain
                for l in 0..<k { weights[(j * k + l) * k + c] = log(confusion[row + l]) - abstain }
            }
        }
        return VotePosterior(lfCount: m, cardinality: k, bias: bias, weights: .full(weights))
    }
}

extension MajorityVote {
    /// Soft majority vote: each row's vote fractions per class; rows without votes are uniform.
    public static func softVoteFractions(_ matrix: LabelMatrix) -> Matrix {
        let k = matrix.cardinality
        var output = Matrix(rows: matrix.rowCount, columns: k)
        for row in 0..<matrix.rowCount {
            let lower = matrix.rowOffsets[row], upper = matrix.rowOffsets[row + 1]
            if lower == upper {
                for c in 0..<k { output.storage[row * k + c] = 1 / Double(k) }
                continue
            }
            for index in lower..<upper {
                output.storage[row * k + Int(matrix.voteClasses[index])] += 1 / Double(upper - lower)
            }
        }
        return output
    }
}
