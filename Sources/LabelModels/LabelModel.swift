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

    /// Creates per-LF parameters; unknown ones are `nil`.
    public init(name: String, accuracy: Double? = nil, propensity: Double? = nil, confusion: Matrix? = nil) {
        self.name = name
        self.accuracy = accuracy
        self.propensity = propensity
        self.confusion = confusion
    }
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

    /// Resolves probabilities to hard labels under a tie-break policy (see ``TieBreakPolicy/resolve(row:_:prior:)``).
    ///
    /// Works on the Float64 probabilities, so scores match those computed before rounding to ``SoftLabels``.
    public static func hardLabels(_ probabilities: Matrix, tieBreak: TieBreakPolicy, prior: [Double]) -> [Vote] {
        let k = probabilities.columns
        return probabilities.withUnsafeBufferPointer { p in
            (0..<probabilities.rows).map { row in
                tieBreak.resolve(row: row, UnsafeBufferPointer(rebasing: p[(row * k)..<((row + 1) * k)]), prior: prior)
            }
        }
    }

    /// The model's soft labels for a label matrix: ``predictProbabilities(_:)`` rounded to Float32, with the
    /// matrix's class names.
    ///
    /// - Throws: the model's prediction errors.
    /// - Complexity: that of ``predictProbabilities(_:)``, plus O(n·k).
    public func predictSoftLabels(_ matrix: LabelMatrix) throws -> SoftLabels {
        try SoftLabels(predictProbabilities(matrix), classNames: matrix.classNames, source: Self.methodName)
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
