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
        precondition(rows == columns, "eigendecomposition needs a square matrix")
        let entryPoints = BLASEntryPoints.current
        guard let dsyevd = entryPoints.dsyevd else {
            throw FoundryCoreError.lapackUnavailable(tried: entryPoints.lapackTried)
        }
        var a = self
        var values = [Double](repeating: 0, count: rows)
        let info = dsyevd(
            CBLASConstant.rowMajor, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), Int32(rows), &a.storage,
            Int32(rows), &values)
        guard info == 0 else { throw FoundryCoreError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        return (values, a)
    }
}
