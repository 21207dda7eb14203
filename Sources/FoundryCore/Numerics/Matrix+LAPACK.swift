extension Matrix {
    /// Solves `self · X = rightHandSide` for a square `self` by LU factorization (`LAPACKE_dgesv`).
    ///
    /// - Throws: ``FoundryCoreError/lapackFailure(routine:info:)`` when the matrix is singular,
    ///   ``FoundryCoreError/lapackUnavailable(tried:)`` when no library provides LAPACKE.
    /// - Complexity: O(n³).
    public func solve(_ rightHandSide: Matrix) throws -> Matrix {
        precondition(rows == columns, "solve needs a square matrix")
        precondition(rightHandSide.rows == rows, "right-hand side has \(rightHandSide.rows) rows, expected \(rows)")
        var a = storage
        var b = rightHandSide
        let entryPoints = BLASEntryPoints.current
        guard let dgesv = entryPoints.dgesv else {
            throw FoundryCoreError.lapackUnavailable(tried: entryPoints.lapackTried)
        }
        var pivots = [Int32](repeating: 0, count: rows)
        let info = dgesv(
            CBLASConstant.rowMajor, Int32(rows), Int32(b.columns), &a, Int32(rows), &pivots, &b.storage,
            Int32(b.columns))
        guard info == 0 else { throw FoundryCoreError.lapackFailure(routine: "dgesv", info: Int(info)) }
        return b
    }

    /// The inverse of a square matrix (LU through LAPACKE).
    public func inverse() throws -> Matrix { try solve(.identity(rows)) }

    /// Eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix (`LAPACKE_dsyevd`).
    ///
    /// - Throws: ``FoundryCoreError/lapackFailure(routine:info:)`` when the iteration fails,
    ///   ``FoundryCoreError/lapackUnavailable(tried:)`` when no library provides LAPACKE.
    /// - Complexity: O(n³).
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        try symmetricEigen(job: "V")
    }

    /// `LAPACKE_dsyevd` with job `V` (eigenvectors in the returned matrix's columns) or `N` (values only).
    private func symmetricEigen(job: Unicode.Scalar) throws -> (values: [Double], vectors: Matrix) {
        precondition(rows == columns, "eigendecomposition needs a square matrix")
        let entryPoints = BLASEntryPoints.current
        guard let dsyevd = entryPoints.dsyevd else {
            throw FoundryCoreError.lapackUnavailable(tried: entryPoints.lapackTried)
        }
        var a = self
        var values = [Double](repeating: 0, count: rows)
        let info = dsyevd(
            CBLASConstant.rowMajor, CChar(UInt8(ascii: job)), CChar(UInt8(ascii: "U")), Int32(rows), &a.storage,
            Int32(rows), &values)
        guard info == 0 else { throw FoundryCoreError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        return (values, a)
    }

    /// Eigenvalues (ascending) of a symmetric matrix, without the eigenvectors (`LAPACKE_dsyevd`, job `N`): several
    /// times cheaper than ``symmetricEigen()`` when only the spectrum is needed (a numerical rank).
    ///
    /// - Throws: ``FoundryCoreError/lapackFailure(routine:info:)`` when the iteration fails,
    ///   ``FoundryCoreError/lapackUnavailable(tried:)`` when no library provides LAPACKE.
    /// - Complexity: O(n³), about (4/3)·n³ for the reduction to tridiagonal form.
    public func symmetricEigenvalues() throws -> [Double] { try symmetricEigen(job: "N").values }

    /// The thin singular value decomposition A = U·diag(S)·Vᵀ (`LAPACKE_dgesdd`, divide and conquer).
    ///
    /// - Returns: `u` (`rows × k`), the singular values `s` (descending) and `vt` (`k × columns`), k = min(rows, columns).
    /// - Throws: ``FoundryCoreError/lapackFailure(routine:info:)`` when the iteration does not converge,
    ///   ``FoundryCoreError/lapackUnavailable(tried:)`` when no library provides LAPACKE.
    /// - Complexity: O(rows · columns · k).
    public func singularValueDecomposition() throws -> (u: Matrix, s: [Double], vt: Matrix) {
        let entryPoints = BLASEntryPoints.current
        guard let dgesdd = entryPoints.dgesdd else {
            throw FoundryCoreError.lapackUnavailable(tried: entryPoints.lapackTried)
        }
        let k = Swift.min(rows, columns)
        var a = storage
        var s = [Double](repeating: 0, count: k)
        var u = Matrix(rows: rows, columns: k)
        var vt = Matrix(rows: k, columns: columns)
        let info = dgesdd(
            CBLASConstant.rowMajor, CChar(UInt8(ascii: "S")), Int32(rows), Int32(columns), &a, Int32(columns), &s,
            &u.storage, Int32(k), &vt.storage, Int32(columns))
        guard info == 0 else { throw FoundryCoreError.lapackFailure(routine: "dgesdd", info: Int(info)) }
        return (u, s, vt)
    }
}
