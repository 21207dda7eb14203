import Foundation
import FoundryCore

/// The single-precision matrix-product rate this machine sustains with every worker busy at once: a yardstick for
/// benchmarks that ask how close a workload built on GEMM runs to what the CPU can do.
///
/// Each of ``workers`` threads multiplies its own `rows × inner` matrix by the transpose of its own
/// `columns × inner` matrix (the shape of `x · Wᵀ` in a linear layer) through ``BLAS/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``,
/// one BLAS thread each when there are several workers, for at least ``seconds``. The rate is the sum of the
/// workers' own rates, since they run side by side.
public struct GEMMThroughput: Sendable, Equatable, Codable {
    /// Rows of the left operand (tokens in a batch).
    public var rows: Int
    /// The inner dimension (a layer's input width).
    public var inner: Int
    /// Columns of the product (a layer's output width).
    public var columns: Int
    /// Threads multiplying at the same time.
    public var workers: Int
    /// Products computed, all workers together.
    public var products: Int
    /// The longest time one worker ran.
    public var seconds: Double
    /// Billions of floating-point operations per second (2 per multiply–add), summed over the workers.
    public var gflopsPerSecond: Double
    /// The first value of the last product of the worker that finished lowest: both operands are ones, so it is
    /// ``inner`` when every product was really computed.
    public var firstValue: Float

    /// Measures the rate.
    ///
    /// - Parameters:
    ///   - rows: rows of each worker's left operand.
    ///   - inner: the inner dimension.
    ///   - columns: columns of each product.
    ///   - workers: threads computing at once (1 lets BLAS use its own threads on the one product).
    ///   - seconds: how long each worker keeps multiplying (at least two products each are always timed).
    /// - Returns: the measurement.
    public static func measure(rows: Int, inner: Int, columns: Int, workers: Int, seconds: Double) -> GEMMThroughput {
        let rows = max(1, rows), inner = max(1, inner), columns = max(1, columns), workers = max(1, workers)
        let results = WorkerResults(count: workers)
        let work: () -> Void = {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let left = [Float](repeating: 1, count: rows * inner)
                let right = [Float](repeating: 1, count: columns * inner)
                var product = [Float](repeating: 0, count: rows * columns)
                func multiply() {
                    left.withUnsafeBufferPointer { a in
                        right.withUnsafeBufferPointer { b in
                            product.withUnsafeMutableBufferPointer { c in
                                guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else {
                                    return
                                }
                                BLAS.gemm(
                                    transposeA: false, transposeB: true, m: rows, n: columns, k: inner, alpha: 1,
                                    a: a, lda: inner, b: b, ldb: inner, beta: 0, c: c, ldc: columns)
                            }
                        }
                    }
                }
                multiply()  // warm-up: pages touched, BLAS buffers allocated
                let start = DispatchTime.now().uptimeNanoseconds
                var count = 0
                var elapsed = 0.0
                while count < 2 || elapsed < seconds {
                    multiply()
                    count += 1
                    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                }
                results.set(worker, products: count, seconds: elapsed, check: product[0])
            }
        }
        if workers > 1 {
            ComputeThreads.withBLASPerWorker { _ in work() }
        } else {
            work()
        }
        let perWorker = results.all
        let operations = 2.0 * Double(rows) * Double(inner) * Double(columns)
        let rate = perWorker.reduce(0.0) { $0 + operations * Double($1.products) / max($1.seconds, 1e-9) }
        return GEMMThroughput(
            rows: rows, inner: inner, columns: columns, workers: workers,
            products: perWorker.reduce(0) { $0 + $1.products },
            seconds: perWorker.map(\.seconds).max() ?? 0, gflopsPerSecond: rate / 1e9,
            firstValue: perWorker.map(\.check).min() ?? 0)
    }
}

/// Each worker's count, time and check value.
///
/// Invariant (`@unchecked Sendable`): every slot is written by exactly one worker (its index), under `lock`, and read
/// only after `concurrentPerform` has returned.
private final class WorkerResults: @unchecked Sendable {
    struct Result { var products = 0, seconds = 0.0, check: Float = 0 }
    private let lock = NSLock()
    private var results: [Result]
    init(count: Int) { results = Array(repeating: Result(), count: count) }
    func set(_ index: Int, products: Int, seconds: Double, check: Float) {
        lock.lock()
        defer { lock.unlock() }
        results[index] = Result(products: products, seconds: seconds, check: check)
    }
    var all: [Result] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
