import Foundation

/// A task executor with threads of its own, outside Swift's cooperative pool.
///
/// Work that must keep running while the process's cooperative pool is busy — a server embedded in an app whose
/// tasks block, async work a synchronous caller waits for — runs here instead:
///
/// ```swift
/// let executor = DedicatedThreadExecutor(name: "my-server", threadCount: 2)
/// defer { executor.shutdown() }
/// try await withTaskExecutorPreference(executor) { try await server.run() }
/// ```
///
/// Structured child tasks (task groups, `async let`) inherit the preference; unstructured `Task {}` do not.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    // Invariant: `jobs` and `finished` are read and written only with `condition` locked.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    /// Starts `threadCount` threads (at least one) named `name`.
    public init(name: String, threadCount: Int = 1) {
        for index in 0..<max(1, threadCount) {
            let thread = Thread { [self] in runJobs() }
            thread.name = threadCount > 1 ? "\(name)-\(index)" : name
            thread.start()
        }
    }

    /// Queues a job for the threads.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the queued jobs have run. Call it when no task prefers this executor any more.
    public func shutdown() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
