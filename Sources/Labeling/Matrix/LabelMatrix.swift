import FoundryCore

/// The votes of m labeling functions on n examples, with k classes: Foundry's central data structure.
///
/// Storage is sparse and row-major (CSR-like): for each row, the labeling functions that voted
/// and the class each voted for. Abstentions cost nothing, so memory grows with the number of
/// votes, not with n·m: 4 bytes per vote plus 8 bytes per row. Labeling-function indices and
/// classes are stored as `UInt16`, so m and k are each at most 65,535.
///
/// Build one with ``Builder``, ``init(denseVotes:rowCount:lfNames:classNames:source:)``, from a
/// NumPy file (`LabelMatrix+NumPy.swift`) or from WRENCH JSON.
public struct LabelMatrix: Sendable, Equatable {
    /// Largest supported number of labeling functions or classes.
    public static let maximumDimension = Int(UInt16.max)

    /// Number of examples (rows).
    public let rowCount: Int
    /// Names of the labeling functions, one per column.
    public let lfNames: [String]
    /// Names of the classes; `classNames.count` is the cardinality k.
    public let classNames: [String]
    /// `rowOffsets[i]..<rowOffsets[i + 1]` indexes row i's votes in `voteLFs` / `voteClasses`.
    public let rowOffsets: [Int]
    /// For each vote, the labeling function (column) that cast it; increasing within a row.
    public let voteLFs: [UInt16]
    /// For each vote, the class voted for.
    public let voteClasses: [UInt16]

    /// Number of labeling functions (columns).
    public var lfCount: Int { lfNames.count }
    /// Number of classes k.
    public var cardinality: Int { classNames.count }
    /// Number of non-abstain votes.
    public var voteCount: Int { voteLFs.count }

    /// Creates a matrix from CSR arrays, checking every invariant.
    ///
    /// - Throws: ``LabelingError/invalidMatrix(source:reason:)`` naming the first problem.
    public init(
        rowCount: Int, lfNames: [String], classNames: [String], rowOffsets: [Int], voteLFs: [UInt16],
        voteClasses: [UInt16], source: String = "label matrix"
    ) throws {
        func fail(_ reason: String) -> LabelingError { .invalidMatrix(source: source, reason: reason) }
        guard classNames.count >= 2 else { throw fail("cardinality must be at least 2, got \(classNames.count)") }
        guard classNames.count <= Self.maximumDimension, lfNames.count <= Self.maximumDimension else {
            throw fail("at most \(Self.maximumDimension) labeling functions and classes are supported")
        }
        guard rowOffsets.count == rowCount + 1, rowOffsets.first == 0, rowOffsets.last == voteLFs.count,
            voteLFs.count == voteClasses.count
        else { throw fail("row offsets do not match the vote arrays") }
        for row in 0..<rowCount {
            let lower = rowOffsets[row], upper = rowOffsets[row + 1]
            guard lower <= upper else { throw fail("row offsets decrease at row \(row)") }
            var previous = -1
            for index in lower..<upper {
                let lf = Int(voteLFs[index])
                guard lf > previous, lf < lfNames.count else {
                    throw fail("row \(row): labeling-function indices must increase and be < \(lfNames.count)")
                }
                previous = lf
                guard Int(voteClasses[index]) < classNames.count else {
                    throw fail(
                        "row \(row), labeling function '\(lfNames[lf])': vote \(voteClasses[index]) is not below the cardinality \(classNames.count)"
                    )
                }
            }
        }
        self.rowCount = rowCount
        self.lfNames = lfNames
        self.classNames = classNames
        self.rowOffsets = rowOffsets
        self.voteLFs = voteLFs
        self.voteClasses = voteClasses
    }

    /// Unchecked initializer for code in this module that has already established the invariants.
    init(
        uncheckedRowCount rowCount: Int, lfNames: [String], classNames: [String], rowOffsets: [Int],
        voteLFs: [UInt16], voteClasses: [UInt16]
    ) {
        self.rowCount = rowCount
        self.lfNames = lfNames
        self.classNames = classNames
        self.rowOffsets = rowOffsets
        self.voteLFs = voteLFs
        self.voteClasses = voteClasses
    }

