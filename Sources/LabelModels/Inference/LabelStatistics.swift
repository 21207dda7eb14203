import Foundation
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
    /// Each worker counts its stripe of rows in 32-bit integers; integer sums are exact in any order, so the result
    /// is bit-identical whatever the number of threads.
    ///
    /// - Complexity: O(Σᵢ vᵢ²) for vᵢ votes in row i; memory O(m² + (mk)²) per worker (or O(m²) above the overlap limit).
    public init(_ matrix: LabelMatrix, keepOverlap: Bool = true) {
        let m = matrix.lfCount, k = matrix.cardinality, d = m * k
        let withOverlap = keepOverlap && d <= Self.overlapLimit
        rowCount = matrix.rowCount
        lfCount = m
        cardinality = k
        // A few stripes per core, so a core that is slowed down or preempted does not hold up the rest (one per core
        // when each stripe's tables are large); more if a stripe could overflow 32-bit counts (a row adds at most 1
        // to each count).
        let rowsPerStripeLimit = Int(UInt32.max)
        let stripesPerCore = withOverlap && d * d / 2 <= Partial.byteTableLimit ? 4 : 1
        let stripes = max(
            1, stripesPerCore * ProcessInfo.processInfo.activeProcessorCount,
            (matrix.rowCount + rowsPerStripeLimit - 1) / rowsPerStripeLimit)
        let chunk = max(4096, (matrix.rowCount + stripes - 1) / stripes)
        let ranges = ParallelChunks.ranges(count: matrix.rowCount, chunkSize: chunk)
        let partials = (0..<ranges.count).map { _ in Partial(m: m, k: k, overlap: withOverlap) }
        ParallelChunks.forEach(count: matrix.rowCount, chunkSize: chunk) { index, range in
            partials[index].accumulate(matrix, rows: range)
        }
        var total = Totals(m: m, k: k, overlap: withOverlap)
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
        (0..<lfCount).map { j in
            (0..<cardinality).reduce(0) { $0 + voteCounts[j * cardinality + $1] } / Double(max(rowCount, 1))
        }
    }

    /// The class distribution of all votes cast (add-one smoothed), a crude estimate of the class balance.
    public var voteClassDistribution: [Double] {
        var totals = [Double](repeating: 1, count: cardinality)
        for j in 0..<lfCount { for c in 0..<cardinality { totals[c] += voteCounts[j * cardinality + c] } }
        let sum = totals.reduce(0, +)
        return totals.map { $0 / sum }
    }

    /// One worker's integer counts, in memory it owns.
    ///
    /// With the overlap kept, `pairs` packs the cross-LF part of O's upper triangle: for the cell c = j·k + l, the
    /// counts of (c, c') with c' in the LFs after j are contiguous, starting at `rowStart[c] + c'` (the diagonal
    /// blocks are vote counts or zero, so they are not stored). That halves the table a row's increments land in.
    /// Without the overlap, `pairs` and `agreements` are m × m upper triangles of co-vote and agreement counts.
    ///
    /// Invariant behind `@unchecked Sendable`: each `Partial` is written by exactly one chunk of
    /// ``ParallelChunks/forEach(count:chunkSize:maxThreads:_:)`` and read only after it returns; the buffers are
    /// freed in `deinit`.
    private final class Partial: @unchecked Sendable {
        let m: Int, k: Int
        let overlap: Bool
        var covered = 0
        let votes: UnsafeMutableBufferPointer<UInt32>
        let pairs: UnsafeMutableBufferPointer<UInt32>
        let agreements: UnsafeMutableBufferPointer<UInt32>
        /// Offsets into `pairs` per cell (may be negative: only indices c' ≥ (j + 1)·k are ever added).
        let rowStart: [Int]

        init(m: Int, k: Int, overlap: Bool) {
            self.m = m
            self.k = k
            self.overlap = overlap
            let d = m * k
            var starts: [Int] = []
            var packed = 0
            if overlap {
                starts.reserveCapacity(d)
                for cell in 0..<d {
                    let firstLater = (cell / k + 1) * k
                    starts.append(packed - firstLater)
                    packed += d - firstLater
                }
            }
            rowStart = starts
            votes = .allocate(capacity: d)
            votes.initialize(repeating: 0)
            pairs = .allocate(capacity: overlap ? max(1, packed) : m * m)
            pairs.initialize(repeating: 0)
            agreements = .allocate(capacity: overlap ? 0 : m * m)
            agreements.initialize(repeating: 0)
        }

        deinit {
            votes.deallocate()
            pairs.deallocate()
            agreements.deallocate()
        }

        /// The packed count of cells `a` < `b` of different LFs.
        func packedCount(_ a: Int, _ b: Int) -> UInt32 { pairs[rowStart[a] + b] }

        func accumulate(_ matrix: LabelMatrix, rows: Range<Int>) {
            let m = m, k = k
            let cells = UnsafeMutablePointer<Int>.allocate(capacity: max(1, m))
            defer { cells.deallocate() }
            guard let votes = votes.baseAddress, let pairs = pairs.baseAddress else { return }
            let agreements = self.agreements.baseAddress
            var covered = 0
            // When the packed table is small, rows are counted into 8-bit cells that stay in the L1 cache and are
            // added into the 32-bit table every 255 rows (a row adds at most 1 to a cell, so none can overflow).
            let small = UnsafeMutableBufferPointer<UInt8>.allocate(
                capacity: overlap && self.pairs.count <= Self.byteTableLimit ? self.pairs.count : 0)
            small.initialize(repeating: 0)
            defer { small.deallocate() }
            var rowsInBlock = 0
            func flush() {
                for i in 0..<small.count {
                    pairs[i] &+= UInt32(small[i])
                    small[i] = 0
                }
                rowsInBlock = 0
            }
            rowStart.withUnsafeBufferPointer { rowStart in
                matrix.rowOffsets.withUnsafeBufferPointer { offsets in
                    matrix.voteLFs.withUnsafeBufferPointer { lfs in
                        matrix.voteClasses.withUnsafeBufferPointer { classes in
                            for row in rows {
                                let lower = offsets[row], count = offsets[row + 1] - lower
                                guard count > 0 else { continue }
                                covered &+= 1
                                for a in 0..<count {
                                    let cell = Int(lfs[lower + a]) &* k &+ Int(classes[lower + a])
                                    votes[cell] &+= 1
                                    cells[a] = cell
                                }
                                if !small.isEmpty, let small = small.baseAddress {
                                    Self.countCrossPairs(into: small, rowStart: rowStart, cells: cells, count: count)
                                    rowsInBlock &+= 1
                                    if rowsInBlock == Int(UInt8.max) { flush() }
                                } else if overlap {
                                    Self.countCrossPairs(into: pairs, rowStart: rowStart, cells: cells, count: count)
                                } else if let agreements {
                                    for a in 0..<count {
                                        let ja = cells[a] / k, la = cells[a] % k
                                        for b in a..<count {
                                            let index = ja &* m &+ cells[b] / k
                                            pairs[index] &+= 1
                                            if la == cells[b] % k { agreements[index] &+= 1 }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            flush()
            self.covered = covered
        }

        /// Adds one row's pairs of votes from different LFs to a packed table. LFs are sorted within a row, so every
        /// later vote belongs to a later LF.
        @inline(__always)
        static func countCrossPairs<Count: FixedWidthInteger>(
            into table: UnsafeMutablePointer<Count>, rowStart: UnsafeBufferPointer<Int>,
            cells: UnsafeMutablePointer<Int>, count: Int
        ) {
            for a in 0..<count {
                let base = table + rowStart[cells[a]]
                for b in (a + 1)..<max(a + 1, count) { base[cells[b]] &+= 1 }
            }
        }

        /// Largest packed table counted through 8-bit cells (the L1 data cache is 32–64 KB on current cores).
        static let byteTableLimit = 32_768
    }

    /// The exact sum of the partials, as `Double` tables completed to full symmetric matrices.
    private struct Totals {
        let m: Int, k: Int
        var covered = 0.0
        var votes: [Double]
        var coVotes: [Double]
        var agreements: [Double]
        var overlap: [Double]

        init(m: Int, k: Int, overlap: Bool) {
            self.m = m
            self.k = k
            votes = [Double](repeating: 0, count: m * k)
            coVotes = [Double](repeating: 0, count: m * m)
            agreements = [Double](repeating: 0, count: m * m)
            self.overlap = overlap ? [Double](repeating: 0, count: m * k * m * k) : []
        }

        mutating func add(_ part: Partial) {
            let d = m * k
            covered += Double(part.covered)
            for i in votes.indices { votes[i] += Double(part.votes[i]) }
            if part.overlap {
                for a in 0..<d {
                    for b in ((a / k + 1) * k)..<max((a / k + 1) * k, d) {
                        overlap[a * d + b] += Double(part.packedCount(a, b))
                    }
                }
            } else {
                for i in coVotes.indices {
                    coVotes[i] += Double(part.pairs[i])
                    agreements[i] += Double(part.agreements[i])
                }
            }
        }

        /// Completes the accumulated upper triangles into symmetric tables (and pair counts from O when it was kept).
        mutating func finish() {
            let d = m * k
            if !overlap.isEmpty {
                // An LF votes one class per row: its own block of O is diagonal, holding its vote counts.
                for i in 0..<d { overlap[i * d + i] = votes[i] }
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
    }
}
