import Dispatch

/// Deterministic data parallelism: splits `0..<count` into fixed-size chunks and runs them on Foundry's loop threads
/// (``ComputeThreads/loopThreadCount``: `FOUNDRY_THREADS`, else the CPUs the process may use).
///
/// Chunk boundaries depend only on `count` and `chunkSize`, never on the number of threads, so
/// code that computes one partial result per chunk and then combines the partials in chunk
/// order gets the same bits whatever the machine.
public enum ParallelChunks {
    /// The chunk ranges `0..<count` is split into.
    public static func ranges(count: Int, chunkSize: Int) -> [Range<Int>] {
        precondition(chunkSize > 0, "chunk size must be positive")
        return stride(from: 0, to: count, by: chunkSize).map { $0..<min(count, $0 + chunkSize) }
    }

    /// Calls `body(chunkIndex, range)` for every chunk, concurrently.
    ///
    /// - Parameter maxThreads: at most this many workers (default: ``ComputeThreads/loopThreadCount``); `1` runs the
    ///   chunks in order on the calling thread (same results, for tests).
    public static func forEach(
        count: Int, chunkSize: Int, maxThreads: Int? = nil, _ body: (Int, Range<Int>) -> Void
    ) {
        let chunks = ranges(count: count, chunkSize: chunkSize)
        let workers = min(chunks.count, maxThreads ?? ComputeThreads.loopThreadCount)
        if workers <= 1 {
            for (index, range) in chunks.enumerated() { body(index, range) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendableBox(escapable)
            if workers >= ComputeThreads.availableCPUs {
                // Dispatch runs at most one iteration per CPU at a time and balances the chunks itself.
                DispatchQueue.concurrentPerform(iterations: chunks.count) { index in box.value(index, chunks[index]) }
            } else {
                // Fewer workers than CPUs: worker w takes chunks w, w + workers, w + 2·workers, …
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for index in stride(from: worker, to: chunks.count, by: workers) { box.value(index, chunks[index]) }
                }
            }
        }
    }
}

/// Carries a non-`Sendable` closure into `DispatchQueue.concurrentPerform`.
///
/// Invariant: `concurrentPerform` returns only after every iteration has finished, so the closure never
/// outlives the call; callers of ``ParallelChunks/forEach(count:chunkSize:maxThreads:_:)`` write only
/// to memory owned by their own chunk (disjoint rows or a per-chunk partial), so iterations never race.
private struct UncheckedSendableBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
