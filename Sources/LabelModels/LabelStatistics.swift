import FoundryCore
import Labeling

/// Sufficient statistics of a label matrix: everything the moment-based label models need.
///
/// All entries are counts (exact integers stored as `Double`), so statistics computed on
/// shards of a matrix add up (``merged(with:)``) to exactly the statistics of the whole, and a
/// model fitted on merged statistics equals one fitted on the whole matrix.
///
/// - `voteCounts[j·k + l]`: rows where labeling function j voted class l.
/// - `pairCoVotes[j·m + j']`: rows where both j and j' voted; `pairAgreements`: …and agreed.
/// - `overlapCounts[(j·k + l)·d + (j'·k + l')]` with d = m·k: rows where j voted l and j' voted l'
///   (the unnormalised overlap matrix O = E[ψψᵀ] of snorkel's model); only kept when d ≤ ``overlapLimit``.
public struct LabelStatistics: Sendable, Equatable, Codable {
    /// The largest m·k for which the full overlap matrix is accumulated (d² doubles: 72 MB at d = 3,000).
    public static let overlapLimit = 3_000

    /// Number of rows counted.
    public private(set) var rowCount: Int
    /// Number of labeling functions m.
    public let lfCount: Int
    /// Number of classes k.
    public let cardinality: Int
    /// Rows with at least one vote.
    public private(set) var coveredRows: Double
    /// m × k vote counts.
    public private(set) var voteCounts: [Double]
    /// m × m co-vote counts.
    public private(set) var pairCoVotes: [Double]
    /// m × m agreement counts.
    public private(set) var pairAgreements: [Double]
    /// (m·k) × (m·k) overlap counts, or `nil` when m·k exceeds ``overlapLimit``.
    public private(set) var overlapCounts: [Double]?

    /// Accumulates the statistics of `matrix` in one parallel sparse pass.
    ///
    /// - Complexity: O(Σᵢ vᵢ²) for vᵢ votes in row i; memory O(m² + (mk)²) (or O(m²) above the overlap limit).
    public init(_ matrix: LabelMatrix, keepOverlap: Bool = true) {
        let m = matrix.lfCount, k = matrix.cardinality, d = m * k
        let withOverlap = keepOverlap && d <= Self.overlapLimit
        rowCount = matrix.rowCount
        lfCount = m
        cardinality = k
        // A fixed number of stripes (independent of the thread count) keeps the sums bit-identical.
        let stripes = 8
        let chunk = max(4096, (matrix.rowCount + stripes - 1) / stripes)
        let ranges = ParallelChunks.ranges(count: matrix.rowCount, chunkSize: chunk)
        var partials = [Partial](repeating: Partial(m: m, k: k, overlap: false), count: ranges.count)
        for index in partials.indices { partials[index] = Partial(m: m, k: k, overlap: withOverlap) }
        partials.withUnsafeMutableBufferPointer { parts in
            ParallelChunks.forEach(count: matrix.rowCount, chunkSize: chunk) { index, range in
                parts[index].accumulate(matrix, rows: range)
            }
        }
        var total = Partial(m: m, k: k, overlap: withOverlap)
        for part in partials { total.add(part) }
        total.finish()
        coveredRows = total.covered
        voteCounts = total.votes
        pairCoVotes = total.coVotes
        pairAgreements = total.agreements
        overlapCounts = withOverlap ? total.overlap : nil
    }

    /// The statistics of the union of two shards with the same LFs and classes.
    public func merged(with other: LabelStatistics) -> LabelStatistics {
        precondition(lfCount == other.lfCount && cardinality == other.cardinality, "shards differ in LFs or classes")
        var result = self
        result.rowCount += other.rowCount
        result.coveredRows += other.coveredRows
        for i in voteCounts.indices { result.voteCounts[i] += other.voteCounts[i] }
        for i in pairCoVotes.indices {
            result.pairCoVotes[i] += other.pairCoVotes[i]
            result.pairAgreements[i] += other.pairAgreements[i]
        }
        if var mine = result.overlapCounts, let theirs = other.overlapCounts {
            for i in mine.indices { mine[i] += theirs[i] }
            result.overlapCounts = mine
        } else {
            result.overlapCounts = nil
        }
        return result
    }

