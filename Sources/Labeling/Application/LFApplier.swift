import Dispatch
import Foundation
import FoundryCore
import Tabular

/// Applies m labeling functions to n examples on all cores and builds the ``LabelMatrix``.
///
/// Rows are cut into blocks of ``Configuration/blockSize``; worker threads take blocks in turn,
/// evaluate every labeling function on every row of a block (each preprocessor once per row),
/// and the blocks are assembled in row order — so the matrix, the fault counts and the first
/// errors are identical whatever the number of threads.
///
/// A labeling function that throws on a row votes abstain there; ``LFApplierResult/faults`` counts
/// each function's faults and keeps the first (lowest-row) error. A vote outside `0..<k` is a fault
/// too. With ``Configuration/failFast`` the first fault stops the run with
/// ``LabelingError/labelingFunctionFailed(lf:row:reason:)``.
public struct LFApplier<Example>: Sendable {
    /// How the applier runs.
    public struct Configuration: Sendable {
        /// Worker threads; `nil` uses Foundry's loop threads (`FOUNDRY_THREADS`, else every CPU the process may use).
        public var threadCount: Int?
        /// Rows per block (the unit of work, progress and cancellation).
        public var blockSize: Int
        /// Stop at the first fault instead of abstaining.
        public var failFast: Bool

        /// Creates a configuration.
        public init(threadCount: Int? = nil, blockSize: Int = 1024, failFast: Bool = false) {
            precondition((threadCount ?? 1) >= 1, "threadCount must be at least 1")
            precondition(blockSize >= 1, "blockSize must be at least 1")
            self.threadCount = threadCount
            self.blockSize = blockSize
            self.failFast = failFast
        }
    }

    /// The labeling functions, in column order.
    public let labelingFunctions: [LabelingFunction<Example>]
    /// The class names (k = `classNames.count`).
    public let classNames: [String]
    /// How the applier runs.
    public let configuration: Configuration

    /// Creates an applier.
    ///
    /// - Parameters:
    ///   - labelingFunctions: the functions; their names become the matrix's LF names and must be unique.
    ///   - classNames: the class names (at least two).
    ///   - configuration: threads, block size, fail-fast.
    public init(
        _ labelingFunctions: [LabelingFunction<Example>], classNames: [String],
        configuration: Configuration = Configuration()
    ) {
        precondition(classNames.count >= 2 && classNames.count <= LabelMatrix.maximumDimension, "need 2…65535 classes")
        precondition(labelingFunctions.count <= LabelMatrix.maximumDimension, "at most 65535 labeling functions")
        precondition(
            Set(labelingFunctions.map(\.name)).count == labelingFunctions.count,
            "labeling-function names must be unique")
        self.labelingFunctions = labelingFunctions
        self.classNames = classNames
        self.configuration = configuration
    }

