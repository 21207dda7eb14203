import Foundation

/// Probabilistic (soft) training labels: for each of n rows, a probability for each of k named classes.
///
/// The one type soft labels travel in: every label model's prediction produces it, the dataset store keeps it, the
/// adapter trainer learns from it and the label-issue finder reads it. Probabilities are Float32, row-major; every
/// row is a distribution (entries finite and in [0, 1], summing to 1 within 1e-3, which Float32 rounding of k terms
/// stays well inside). Hard labels follow a ``TieBreakPolicy``.
public struct SoftLabels: Sendable, Equatable {
    /// Number of rows n.
    public let rowCount: Int
    /// The class names, one per column (k ≥ 2).
    public let classNames: [String]
    /// Row-major n × k probabilities.
    public let probabilities: [Float]

    /// Number of classes k.
    public var classCount: Int { classNames.count }

    /// Largest allowed distance of a row's sum from 1.
    public static let sumTolerance: Float = 1e-3

    /// Creates soft labels from row-major probabilities, checking every row.
    ///
    /// - Parameters:
    ///   - probabilities: n × k values, row-major.
    ///   - classNames: the k class names.
    ///   - source: where the values came from (a file path, a model), named in errors.
    /// - Throws: ``FoundryCoreError/invalidSoftLabels(source:row:reason:)`` naming the first bad row.
    /// - Complexity: O(n·k).
    public init(probabilities: [Float], classNames: [String], source: String = "<memory>") throws {
        let k = classNames.count
        guard k >= 2 else {
            throw FoundryCoreError.invalidSoftLabels(
                source: source, row: nil, reason: "need at least 2 classes, got \(k)")
        }
        guard probabilities.count % k == 0 else {
            throw FoundryCoreError.invalidSoftLabels(
                source: source, row: nil, reason: "\(probabilities.count) values do not fill rows of \(k) classes")
        }
        let rows = probabilities.count / k
        try probabilities.withUnsafeBufferPointer { p in
            for row in 0..<rows {
                var sum: Float = 0
                for c in 0..<k {
                    let value = p[row * k + c]
                    guard value.isFinite, value >= 0, value <= 1 else {
                        throw FoundryCoreError.invalidSoftLabels(
                            source: source, row: row, reason: "probability \(value) of class \(c) is outside [0, 1]")
                    }
                    sum += value
                }
                guard abs(sum - 1) <= Self.sumTolerance else {
                    throw FoundryCoreError.invalidSoftLabels(
                        source: source, row: row, reason: "probabilities sum to \(sum), not 1")
                }
            }
        }
        self.rowCount = rows
        self.classNames = classNames
        self.probabilities = probabilities
    }

    /// Creates soft labels from an n × k Float64 matrix (a label model's exact output), rounding to Float32.
    ///
    /// - Parameter classNames: k names; by default `class_0`, `class_1`, ….
    /// - Throws: ``FoundryCoreError/invalidSoftLabels(source:row:reason:)`` naming the first bad row.
    public init(_ matrix: Matrix, classNames: [String]? = nil, source: String = "<memory>") throws {
        let names = classNames ?? (0..<matrix.columns).map { "class_\($0)" }
        guard names.count == matrix.columns else {
            throw FoundryCoreError.invalidSoftLabels(
                source: source, row: nil,
                reason: "\(names.count) class names for a matrix of \(matrix.columns) columns")
        }
        try self.init(probabilities: matrix.storage.map(Float.init), classNames: names, source: source)
    }

    /// The probability of class `column` for row `row`.
    public subscript(row: Int, column: Int) -> Float {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < classCount, "index out of range")
        return probabilities[row * classCount + column]
    }

    /// Row `index`'s k probabilities.
    public func row(_ index: Int) -> ArraySlice<Float> {
        precondition(index >= 0 && index < rowCount, "row out of range")
        return probabilities[(index * classCount)..<((index + 1) * classCount)]
    }

    /// The probabilities as an n × k Float64 matrix.
    public var matrix: Matrix {
        Matrix(rows: rowCount, columns: classCount, values: probabilities.map(Double.init))
    }

    /// Each row's largest probability: how sure the labels are of the row's most likely class.
    public var confidences: [Float] {
        (0..<rowCount).map { row($0).max() ?? 0 }
    }

    /// Hard labels: the most probable class of each row, ties resolved by `tieBreak`.
    ///
    /// - Parameters:
    ///   - tieBreak: by default snorkel's and WRENCH's row-hash rule.
    ///   - prior: the class prior that ``TieBreakPolicy/prior`` consults.
    /// - Complexity: O(n·k).
    public func hardLabels(tieBreak: TieBreakPolicy = .rowHash, prior: [Double] = []) -> [Vote] {
        let k = classCount
        return probabilities.withUnsafeBufferPointer { p in
            (0..<rowCount).map { row in
                tieBreak.resolve(row: row, UnsafeBufferPointer(rebasing: p[(row * k)..<((row + 1) * k)]), prior: prior)
            }
        }
    }

    /// The soft labels of the given rows, in the given order.
    public func rows(_ indices: [Int]) -> SoftLabels {
        var values: [Float] = []
        values.reserveCapacity(indices.count * classCount)
        for index in indices { values.append(contentsOf: row(index)) }
        return SoftLabels(checked: values, rowCount: indices.count, classNames: classNames)
    }

    /// Values already known to be valid rows (subsets of checked labels).
    private init(checked values: [Float], rowCount: Int, classNames: [String]) {
        self.rowCount = rowCount
        self.classNames = classNames
        self.probabilities = values
    }
}

extension SoftLabels {
    /// Reads an n × k float `.npy` file (float32 or float64) of probabilities.
    ///
    /// - Parameter classNames: the k class names; by default `class_0`, `class_1`, ….
    /// - Throws: ``FoundryCoreError/invalidNumPy(path:reason:)`` for a malformed file, a non-float or non-2-D array;
    ///   ``FoundryCoreError/invalidSoftLabels(source:row:reason:)`` for a row that is not a distribution.
    public init(numPyFile url: URL, classNames: [String]? = nil) throws {
        let array = try NumPyArray(contentsOf: url)
        guard !array.elementType.isInteger else {
            throw FoundryCoreError.invalidNumPy(
                path: url.path, reason: "soft labels must be float32 or float64, found \(array.elementType)")
        }
        guard array.shape.count == 2, array.shape[1] >= 2 else {
            throw FoundryCoreError.invalidNumPy(
                path: url.path, reason: "soft labels must be an n × k array with k ≥ 2, found shape \(array.shape)")
        }
        let names = classNames ?? (0..<array.shape[1]).map { "class_\($0)" }
        guard names.count == array.shape[1] else {
            throw FoundryCoreError.invalidSoftLabels(
                source: url.path, row: nil, reason: "\(names.count) class names for \(array.shape[1]) columns")
        }
        try self.init(probabilities: array.floats(), classNames: names, source: url.path)
    }

    /// The probabilities as an n × k float32 NumPy array.
    public func numPyArray() -> NumPyArray {
        NumPyArray(floats: probabilities, shape: [rowCount, classCount])
    }

    /// Writes the probabilities as an n × k float32 `.npy` file, atomically.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the file cannot be written.
    public func writeNumPy(to url: URL) throws { try numPyArray().write(to: url) }
}