    /// Creates a matrix from dense row-major raw votes (`-1` = abstain, else a class index).
    ///
    /// - Throws: ``LabelingError/invalidMatrix(source:reason:)`` for a vote outside `-1..<k`, naming row and column.
    public init(
        denseVotes: [Int], rowCount: Int, lfNames: [String], classNames: [String], source: String = "label matrix"
    ) throws {
        let m = lfNames.count
        guard denseVotes.count == rowCount * m else {
            throw LabelingError.invalidMatrix(
                source: source, reason: "expected \(rowCount)×\(m) = \(rowCount * m) votes, got \(denseVotes.count)")
        }
        var builder = Builder(lfNames: lfNames, classNames: classNames)
        for row in 0..<rowCount {
            for lf in 0..<m {
                let value = denseVotes[row * m + lf]
                guard value >= -1, value < classNames.count else {
                    throw LabelingError.invalidMatrix(
                        source: source,
                        reason:
                            "row \(row), column \(lf) ('\(lfNames[lf])'): vote \(value) is outside -1 (abstain) … \(classNames.count - 1)"
                    )
                }
                if value >= 0 { builder.appendVote(lf: lf, classIndex: value) }
            }
            builder.finishRow()
        }
        self = builder.build()
    }

    /// The vote of labeling function `lf` on `row`.
    ///
    /// - Complexity: O(log v) for v votes in the row.
    public subscript(row: Int, lf: Int) -> Vote {
        precondition(row >= 0 && row < rowCount && lf >= 0 && lf < lfCount, "index out of range")
        var lower = rowOffsets[row], upper = rowOffsets[row + 1]
        let target = UInt16(lf)
        while lower < upper {
            let middle = (lower + upper) / 2
            if voteLFs[middle] < target { lower = middle + 1 } else { upper = middle }
        }
        if lower < rowOffsets[row + 1], voteLFs[lower] == target { return .class(Int(voteClasses[lower])) }
        return .abstain
    }

    /// The (labeling function, class) pairs voted on `row`, in increasing labeling-function order.
    public func votes(inRow row: Int) -> [(lf: Int, classIndex: Int)] {
        (rowOffsets[row]..<rowOffsets[row + 1]).map { (Int(voteLFs[$0]), Int(voteClasses[$0])) }
    }

    /// Calls `body(row, lf, classIndex)` for every non-abstain vote, row by row.
    public func forEachVote(_ body: (Int, Int, Int) throws -> Void) rethrows {
        for row in 0..<rowCount {
            for index in rowOffsets[row]..<rowOffsets[row + 1] {
                try body(row, Int(voteLFs[index]), Int(voteClasses[index]))
            }
        }
    }

    /// The dense row-major raw votes (`-1` = abstain). Costs n·m integers: for small matrices and tests.
    public func denseVotes() -> [Int] {
        var dense = [Int](repeating: -1, count: rowCount * lfCount)
        forEachVote { row, lf, cls in dense[row * lfCount + lf] = cls }
        return dense
    }