    /// Applies the functions to `examples`.
    ///
    /// - Parameters:
    ///   - examples: the rows.
    ///   - progress: called (from any thread) after each block with the rows done so far.
    ///   - cancellation: polled before each block.
    /// - Returns: the label matrix and per-function fault reports.
    /// - Throws: ``LabelingError/cancelled`` when cancelled; ``LabelingError/labelingFunctionFailed(lf:row:reason:)`` under fail-fast.
    /// - Complexity: O(n·m) function evaluations, spread over the worker threads.
    public func apply(
        _ examples: [Example], progress: ProgressHandler? = nil, cancellation: CancellationFlag? = nil
    ) throws -> LFApplierResult where Example: Sendable {
        let n = examples.count
        let blockSize = configuration.blockSize
        let blockCount = (n + blockSize - 1) / blockSize
        let threads = max(
            1, min(configuration.threadCount ?? ComputeThreads.loopThreadCount, max(blockCount, 1)))
        let assembly = Assembly<Example>(lfCount: labelingFunctions.count, rowCount: n)
        let state = RunState()
        let lfs = labelingFunctions
        let k = classNames.count
        let failFast = configuration.failFast

        let worker: @Sendable () -> Void = {
            while true {
                if state.shouldStop { return }
                if cancellation?.isCancelled == true {
                    state.stop(with: .cancelled, row: -1)
                    return
                }
                guard let blockIndex = state.claimBlock(below: blockCount) else { return }
                let range = (blockIndex * blockSize)..<min(n, (blockIndex + 1) * blockSize)
                let result = Self.evaluate(lfs, examples, range, cardinality: k, failFast: failFast)
                if failFast, let fault = result.firstFault {
                    state.stop(
                        with: .labelingFunctionFailed(lf: lfs[fault.lf].name, row: fault.row, reason: fault.message),
                        row: fault.row)
                    return
                }
                assembly.add(result, at: blockIndex)
                let done = state.addCompleted(range.count)
                progress?(Progress(completed: done, total: n))
            }
        }
        if threads == 1 {
            worker()
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in worker() }
        }
        if let error = state.error { throw error }
        if blockCount == 0 { progress?(Progress(completed: 0, total: 0)) }
        return assembly.finish(lfs: lfs, classNames: classNames)
    }

    // MARK: Per-block evaluation

    struct BlockResult: Sendable {
        var offsets: [Int]  // local: count + 1 entries, starting at 0
        var voteLFs: [UInt16]
        var voteClasses: [UInt16]
        var faultCounts: [Int]
        var firstFaults: [(row: Int, message: String)?]
        var firstFault: (lf: Int, row: Int, message: String)?
    }

    static func evaluate(
        _ lfs: [LabelingFunction<Example>], _ examples: [Example], _ range: Range<Int>, cardinality: Int, failFast: Bool
    ) -> BlockResult {
        let block = ExampleBlock(examples: examples, range: range)
        let evaluators = lfs.map { $0.bind(block) }
        let m = lfs.count
        var result = BlockResult(
            offsets: [0], voteLFs: [], voteClasses: [], faultCounts: [Int](repeating: 0, count: m),
            firstFaults: Array(repeating: nil, count: m), firstFault: nil)
        result.offsets.reserveCapacity(range.count + 1)
        result.voteLFs.reserveCapacity(range.count * max(1, m / 2))
        result.voteClasses.reserveCapacity(range.count * max(1, m / 2))
        for local in 0..<range.count {
            for lf in 0..<m {
                let vote: Vote
                do {
                    vote = try evaluators[lf](local)
                } catch {
                    recordFault(&result, lf: lf, row: range.lowerBound + local, message: "\(error)")
                    if failFast { return result }
                    continue
                }
                let raw = vote.rawValue
                if raw < 0 { continue }
                guard raw < cardinality else {
                    recordFault(
                        &result, lf: lf, row: range.lowerBound + local,
                        message: "voted class \(raw), but there are only \(cardinality) classes (0…\(cardinality - 1))")
                    if failFast { return result }
                    continue
                }
                result.voteLFs.append(UInt16(truncatingIfNeeded: lf))
                result.voteClasses.append(UInt16(truncatingIfNeeded: raw))
            }
            result.offsets.append(result.voteLFs.count)
        }
        return result
    }

    private static func recordFault(_ result: inout BlockResult, lf: Int, row: Int, message: String) {
        result.faultCounts[lf] += 1
        if result.firstFaults[lf] == nil { result.firstFaults[lf] = (row, message) }
        if result.firstFault == nil { result.firstFault = (lf, row, message) }
    }

}

// MARK: - Shared state of one run

/// Appends finished blocks to the label matrix in row order as soon as their predecessors are in,
/// so memory holds the matrix plus only the few blocks that finished out of order.
private final class Assembly<Example>: @unchecked Sendable {
    // Invariant: every mutable field is read and written only while holding `lock`.
    private let lock = NSLock()
    private let rowCount: Int
    private var parked: [Int: LFApplier<Example>.BlockResult] = [:]
    private var nextBlock = 0
    private var rowsDone = 0
    private var offsets: [Int] = [0]
    private var voteLFs: [UInt16] = []
    private var voteClasses: [UInt16] = []
    private var faultCounts: [Int]
    private var firstFaults: [(row: Int, message: String)?]

