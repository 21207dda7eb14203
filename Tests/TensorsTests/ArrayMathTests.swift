import FoundryCore
import Testing

@testable import Tensors

/// The BLAS wrappers against a triple loop in Float64.
@Suite struct ArrayMathTests {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(2 * generator.nextUnitDouble() - 1) }
    }

    /// `alpha · op(a) · op(b) + beta · c` with explicit indexing.
    private func reference(
        _ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
        alpha: Double, beta: Double
    ) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let left = transposeA ? a[p * m + i] : a[i * k + p]
                    let right = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(left) * Double(right)
                }
                out[i * n + j] = alpha * sum + beta * Double(c[i * n + j])
            }
        }
        return out
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemmMatchesATripleLoopForEveryTransposition(transposeA: Bool, transposeB: Bool) {
        let m = 5, n = 4, k = 7
        let a = values(m * k, seed: 1), b = values(k * n, seed: 2), start = values(m * n, seed: 3)
        var c = start
        ArrayMath.gemm(
            a, b, into: &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 2)
        let expected = reference(
            a, b, start, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 2)
        for (value, want) in zip(c, expected) { #expect(abs(Double(value) - want) < 1e-5) }
        let product = ArrayMath.product(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        let plain = reference(
            a, b, start, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: 1, beta: 0)
        for (value, want) in zip(product, plain) { #expect(abs(Double(value) - want) < 1e-5) }
    }

    @Test func emptyInnerDimensionOnlyScalesTheResultAndEmptyResultsAreAllowed() {
        var c: [Float] = [1, 2, 3, 4]
        ArrayMath.gemm([], [], into: &c, m: 2, n: 2, k: 0, beta: 3)
        #expect(c == [3, 6, 9, 12])
        ArrayMath.gemm([], [], into: &c, m: 2, n: 2, k: 0, beta: 1)
        #expect(c == [3, 6, 9, 12])
        #expect(ArrayMath.product([], [1, 2], m: 0, n: 2, k: 1).isEmpty)
        // beta 0 clears the result without reading it, as BLAS does.
        var poisoned: [Float] = [.nan, .infinity]
        ArrayMath.gemm([], [], into: &poisoned, m: 1, n: 2, k: 0)
        #expect(poisoned == [0, 0])
    }

    @Test func axpyAddsAScaledVector() {
        let x: [Float] = [1, -2, 3]
        var y: [Float] = [10, 10, 10]
        x.withUnsafeBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
                BLAS.axpy(count: 3, alpha: 2, x: xp, y: yp)
            }
        }
        #expect(y == [12, 6, 16])
    }
}