    /// Per-LF coverage: the fraction of rows on which each labeling function voted.
    public var coverage: [Double] {
        (0..<lfCount).map { j in (0..<cardinality).reduce(0) { $0 + voteCounts[j * cardinality + $1] } / Double(max(rowCount, 1)) }
    }

    /// The class distribution of all votes cast (add-one smoothed), a crude estimate of the class balance.
    public var voteClassDistribution: [Double] {
        var totals = [Double](repeating: 1, count: cardinality)
        for j in 0..<lfCount { for c in 0..<cardinality { totals[c] += voteCounts[j * cardinality + c] } }
        let sum = totals.reduce(0, +)
        return totals.map { $0 / sum }
    }

    private struct Partial {
        var covered = 0.0
        var votes: [Double]
        var coVotes: [Double]
        var agreements: [Double]
        var overlap: [Double]
        let m: Int, k: Int

        init(m: Int, k: Int, overlap: Bool) {
            self.m = m
            self.k = k
            votes = [Double](repeating: 0, count: m * k)
            coVotes = [Double](repeating: 0, count: m * m)
            agreements = [Double](repeating: 0, count: m * m)
            self.overlap = overlap ? [Double](repeating: 0, count: m * k * m * k) : []
        }

        mutating func accumulate(_ matrix: LabelMatrix, rows: Range<Int>) {
            let d = m * k
            let withOverlap = !overlap.isEmpty
            var cells = [Int](repeating: 0, count: m)
            matrix.rowOffsets.withUnsafeBufferPointer { offsets in
                matrix.voteLFs.withUnsafeBufferPointer { lfs in
                    matrix.voteClasses.withUnsafeBufferPointer { classes in
                        overlap.withUnsafeMutableBufferPointer { o in
                            for row in rows {
                                let lower = offsets[row], upper = offsets[row + 1]
                                let count = upper - lower
                                guard count > 0 else { continue }
                                covered += 1
                                for a in 0..<count {
                                    let ja = Int(lfs[lower + a]), la = Int(classes[lower + a])
                                    votes[ja * k + la] += 1
                                    cells[a] = ja * k + la
                                }
                                if withOverlap {
                                    // Cells increase within a row (LFs are sorted), so this fills O's upper triangle.
                                    for a in 0..<count {
                                        let base = cells[a] * d
                                        for b in a..<count { o[base + cells[b]] += 1 }
                                    }
                                } else {
                                    for a in 0..<count {
                                        let ja = cells[a] / k, la = cells[a] % k
                                        for b in a..<count {
                                            let jb = cells[b] / k
                                            coVotes[ja * m + jb] += 1
                                            if la == cells[b] % k { agreements[ja * m + jb] += 1 }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        /// Completes the accumulated upper triangles into symmetric tables (and pair counts from O when it was kept).
        mutating func finish() {
            let d = m * k
            if !overlap.isEmpty {
                for i in 0..<d { for j in (i + 1)..<max(i + 1, d) { overlap[j * d + i] = overlap[i * d + j] } }
                for ja in 0..<m {
                    for jb in 0..<m {
                        var co = 0.0, agree = 0.0
                        for la in 0..<k {
                            let row = (ja * k + la) * d + jb * k
                            for lb in 0..<k { co += overlap[row + lb] }
                            agree += overlap[row + la]
                        }
                        coVotes[ja * m + jb] = co
                        agreements[ja * m + jb] = agree
                    }
                }
            } else {
                for a in 0..<m {
                    for b in (a + 1)..<max(a + 1, m) {
                        coVotes[b * m + a] = coVotes[a * m + b]
                        agreements[b * m + a] = agreements[a * m + b]
                    }
                }
            }
        }

        mutating func add(_ other: Partial) {
            covered += other.covered
            for i in votes.indices { votes[i] += other.votes[i] }
            for i in coVotes.indices {
                coVotes[i] += other.coVotes[i]
                agreements[i] += other.agreements[i]
            }
            for i in overlap.indices { overlap[i] += other.overlap[i] }
        }
    }
}
