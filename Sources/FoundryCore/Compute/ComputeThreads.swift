import CPlatform
import Foundation

/// How many threads Foundry computes with: the one place that decides both the BLAS library's threads and the
/// workers of Foundry's own parallel loops (``ParallelChunks``), so that the two never ask for more cores than the
/// process may use.
///
/// Foundry's loops and BLAS calls alternate — a loop never runs while a multi-threaded BLAS call does, and the BLAS
/// calls made inside a loop (the encoder's per-head attention products) are small enough that the BLAS runs them on
/// the calling thread — so both get every core: ``loopThreads`` and ``blasThreads`` are the same number unless the
/// user set a BLAS's own variable. To keep idle BLAS workers from spinning on the cores a loop needs, Foundry also
/// asks OpenBLAS to put them to sleep quickly (see ``BLASLibrary``).
///
/// The number is, in order: `FOUNDRY_THREADS` (a positive integer); else the CPUs this process may run on (its
/// affinity mask, as `taskset` or a container sets it). A BLAS thread variable the user set
/// (`OPENBLAS_NUM_THREADS`, `MKL_NUM_THREADS`, `BLIS_NUM_THREADS`, `OMP_NUM_THREADS`) is left to the BLAS unless
/// `FOUNDRY_THREADS` is set too.
public struct ComputeThreads: Sendable, Equatable, Codable {
    /// Workers of Foundry's own parallel loops.
    public var loopThreads: Int
    /// Threads the BLAS library is told to use; `nil` when a variable of the BLAS's own decides.
    public var blasThreads: Int?
    /// Why: which variable or which CPU count decided.
    public var reason: String

    /// Creates a decision (for tests).
    public init(loopThreads: Int, blasThreads: Int?, reason: String) {
        precondition(loopThreads > 0, "at least one thread")
        self.loopThreads = loopThreads
        self.blasThreads = blasThreads
        self.reason = reason
    }

    /// The variables through which users set a BLAS library's own thread count.
    public static let blasThreadVariables = [
        "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS",
    ]

    /// Decides from an environment and the CPUs available.
    /// - Parameters:
    ///   - environment: the process environment (`FOUNDRY_THREADS` and the BLAS thread variables are read).
    ///   - availableCPUs: the CPUs the process may run on.
    /// - Throws: ``FoundryCoreError/invalidEnvironment(variable:value:expected:)`` when `FOUNDRY_THREADS` is not a
    ///   positive integer.
    public static func resolve(environment: [String: String], availableCPUs: Int) throws(FoundryCoreError)
        -> ComputeThreads
    {
        let cpus = max(1, availableCPUs)
        if let value = environment["FOUNDRY_THREADS"] {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard let count = Int(trimmed), count > 0, count <= 4096 else {
                throw FoundryCoreError.invalidEnvironment(
                    variable: "FOUNDRY_THREADS", value: value, expected: "a whole number of threads from 1 to 4096")
            }
            return ComputeThreads(loopThreads: count, blasThreads: count, reason: "FOUNDRY_THREADS=\(count)")
        }
        let cpuText = cpus == 1 ? "the 1 CPU" : "the \(cpus) CPUs"
        if let variable = blasThreadVariables.first(where: { environment[$0] != nil }) {
            return ComputeThreads(
                loopThreads: cpus, blasThreads: nil,
                reason: "\(variable)=\(environment[variable] ?? "") set by the user decides the BLAS threads; "
                    + "Foundry's loops use \(cpuText) this process may run on")
        }
        return ComputeThreads(
            loopThreads: cpus, blasThreads: cpus, reason: "\(cpuText) this process may run on (FOUNDRY_THREADS unset)")
    }

    /// The decision for this process (`FOUNDRY_THREADS` read once); an invalid `FOUNDRY_THREADS` is reported by
    /// ``BLASLibrary/shared()``, and loops then use the available CPUs.
    public static let current: Result<ComputeThreads, FoundryCoreError> = {
        do throws(FoundryCoreError) {
            return .success(try resolve(environment: ProcessInfo.processInfo.environment, availableCPUs: availableCPUs))
        } catch {
            return .failure(error)
        }
    }()

    /// Workers for Foundry's parallel loops in this process.
    public static var loopThreadCount: Int {
        (try? current.get())?.loopThreads ?? availableCPUs
    }

    /// The CPUs this process may run on: its scheduler affinity mask on Linux, else the active processor count.
    public static let availableCPUs: Int = {
        let affinity = Int(foundry_affinity_cpu_count())
        return affinity > 0 ? affinity : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}

extension ComputeThreads {
    /// Runs `body` in the mode where each of Foundry's loop workers makes its own BLAS calls: the BLAS runs every call
    /// on its calling thread, and `body` receives how many workers it may run side by side.
    ///
    /// This suits a job of many independent medium-sized products (the encoder's batches): one worker per core, each
    /// with whole products, instead of every product split across the cores — no hand-offs between BLAS threads and
    /// loop threads, no cores idle during the work between products. The count passed is 1 (call the BLAS as usual,
    /// from one thread at a time) when Foundry does not decide the BLAS's threads (a BLAS thread variable set by the
    /// user, a library without a thread setter, no library) or there is one thread.
    ///
    /// While any such scope is open, every BLAS call of the process is single-threaded, also those made outside it;
    /// the decided thread count comes back when the last scope closes. Scopes may nest and overlap across threads.
    /// - Parameter body: receives the number of workers (≥ 1).
    /// - Returns: what `body` returns.
    public static func withBLASPerWorker<T>(_ body: (_ workers: Int) throws -> T) rethrows -> T {
        guard let threads = try? current.get(), let blasThreads = threads.blasThreads, blasThreads > 1,
            let setThreads = BLASRuntime.entryPoints?.setThreads
        else { return try body(1) }
        BLASThreadScope.shared.enter(setThreads)
        defer { BLASThreadScope.shared.leave(setThreads, restoring: blasThreads) }
        return try body(threads.loopThreads)
    }
}

/// How many ``ComputeThreads/withBLASPerWorker(_:)`` scopes are open.
///
/// Invariant (`@unchecked Sendable`): `depth` is read and written only while holding `lock`, and the BLAS thread count
/// is set under the same lock, so the first scope in and the last scope out decide it.
final class BLASThreadScope: @unchecked Sendable {
    static let shared = BLASThreadScope()
    private let lock = NSLock()
    private var depth = 0

    func enter(_ setThreads: (Int) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if depth == 0 { setThreads(1) }
        depth += 1
    }

    func leave(_ setThreads: (Int) -> Void, restoring threads: Int) {
        lock.lock()
        defer { lock.unlock() }
        depth -= 1
        if depth == 0 { setThreads(threads) }
    }
}
