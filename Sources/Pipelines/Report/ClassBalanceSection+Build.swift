import Foundation

extension ClassBalanceSection {
    /// The share of each class among hard labels, and among gold labels when given.
    ///
    /// Predicted shares are over all n rows, so rows left unlabeled (-1, abstain) count in no class and the shares then
    /// add up to less than 1; gold shares are over the rows whose gold class is known (-1 = unknown is skipped), and
    /// are nil when no row has gold.
    ///
    /// - Parameters:
    ///   - hardLabels: one class per row, -1 = abstain.
    ///   - gold: one class per row, -1 = unknown; nil without gold.
    ///   - classes: the class names (k of them).
    /// - Throws: ``PipelinesError/reportFailed(reason:)`` naming the row of a label outside -1 … k − 1, or when `gold`
    ///   and `hardLabels` differ in length.
    /// - Complexity: O(n).
    public static func build(hardLabels: [Int], gold: [Int]?, classes: [String]) throws -> ClassBalanceSection {
        let k = classes.count
        func shares(_ labels: [Int], _ what: String, denominatorSkipsUnknown: Bool) throws -> [Double]? {
            var counts = [Int](repeating: 0, count: k)
            var known = 0
            for (row, label) in labels.enumerated() {
                guard label >= -1 && label < k else {
                    throw PipelinesError.reportFailed(
                        reason: "class balance: row \(row): \(what) label \(label) is outside -1 … \(k - 1)")
                }
                if label >= 0 {
                    counts[label] += 1
                    known += 1
                }
            }
            let denominator = denominatorSkipsUnknown ? known : labels.count
            guard denominator > 0 else { return denominatorSkipsUnknown ? nil : counts.map { _ in 0 } }
            return counts.map { Double($0) / Double(denominator) }
        }
        if let gold, gold.count != hardLabels.count {
            throw PipelinesError.reportFailed(
                reason: "class balance: \(gold.count) gold labels for \(hardLabels.count) rows")
        }
        let predicted = try shares(hardLabels, "predicted", denominatorSkipsUnknown: false) ?? []
        let goldShares = try gold.flatMap { try shares($0, "gold", denominatorSkipsUnknown: true) }
        return ClassBalanceSection(classes: classes, predicted: predicted, gold: goldShares)
    }
}