    init(lfCount: Int, rowCount: Int) {
        self.rowCount = rowCount
        faultCounts = [Int](repeating: 0, count: lfCount)
        firstFaults = Array(repeating: nil, count: lfCount)
        offsets.reserveCapacity(rowCount + 1)
    }

    func add(_ block: LFApplier<Example>.BlockResult, at index: Int) {
        lock.withLock {
            parked[index] = block
            while let next = parked.removeValue(forKey: nextBlock) {
                append(next)
                nextBlock += 1
            }
        }
    }

    private func append(_ block: LFApplier<Example>.BlockResult) {
        let rows = block.offsets.count - 1
        if voteLFs.isEmpty, rows > 0 {
            // Reserve for the whole matrix from the first block's density (+10 %), to avoid regrowth copies.
            let estimate = min(
                Int(Double(block.voteLFs.count) / Double(rows) * Double(rowCount) * 1.1) + 16,
                rowCount * faultCounts.count)
            voteLFs.reserveCapacity(estimate)
            voteClasses.reserveCapacity(estimate)
        }
        let base = voteLFs.count
        for offset in block.offsets.dropFirst() { offsets.append(base + offset) }
        voteLFs.append(contentsOf: block.voteLFs)
        voteClasses.append(contentsOf: block.voteClasses)
        for lf in faultCounts.indices {
            faultCounts[lf] += block.faultCounts[lf]
            if firstFaults[lf] == nil { firstFaults[lf] = block.firstFaults[lf] }
        }
        rowsDone += rows
    }

    func finish(lfs: [LabelingFunction<Example>], classNames: [String]) -> LFApplierResult {
        lock.withLock {
            precondition(parked.isEmpty && rowsDone == rowCount, "blocks are missing from the assembly")
            let matrix = LabelMatrix(
                uncheckedRowCount: rowCount, lfNames: lfs.map(\.name), classNames: classNames, rowOffsets: offsets,
                voteLFs: voteLFs, voteClasses: voteClasses)
            let faults = lfs.indices.map { lf in
                LFFaultReport(
                    lf: lfs[lf].name, count: faultCounts[lf], firstRow: firstFaults[lf]?.row,
                    firstError: firstFaults[lf]?.message)
            }
            return LFApplierResult(labelMatrix: matrix, faults: faults)
        }
    }
}

/// Work distribution, progress counting and the stop signal of one run.
private final class RunState: @unchecked Sendable {
    // Invariant: every mutable field is read and written only while holding `lock`.
    private let lock = NSLock()
    private var nextBlock = 0
    private var completed = 0
    private var stopped = false
    private var stopError: LabelingError?
    private var stopRow = Int.max

    var shouldStop: Bool { lock.withLock { stopped } }
    var error: LabelingError? { lock.withLock { stopError } }

    func claimBlock(below count: Int) -> Int? {
        lock.withLock {
            guard !stopped, nextBlock < count else { return nil }
            defer { nextBlock += 1 }
            return nextBlock
        }
    }

    func addCompleted(_ rows: Int) -> Int {
        lock.withLock {
            completed += rows
            return completed
        }
    }

    /// Stops the run; among several fail-fast errors the one on the lowest row wins.
    func stop(with error: LabelingError, row: Int) {
        lock.withLock {
            stopped = true
            if stopError == nil || (row >= 0 && row < stopRow && stopError != .cancelled) {
                stopError = error
                stopRow = row
            }
        }
    }
}

extension LFApplier where Example == Record {
    /// Applies the functions to the rows of a table (as ``Record``s).
    ///
    /// - Throws: see ``apply(_:progress:cancellation:)``.
    public func apply(
        _ table: TextTable, progress: ProgressHandler? = nil, cancellation: CancellationFlag? = nil
    ) throws -> LFApplierResult {
        try apply(table.records, progress: progress, cancellation: cancellation)
    }
}
