import FoundryCore
import Labeling

/// Where a label model's class prior P(Y = c) comes from.
public enum ClassBalance: Sendable, Equatable, Codable {
    /// Every class equally likely (snorkel's default).
    case uniform
    /// A known prior, one probability per class.
    case given([Double])
    /// Frequencies of a small set of gold dev labels (add-one smoothed when a class is absent).
    case fromLabels([Int])
    /// Estimated from the votes alone by the model (each model documents how).
    case estimated

    /// Resolves a fixed prior for `cardinality` classes; returns `nil` for ``estimated``.
    ///
    /// - Throws: ``LabelModelsError/invalidClassBalance(_:)`` for a wrong length, NaN, non-positive
    ///   entries, a sum far from 1, or dev labels outside `0..<cardinality`.
    public func resolve(cardinality: Int) throws -> [Double]? {
        switch self {
        case .uniform:
            return [Double](repeating: 1 / Double(cardinality), count: cardinality)
        case let .given(prior):
            guard prior.count == cardinality else {
                throw LabelModelsError.invalidClassBalance("\(prior.count) entries for \(cardinality) classes")
            }
            guard prior.allSatisfy({ $0.isFinite }) else {
                throw LabelModelsError.invalidClassBalance("contains NaN or infinity")
            }
            guard prior.allSatisfy({ $0 > 0 }) else {
                throw LabelModelsError.invalidClassBalance("every class needs a positive prior, got \(prior)")
            }
            let total = prior.reduce(0, +)
            guard abs(total - 1) < 1e-6 else {
                throw LabelModelsError.invalidClassBalance("entries sum to \(total), expected 1")
            }
            return prior.map { $0 / total }
        case let .fromLabels(labels):
            var counts = [Double](repeating: 0, count: cardinality)
            for (row, label) in labels.enumerated() where label != Vote.abstain.rawValue {
                guard label >= 0, label < cardinality else {
                    throw LabelModelsError.invalidClassBalance(
                        "dev label \(label) at row \(row) is outside 0..<\(cardinality)")
                }
                counts[label] += 1
            }
            guard counts.reduce(0, +) > 0 else { throw LabelModelsError.invalidClassBalance("no dev labels") }
            if counts.contains(0) { counts = counts.map { $0 + 1 } }
            let total = counts.reduce(0, +)
            return counts.map { $0 / total }
        case .estimated:
            return nil
        }
    }
}
