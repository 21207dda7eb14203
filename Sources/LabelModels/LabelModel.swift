import FoundryCore
import Labeling

/// Options shared by every label model's `fit`.
public struct FitOptions: Sendable {
    /// Where the class prior comes from.
    public var classBalance: ClassBalance
    /// An optional small dev set: its label matrix and gold labels (`-1` = unlabeled).
    public var devMatrix: LabelMatrix?
    /// Gold labels of ``devMatrix``.
    public var devLabels: [Int]?
    /// The seed for every randomized step.
    public var seed: UInt64
    /// Called with progress during long fits.
    public var progress: ProgressHandler?

    /// Creates options; by default a uniform class balance (as snorkel), no dev set and seed 123.
    public init(
        classBalance: ClassBalance = .uniform, devMatrix: LabelMatrix? = nil, devLabels: [Int]? = nil,
        seed: UInt64 = 123,
        progress: ProgressHandler? = nil
    ) {
        self.classBalance = classBalance
        self.devMatrix = devMatrix
        self.devLabels = devLabels
        self.seed = seed
        self.progress = progress
    }
}

/// What a fitted label model believes about each labeling function.
public struct LFParameters: Sendable, Equatable, Codable {
    /// The labeling function's name.
    public var name: String
    /// Estimated accuracy P(Y = vote | LF votes), when the model has one.
    public var accuracy: Double?
    /// Fraction of rows on which the LF votes (its propensity), when known.
    public var propensity: Double?
    /// Estimated confusion matrix P(vote = l | Y = c) as a k × (k + 1) matrix whose last column is abstain, when the model has one.
    public var confusion: Matrix?

    public init(name: String, accuracy: Double? = nil, propensity: Double? = nil, confusion: Matrix? = nil) {
        self.name = name
        self.accuracy = accuracy
        self.propensity = propensity
        self.confusion = confusion
    }
}

/// How `predict` resolves rows whose top probability is shared by several classes (or rows without votes).
public enum TieBreakPolicy: Sendable, Equatable {
    /// Predict abstain for a tie.
    case abstain
    /// Pick one of the tied classes uniformly at random; the choice depends only on the seed and the row index.
    case random(seed: UInt64)
    /// Pick the tied class with the largest class prior (lowest index among equal priors).
    case prior
    /// snorkel's and WRENCH's deterministic rule (`probs_to_preds(..., tie_break_policy="random")`): classes within
    /// 1e-5 of the row's maximum are tied, and row `i` takes `tied[SHA-1(decimal i) mod tied.count]`.
    ///
    /// Seed-free and identical to the Python tools, so scores of tied rows are the same coin flips the published
    /// WRENCH and snorkel figures used; comparisons then measure the models, not the draws.
    case rowHash
}

extension TieBreakPolicy {
    /// snorkel's `probs_to_preds` tolerance: classes this close to the row maximum count as tied.
    static let rowHashTolerance = 1e-5
}

/// A generative label model: learns how noisy labeling functions relate to the unseen true label.
public protocol LabelModel: Sendable {
    /// The method's short name (`mv`, `wmv`, `ds`, `moments`, `triplet`, `auto`).
    static var methodName: String { get }
    /// Number of classes k (known once fitted).
    var cardinality: Int { get }
    /// The class prior the model uses (known once fitted).
    var classBalance: [Double] { get }
    /// Learned per-LF parameters (empty before fitting).
    var lfParameters: [LFParameters] { get }
    /// Fits the model to a label matrix.
    mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws
    /// The n × k matrix of P(Y = c | votes); each row sums to 1.
    func predictProbabilities(_ matrix: LabelMatrix) throws -> Matrix
}

extension LabelModel {
    /// Fits with default options (uniform class balance, seed 123).
    public mutating func fit(_ matrix: LabelMatrix) throws { try fit(matrix, options: FitOptions()) }

    /// Hard predictions: the most probable class of each row, ties resolved by `tieBreak` (by default as snorkel and WRENCH do).
    ///
    /// - Complexity: O(n·k) after ``predictProbabilities(_:)``.
    public func predict(_ matrix: LabelMatrix, tieBreak: TieBreakPolicy = .rowHash) throws -> [Vote] {
        let probabilities = try predictProbabilities(matrix)
        return Self.hardLabels(probabilities, tieBreak: tieBreak, prior: classBalance)
    }

    /// Accuracy, F1 of `positiveClass`, macro-F1 and coverage of the predictions against gold labels.
    ///
    /// Rows predicted abstain (only with ``TieBreakPolicy/abstain``) and rows whose gold label is -1 are left out
    /// of accuracy and F1, as snorkel's scorer does; coverage is the fraction of gold rows with a prediction.
    public func score(
        _ matrix: LabelMatrix, gold: [Int], tieBreak: TieBreakPolicy = .rowHash, positiveClass: Int = 1
    ) throws -> ClassificationScore {
        guard gold.count == matrix.rowCount else {
            throw LabelModelsError.shapeMismatch("\(gold.count) gold labels for \(matrix.rowCount) rows")
        }
        let predicted = try predict(matrix, tieBreak: tieBreak)
        return ClassificationScore(
            gold: gold, predicted: predicted.map(\.rawValue), cardinality: cardinality, positiveClass: positiveClass)
    }

    /// Resolves probabilities to hard labels under a tie-break policy.
    public static func hardLabels(_ probabilities: Matrix, tieBreak: TieBreakPolicy, prior: [Double]) -> [Vote] {
        let k = probabilities.columns
        var labels = [Vote](repeating: .abstain, count: probabilities.rows)
        probabilities.withUnsafeBufferPointer { p in
            for row in 0..<probabilities.rows {
                let base = row * k
                var best = -Double.infinity
                for c in 0..<k where p[base + c] > best { best = p[base + c] }
                var tied: [Int] = []
                if tieBreak == .rowHash {
                    for c in 0..<k where best - p[base + c] < TieBreakPolicy.rowHashTolerance { tied.append(c) }
                } else {
                    let tolerance = 1e-9 * max(1, abs(best))
                    for c in 0..<k where best - p[base + c] <= tolerance { tied.append(c) }
                }
                if tied.count == 1 {
                    labels[row] = .class(tied[0])
                    continue
                }
                switch tieBreak {
                case .abstain:
                    labels[row] = .abstain
                case let .random(seed):
                    var generator = SeededGenerator(seed: seed ^ (UInt64(row) &* 0x9E37_79B9_7F4A_7C15))
                    labels[row] = .class(tied[Int(generator.next() % UInt64(tied.count))])
                case .rowHash:
                    labels[row] = .class(tied[SHA1.digestModulo(Array(String(row).utf8), tied.count)])
                case .prior:
                    // The tied class with the largest prior; the lowest index among equal priors.
                    var choice = tied[0]
                    for c in tied.dropFirst() where c < prior.count && choice < prior.count && prior[c] > prior[choice]
                    { choice = c }
                    labels[row] = .class(choice)
                }
            }
        }
        return labels
    }
}

/// Validation shared by every model's `fit`.
enum FitValidation {
    static func check(_ matrix: LabelMatrix, method: String, minimumLFs: Int = 1) throws {
        guard matrix.rowCount > 0 else {
            throw LabelModelsError.invalidInput("\(method): the label matrix has no rows")
        }
        guard matrix.cardinality >= 2 else {
            throw LabelModelsError.invalidInput("\(method): cardinality must be at least 2")
        }
        guard matrix.lfCount >= minimumLFs else {
            throw LabelModelsError.tooFewLabelingFunctions(method: method, needed: minimumLFs, got: matrix.lfCount)
        }
    }
}
