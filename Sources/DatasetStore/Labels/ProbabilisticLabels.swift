import Foundation

/// Probabilistic (soft) labels for a version's rows: n × k Float32 probabilities and the label model that produced them.
public struct ProbabilisticLabels: Sendable, Equatable {
    /// Number of rows n.
    public let rowCount: Int
    /// Number of classes k.
    public let classCount: Int
    /// Row-major n × k probabilities; each row sums to 1.
    public let probabilities: [Float]
    /// The label model's name (`majority-vote`, `dawid-skene`, …).
    public let labelModel: String
    /// The label model's configuration or parameters as JSON text.
    public let labelModelJSON: String

    /// Creates soft labels, checking shape and that every row is a probability distribution (within 1e-3).
    ///
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` naming the first bad row.
    public init(
        rowCount: Int, classCount: Int, probabilities: [Float], labelModel: String, labelModelJSON: String = "{}"
    ) throws {
        func fail(_ reason: String) -> DatasetStoreError { .invalidLabels(dataset: "-", version: "-", reason: reason) }
        guard rowCount >= 0, classCount >= 2 else { throw fail("need at least 2 classes, got \(classCount)") }
        guard probabilities.count == rowCount * classCount else {
            throw fail("expected \(rowCount)×\(classCount) probabilities, got \(probabilities.count)")
        }
        for row in 0..<rowCount {
            var sum: Float = 0
            for value in probabilities[(row * classCount)..<((row + 1) * classCount)] {
                guard value.isFinite, value >= 0, value <= 1 else {
                    throw fail("row \(row): probability \(value) is outside [0, 1]")
                }
                sum += value
            }
            guard abs(sum - 1) <= 1e-3 else { throw fail("row \(row): probabilities sum to \(sum), not 1") }
        }
        self.rowCount = rowCount
        self.classCount = classCount
        self.probabilities = probabilities
        self.labelModel = labelModel
        self.labelModelJSON = labelModelJSON
    }
}
