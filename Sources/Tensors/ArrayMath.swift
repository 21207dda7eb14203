/// Matrix products on row-major `[Float]` buffers (through `cblas_sgemm`), for code that keeps its values in arrays.
public enum ArrayMath {
    /// `c ← alpha · op(a) · op(b) + beta · c`, where `op(a)` is `m × k` and `op(b)` is `k × n`.
    ///
    /// - Parameters:
    ///   - a: `m × k` values (stored `k × m` when `transposeA`).
    ///   - b: `k × n` values (stored `n × k` when `transposeB`).
    ///   - c: the `m × n` result, updated in place.
    ///   - m: rows of the result.
    ///   - n: columns of the result.
    ///   - k: the inner dimension.
    ///   - transposeA: `a` holds `op(a)ᵀ`.
    ///   - transposeB: `b` holds `op(b)ᵀ`.
    ///   - alpha: scale of the product.
    ///   - beta: scale of the existing `c` (0 overwrites it).
    /// - Complexity: O(m · n · k).
    public static func gemm(
        _ a: [Float], _ b: [Float], into c: inout [Float], m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "buffer too small for the product")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // An empty product: only the scaling of c remains (and a and b may be empty, without storage).
            c.withUnsafeMutableBufferPointer { cb in
                guard let cp = cb.baseAddress else { return }
                for i in 0..<(m * n) { cp[i] = beta == 0 ? 0 : cp[i] * beta }
            }
            return
        }
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

    /// A new `m × n` product `alpha · op(a) · op(b)`; the arguments are those of
    /// ``gemm(_:_:into:m:n:k:transposeA:transposeB:alpha:beta:)``.
    ///
    /// - Returns: `m × n` values, row-major.
    public static func product(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        gemm(a, b, into: &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
        return c
    }
}
