import FoundryCore

/// TSV-Merge (Gargiulo et al., "Task Singular Vectors: Reducing Task Interference in Model Merging", CVPR 2025) of
/// one module's updates.
///
/// Each weighted update wᵢ·ΔWᵢ is decomposed as Uᵢ·Sᵢ·Vᵢᵀ and cut to its first kᵢ singular vectors. The vectors of all
/// tasks are set side by side, U = [U₁ … Uₙ], V = [V₁ … Vₙ], and each side is replaced by its nearest matrix with
/// orthonormal columns (the polar factor P·Qᵀ of U = P·Σ·Qᵀ, the orthogonal Procrustes solution). The merged update is
/// λ·U⊥·diag(S₁ … Sₙ)·V⊥ᵀ. Where [U₁ … Uₙ] is rank-deficient (two tasks with one singular vector), only its range
/// is made orthonormal (``polarFactor(columns:rows:name:)``).
///
/// When the tasks already use orthogonal input and output subspaces nothing changes, and the result is task
/// arithmetic, λ·Σᵢ wᵢΔWᵢ. Where their singular vectors overlap, the overlap is what task arithmetic double counts:
/// n copies of one update, each with weight 1, merge to that update once instead of n times. The paper keeps
/// kᵢ = ⌊min(outputs, inputs) / n⌋ vectors of a full-rank task matrix; a LoRA update has rank rᵢ at most, so
/// kᵢ = min(rᵢ, ⌊min(outputs, inputs) / n⌋) keeps all of it whenever n·rᵢ fits. Singular values below an update's
/// numerical rank (σ₁ · max(outputs, inputs) · ε of Float32) are dropped, so an all-zero update adds nothing.
///
/// All decompositions are LAPACK `dgesdd` in Float64 (``Matrix/singularValueDecomposition()``).
public enum TaskSingularVectors {
    /// The TSV-Merge of one module.
    /// - Parameters:
    ///   - deltas: each task's ΔWᵢ, `outputs × inputs` row-major.
    ///   - weights: one weight per task (wᵢ scales ΔWᵢ before its decomposition).
    ///   - inputs: ΔW's columns.
    ///   - ranks: singular vectors kept per task before the paper's 1/n cap (a LoRA adapter's rank).
    ///   - lambda: the scaling λ of the merged update (the paper's α).
    ///   - name: the tensor named in errors.
    /// - Returns: the merged `outputs × inputs` update.
    /// - Throws: ``MergingError/numericalFailure(tensor:reason:)`` when an update is not finite or LAPACK fails.
    /// - Complexity: O(n · outputs · inputs · min(outputs, inputs)) for the per-task decompositions.
    public static func merge(
        _ deltas: [[Float]], weights: [Float], inputs: Int, ranks: [Int], lambda: Float, name: String
    ) throws -> [Float] {
        precondition(!deltas.isEmpty && deltas.count == weights.count && deltas.count == ranks.count, "one per task")
        let outputs = deltas[0].count / inputs
        let cap = max(1, min(outputs, inputs) / deltas.count)
        var left: [[Double]] = []  // columns of U, one array per kept vector
        var right: [[Double]] = []  // columns of V
        var values: [Double] = []
        for (index, delta) in deltas.enumerated() {
            guard delta.allSatisfy({ $0.isFinite }) else {
                throw MergingError.numericalFailure(
                    tensor: name, reason: "task \(index + 1)'s update holds NaN or infinite values")
            }
            let weight = Double(weights[index])
            let matrix = Matrix(rows: outputs, columns: inputs, values: delta.map { Double($0) * weight })
            let (u, s, vt) = try decomposed(matrix, name: name)
            let k = s.count
            // Directions below the update's numerical rank carry nothing but would still be made orthonormal.
            let tolerance = (s.first ?? 0) * Double(max(outputs, inputs)) * Double(Float.ulpOfOne)
            for j in 0..<min(ranks[index], cap, k) where s[j] > tolerance {
                left.append((0..<outputs).map { u.storage[$0 * k + j] })
                right.append((0..<inputs).map { vt.storage[j * inputs + $0] })
                values.append(s[j])
            }
        }
        guard !values.isEmpty else { return [Float](repeating: 0, count: outputs * inputs) }
        let orthogonalLeft = try polarFactor(columns: left, rows: outputs, name: name)
        let orthogonalRight = try polarFactor(columns: right, rows: inputs, name: name)
        // λ · U⊥ · diag(S) · V⊥ᵀ
        let count = values.count
        var scaledLeft = orthogonalLeft
        for row in 0..<outputs {
            for j in 0..<count { scaledLeft.storage[row * count + j] *= values[j] * Double(lambda) }
        }
        let merged = scaledLeft.multiplied(by: orthogonalRight, transposeOther: true)
        return merged.storage.map { Float($0) }
    }

    /// The matrix with orthonormal columns nearest to X = [columns] in the Frobenius norm: P·Qᵀ from X = P·Σ·Qᵀ.
    ///
    /// Singular values at or below X's numerical rank tolerance (σ₁ · max(rows, columns) · ε of Float32, the precision
    /// of the updates) are left out: P·Qᵀ is unique only on X's range, and LAPACK's basis for the rest is arbitrary.
    /// Two tasks with the same singular vector so share one direction instead of each getting an arbitrary one.
    static func polarFactor(columns: [[Double]], rows: Int, name: String) throws -> Matrix {
        let count = columns.count
        var matrix = Matrix(rows: rows, columns: count)
        for (j, column) in columns.enumerated() { for i in 0..<rows { matrix.storage[i * count + j] = column[i] } }
        guard count > 0 else { return matrix }
        let (p, sigma, qt) = try decomposed(matrix, name: name)
        let tolerance = (sigma.first ?? 0) * Double(max(rows, count)) * Double(Float.ulpOfOne)
        let rank = sigma.filter { $0 > tolerance }.count
        guard rank > 0 else { return Matrix(rows: rows, columns: count) }
        let k = sigma.count
        let left = Matrix(
            rows: rows, columns: rank, values: (0..<rows).flatMap { i in p.storage[(i * k)..<(i * k + rank)] })
        let right = Matrix(rows: rank, columns: count, values: Array(qt.storage[0..<(rank * count)]))
        return left.multiplied(by: right)
    }

    static func decomposed(_ matrix: Matrix, name: String) throws -> (u: Matrix, s: [Double], vt: Matrix) {
        do {
            return try matrix.singularValueDecomposition()
        } catch {
            throw MergingError.numericalFailure(tensor: name, reason: "\(error)")
        }
    }
}
