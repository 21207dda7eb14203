import FoundryCore
import Tensors

/// Re-factors a merged update ΔW (`outputs × inputs`) into LoRA factors by truncated singular value decomposition.
///
/// ΔW = U·S·Vᵀ (LAPACK `dgesdd` in Float64 on the Float32 input); the rank-r factors are B′ = U_r·S_r and A′ = Vᵀ_r, as
/// PEFT's SVD merges split them (all of S on the B side, so A′ has orthonormal rows). B′·A′ is the best rank-r
/// approximation of ΔW in the Frobenius norm (Eckart–Young); singular vectors are defined only up to sign, so compare
/// B′·A′, never the factors.
public enum LowRankFactorization {
    /// The truncated SVD factors of a row-major matrix.
    /// - Parameters:
    ///   - matrix: `rows × columns` values, row-major.
    ///   - rows: ΔW's outputs.
    ///   - columns: ΔW's inputs.
    ///   - rank: the rank r of the factors; beyond min(rows, columns) the extra factors are zero.
    ///   - name: the tensor named in errors.
    /// - Returns: `up` (B′, `rows × rank`), `down` (A′, `rank × columns`) and all singular values, descending.
    /// - Throws: ``MergingError/numericalFailure(tensor:reason:)`` when LAPACK does not converge or the matrix is not
    ///   finite.
    /// - Complexity: O(rows · columns · min(rows, columns)).
    public static func truncated(
        _ matrix: [Float], rows: Int, columns: Int, rank: Int, name: String
    ) throws -> (up: Tensor, down: Tensor, singularValues: [Double]) {
        precondition(matrix.count == rows * columns && rank > 0, "matrix size or rank invalid")
        guard matrix.allSatisfy({ $0.isFinite }) else {
            throw MergingError.numericalFailure(tensor: name, reason: "the merged update holds NaN or infinite values")
        }
        let k = min(rows, columns)
        let decomposition: (u: Matrix, s: [Double], vt: Matrix)
        do {
            decomposition = try Matrix(rows: rows, columns: columns, values: matrix.map(Double.init))
                .singularValueDecomposition()
        } catch {
            throw MergingError.numericalFailure(tensor: name, reason: "\(error)")
        }
        let (u, s, vt) = (decomposition.u.storage, decomposition.s, decomposition.vt.storage)
        let kept = min(rank, k)
        var up = Tensor(shape: [rows, rank])
        var down = Tensor(shape: [rank, columns])
        for i in 0..<rows {
            for j in 0..<kept { up.scalars[i * rank + j] = Float(u[i * k + j] * s[j]) }
        }
        for j in 0..<kept {
            for c in 0..<columns { down.scalars[j * columns + c] = Float(vt[j * columns + c]) }
        }
        return (up, down, s)
    }
}
