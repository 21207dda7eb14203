import FoundryCore

/// Thin wrappers over single-precision CBLAS routines on raw row-major buffers, called through the library
/// FoundryCore loads at run time (``BLASLibrary``).
///
/// The callers own the buffers and their sizes; the wrappers only translate to `cblas_s*` calls (and skip empty
/// products, which some BLAS builds reject).
public enum BLAS {
    /// `C ← alpha · op(A) · op(B) + beta · C`, all row-major (`cblas_sgemm`).
    ///
    /// - Parameters:
    ///   - transposeA: use `Aᵀ`, so that `op(A)` is `m × k` while `A` is stored `k × m`.
    ///   - transposeB: use `Bᵀ`, so that `op(B)` is `k × n` while `B` is stored `n × k`.
    ///   - m: rows of `op(A)` and of `C`.
    ///   - n: columns of `op(B)` and of `C`.
    ///   - k: the inner dimension; with `k == 0` the product is zero and `C` is only scaled by `beta`.
    ///   - alpha: scale of the product.
    ///   - a: `A`'s first element.
    ///   - lda: distance between `A`'s stored rows (at least its stored width).
    ///   - b: `B`'s first element.
    ///   - ldb: distance between `B`'s stored rows.
    ///   - beta: scale of the existing `C` (0 ignores its contents).
    ///   - c: `C`'s first element, `m × n` with row distance `ldc`.
    ///   - ldc: distance between `C`'s rows (at least `n`).
    /// - Complexity: O(m · n · k).
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            // As BLAS does: beta 0 clears C without reading it (so NaN there does not survive).
            if beta == 0 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } }
            } else if beta != 1 {
                for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            }
            return
        }
        BLASEntryPoints.current.sgemm(
            CBLASConstant.rowMajor, transposeA ? CBLASConstant.transpose : CBLASConstant.noTranspose,
            transposeB ? CBLASConstant.transpose : CBLASConstant.noTranspose,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y ← alpha · x + y` over `count` contiguous values (`cblas_saxpy`).
    ///
    /// - Parameters:
    ///   - count: number of values.
    ///   - alpha: scale of `x`.
    ///   - x: the values added.
    ///   - y: the values updated in place.
    @inline(__always)
    public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        BLASEntryPoints.current.saxpy(Int32(count), alpha, x, 1, y, 1)
    }
}
