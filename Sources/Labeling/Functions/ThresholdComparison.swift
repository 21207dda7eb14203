/// The test of a threshold labeling function.
public enum ThresholdComparison: Sendable, Equatable, Codable {
    /// value < bound
    case lessThan(Double)
    /// value ≤ bound
    case atMost(Double)
    /// value > bound
    case greaterThan(Double)
    /// value ≥ bound
    case atLeast(Double)

    /// Whether `value` passes the test (NaN never does).
    public func holds(for value: Double) -> Bool {
        switch self {
        case let .lessThan(bound): return value < bound
        case let .atMost(bound): return value <= bound
        case let .greaterThan(bound): return value > bound
        case let .atLeast(bound): return value >= bound
        }
    }
}