    /// The rows in `range` as a new matrix (a shard).
    public func rows(_ range: Range<Int>) -> LabelMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rowCount, "row range out of bounds")
        let start = rowOffsets[range.lowerBound], end = rowOffsets[range.upperBound]
        return LabelMatrix(
            uncheckedRowCount: range.count, lfNames: lfNames, classNames: classNames,
            rowOffsets: rowOffsets[range.lowerBound...range.upperBound].map { $0 - start },
            voteLFs: Array(voteLFs[start..<end]), voteClasses: Array(voteClasses[start..<end]))
    }

    /// The rows at `indices`, in that order, as a new matrix: a dev or held-out subset. Indices must be in
    /// `0..<rowCount` (a programming error otherwise, as for ``rows(_:)-(Range<Int>)``); repeats are allowed.
    public func rows(_ indices: [Int]) -> LabelMatrix {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < rowCount }, "row index out of bounds")
        var offsets = [0]
        offsets.reserveCapacity(indices.count + 1)
        var lfs: [UInt16] = [], classes: [UInt16] = []
        for row in indices {
            let start = rowOffsets[row], end = rowOffsets[row + 1]
            lfs.append(contentsOf: voteLFs[start..<end])
            classes.append(contentsOf: voteClasses[start..<end])
            offsets.append(lfs.count)
        }
        return LabelMatrix(
            uncheckedRowCount: indices.count, lfNames: lfNames, classNames: classNames, rowOffsets: offsets,
            voteLFs: lfs,
            voteClasses: classes)
    }

    /// Stacks matrices with the same labeling functions and classes, one under another.
    public static func concatenating(_ parts: [LabelMatrix]) -> LabelMatrix {
        guard let first = parts.first else { preconditionFailure("nothing to concatenate") }
        precondition(
            parts.allSatisfy { $0.lfNames == first.lfNames && $0.classNames == first.classNames },
            "shards differ in LFs or classes")
        var offsets = [0]
        var lfs: [UInt16] = [], classes: [UInt16] = []
        for part in parts {
            let base = lfs.count
            offsets.append(contentsOf: part.rowOffsets.dropFirst().map { $0 + base })
            lfs.append(contentsOf: part.voteLFs)
            classes.append(contentsOf: part.voteClasses)
        }
        return LabelMatrix(
            uncheckedRowCount: parts.reduce(0) { $0 + $1.rowCount }, lfNames: first.lfNames,
            classNames: first.classNames, rowOffsets: offsets, voteLFs: lfs, voteClasses: classes)
    }

    /// Incrementally builds a ``LabelMatrix`` row by row.
    public struct Builder: Sendable {
        private let lfNames: [String]
        private let classNames: [String]
        private var offsets: [Int] = [0]
        private var lfs: [UInt16] = []
        private var classes: [UInt16] = []

        /// Starts an empty matrix with these labeling functions and classes.
        public init(lfNames: [String], classNames: [String], expectedVotes: Int = 0) {
            precondition(
                classNames.count >= 2 && classNames.count <= LabelMatrix.maximumDimension, "need 2…65535 classes")
            precondition(lfNames.count <= LabelMatrix.maximumDimension, "at most 65535 labeling functions")
            self.lfNames = lfNames
            self.classNames = classNames
            lfs.reserveCapacity(expectedVotes)
            classes.reserveCapacity(expectedVotes)
        }

        /// Adds a vote to the current row; labeling functions must be added in increasing order.
        public mutating func appendVote(lf: Int, classIndex: Int) {
            precondition(lf >= 0 && lf < lfNames.count, "labeling function index out of range")
            precondition(classIndex >= 0 && classIndex < classNames.count, "class index out of range")
            precondition(
                offsets.last == lfs.count || Int(lfs[lfs.count - 1]) < lf,
                "votes in a row must be added in increasing LF order")
            lfs.append(UInt16(lf))
            classes.append(UInt16(classIndex))
        }

        /// Ends the current row.
        public mutating func finishRow() { offsets.append(lfs.count) }

        /// Appends a whole row of raw votes (`-1` = abstain), one per labeling function.
        public mutating func appendRow(_ votes: [Vote]) {
            precondition(votes.count == lfNames.count, "a row needs one vote per labeling function")
            for (lf, vote) in votes.enumerated() where !vote.isAbstain { appendVote(lf: lf, classIndex: vote.rawValue) }
            finishRow()
        }

        /// The finished matrix.
        public func build() -> LabelMatrix {
            LabelMatrix(
                uncheckedRowCount: offsets.count - 1, lfNames: lfNames, classNames: classNames, rowOffsets: offsets,
                voteLFs: lfs, voteClasses: classes)
        }
    }
}

extension LabelMatrix {
    /// Default labeling-function names `lf_0`, `lf_1`, … for matrices read without names.
    public static func defaultLFNames(_ count: Int) -> [String] { (0..<count).map { "lf_\($0)" } }
    /// Default class names `"0"`, `"1"`, … for matrices read without names.
    public static func defaultClassNames(_ count: Int) -> [String] { (0..<count).map(String.init) }
}

extension LabelMatrix {
    /// Calls `body` with the matrix's compressed-row buffers: the row offsets (`rowCount + 1` of them), and each
    /// vote's labeling function and class. For hot loops over the votes, which would otherwise pay a bounds check and
    /// a reference count per access.
    public func withVoteBuffers<Result>(
        _ body: (
            _ rowOffsets: UnsafeBufferPointer<Int>, _ voteLFs: UnsafeBufferPointer<UInt16>,
            _ voteClasses: UnsafeBufferPointer<UInt16>
        ) throws -> Result
    ) rethrows -> Result {
        try rowOffsets.withUnsafeBufferPointer { offsets in
            try voteLFs.withUnsafeBufferPointer { lfs in
                try voteClasses.withUnsafeBufferPointer { classes in try body(offsets, lfs, classes) }
            }
        }
    }
}
