/// A Prometheus histogram's state: observation counts per bucket, their sum and their number.
///
/// Buckets are upper bounds (`le`, "less than or equal"); an implicit last bucket, `+Inf`, takes everything. Counts
/// are kept per bucket and made cumulative when rendered, as the exposition format requires.
struct Histogram: Sendable, Equatable {
    /// The finite upper bounds, strictly increasing.
    let upperBounds: [Double]
    /// Observations per bucket (not cumulative); one more entry than ``upperBounds`` for `+Inf`.
    private(set) var bucketCounts: [UInt64]
    /// The sum of all observations.
    private(set) var sum = 0.0
    /// The number of observations.
    private(set) var count: UInt64 = 0

    /// An empty histogram over `upperBounds` (sorted, deduplicated and stripped of non-finite values here).
    init(upperBounds: [Double]) {
        let bounds = Array(Set(upperBounds.filter(\.isFinite))).sorted()
        self.upperBounds = bounds
        self.bucketCounts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Counts one observation in the first bucket whose bound is at least `value`; NaN is ignored.
    /// - Complexity: O(log b) for b buckets.
    mutating func observe(_ value: Double) {
        guard !value.isNaN else { return }
        var low = 0
        var high = upperBounds.count
        while low < high {
            let middle = (low + high) / 2
            if upperBounds[middle] < value { low = middle + 1 } else { high = middle }
        }
        bucketCounts[low] += 1
        sum += value
        count += 1
    }

    /// The cumulative counts: entry i counts observations ≤ `upperBounds[i]`; the last entry (`+Inf`) equals
    /// ``count``.
    var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return bucketCounts.map { count in
            running += count
            return running
        }
    }

    /// Bounds for request latencies in seconds: 1 ms … 10 s in 1–2.5–5 steps.
    static let latencySeconds: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    /// Bounds for sequences per batch: 1, 2, 4, …, 512.
    static let batchSequences: [Double] = (0...9).map { Double(1 << $0) }
    /// Bounds for tokens per batch: 16, 32, …, 65 536.
    static let batchTokens: [Double] = (4...16).map { Double(1 << $0) }
    /// Bounds for distinct adapters per batch: 1, 2, 4, …, 64.
    static let batchAdapters: [Double] = (0...6).map { Double(1 << $0) }
}
