import FoundryCore
import Labeling

/// The distinct vote patterns of a label matrix, for models that evaluate the same posterior many times (EM).
///
/// Rows with the same votes (the same LFs voting the same classes) have the same posterior under every model here,
/// and on small corpora with one-class LFs most rows share a handful of patterns: YouTube's 1,233 training rows have
/// a few dozen. Evaluating each pattern once and copying its result to its rows gives the same numbers bit for bit
/// (each pattern's row is summed in the same order as any of its rows) for a fraction of the `exp` calls.
struct VotePatterns {
    /// One row per distinct pattern, in order of first appearance.
    let unique: LabelMatrix
    /// For each row of the original matrix, its pattern's row in ``unique``.
    let patternOfRow: [Int]

    /// The patterns of `matrix`, or nil when they would not pay: when more than half of the first 4,096 rows are
    /// distinct (large corpora with many LFs, where almost every row is its own pattern).
    init?(_ matrix: LabelMatrix) {
        let probe = min(matrix.rowCount, 4_096)
        guard probe > 0 else { return nil }
        var firstRowOfPattern: [[UInt32]: Int] = [:]
        var representatives: [Int] = []
        var patternOfRow = [Int](repeating: 0, count: matrix.rowCount)
        var tooMany = false
        matrix.withVoteBuffers { offsets, lfs, classes in
            for row in 0..<matrix.rowCount {
                let key = (offsets[row]..<offsets[row + 1]).map { UInt32(lfs[$0]) << 16 | UInt32(classes[$0]) }
                if let pattern = firstRowOfPattern[key] {
                    patternOfRow[row] = pattern
                } else {
                    patternOfRow[row] = representatives.count
                    firstRowOfPattern[key] = representatives.count
                    representatives.append(row)
                    if row < probe, representatives.count * 2 > probe {
                        tooMany = true
                        return
                    }
                }
            }
        }
        guard !tooMany else { return nil }
        unique = matrix.rows(representatives)
        self.patternOfRow = patternOfRow
    }
}
