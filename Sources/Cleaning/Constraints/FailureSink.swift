/// Collects the failures of one constraint: counts all, keeps the first `limit` with reasons and a few samples.
struct FailureSink {
    let limit: Int
    let sampleLimit: Int
    let showValues: Bool
    let rowIDs: [Int]
    private(set) var count = 0
    private(set) var failures: [RowFailure] = []
    private(set) var failingPositions: [Int] = []
    private(set) var samples: [String] = []
    /// For failing positions that repeat an earlier row (kept only with `keepPositions`, for repairs and review).
    private(set) var duplicateLinks: [Int: DuplicateLink] = [:]
    let keepPositions: Bool

    init(limit: Int, sampleLimit: Int, showValues: Bool, rowIDs: [Int], keepPositions: Bool) {
        self.limit = limit
        self.sampleLimit = sampleLimit
        self.showValues = showValues
        self.rowIDs = rowIDs
        self.keepPositions = keepPositions
    }

    /// Records a failure at row position `row`; `reason` is only built for listed failures.
    mutating func fail(_ row: Int, _ value: String?, _ reason: @autoclosure () -> String) {
        count += 1
        if keepPositions { failingPositions.append(row) }
        if failures.count < limit {
            failures.append(RowFailure(row: rowIDs[row], reason: reason(), value: showValues ? value : nil))
        }
        if showValues, samples.count < sampleLimit, let value, !samples.contains(value) { samples.append(value) }
    }

    /// Records a failure at row position `row` that repeats the row at position `original` (a duplicate or a
    /// near-duplicate with the estimated `similarity`); the link is kept only when positions are.
    mutating func fail(
        _ row: Int, _ value: String?, _ reason: @autoclosure () -> String, duplicating original: Int,
        similarity: Double? = nil
    ) {
        if keepPositions { duplicateLinks[row] = DuplicateLink(original: original, similarity: similarity) }
        fail(row, value, reason())
    }
}

/// The earlier row a failing row repeats: its position and, for a near-duplicate, the estimated similarity.
struct DuplicateLink: Equatable {
    var original: Int
    var similarity: Double?
}
