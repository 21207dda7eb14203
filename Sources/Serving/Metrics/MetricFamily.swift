/// One label of a series: a name and a value.
struct MetricLabel: Hashable, Comparable, Sendable {
    var name: String
    var value: String

    static func < (lhs: MetricLabel, rhs: MetricLabel) -> Bool { (lhs.name, lhs.value) < (rhs.name, rhs.value) }
}

/// A metric family in Prometheus' sense: one name, help text and type, and its series keyed by label set (labels
/// sorted by name).
struct MetricFamily: Sendable {
    /// The Prometheus metric types this module writes.
    enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    let name: String
    let help: String
    let kind: Kind
    /// The bucket bounds of a histogram family (empty otherwise).
    let buckets: [Double]
    /// Counter and gauge values by label set.
    var values: [[MetricLabel]: Double] = [:]
    /// Histogram states by label set.
    var histograms: [[MetricLabel]: Histogram] = [:]

    /// The number of series.
    var seriesCount: Int { kind == .histogram ? histograms.count : values.count }

    /// Whether the family already has a series with these labels.
    func hasSeries(_ labels: [MetricLabel]) -> Bool {
        kind == .histogram ? histograms[labels] != nil : values[labels] != nil
    }

    /// Removes every series that has label `name` equal to `value`.
    mutating func removeSeries(label name: String, value: String) {
        let matches = { (labels: [MetricLabel]) in labels.contains(MetricLabel(name: name, value: value)) }
        values = values.filter { !matches($0.key) }
        histograms = histograms.filter { !matches($0.key) }
    }

    /// A label set in the canonical order (sorted by name).
    static func labelSet(_ labels: [String: String]) -> [MetricLabel] {
        labels.map { MetricLabel(name: $0.key, value: $0.value) }.sorted()
    }
}
