/// Matrix products on row-major `[Float]` buffers (through `cblas_sgemm`).
public enum ArrayMath {
    /// `c ← alpha · op(a) · op(b) + beta · c`, where `op(a)` is `m × k` and `op(b)` is `k × n`.
    public static func gemm(
        _ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "buffer too small for the product")
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                c.withUnsafeMutableBufferPointer { cb in
                    guard let ap = ab.baseAddress, let bp = bb.baseAddress, let cp = cb.baseAddress else { return }
                    BLAS.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: ap, lda: transposeA ? m : k, b: bp, ldb: transposeB ? k : n, beta: beta, c: cp, ldc: n)
                }
            }
        }
    }

    /// A new `m × n` product `alpha · op(a) · op(b)`.
    public static func product(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        gemm(a, b, into: &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
        return c
    }
}
