import CLAPACKE

extension Matrix {
    /// Solves `self · X = rightHandSide` for a square `self` by LU factorization (`LAPACKE_dgesv`).
    ///
    /// - Throws: ``FoundryCoreError/lapackFailure(routine:info:)`` when the matrix is singular.
    /// - Complexity: O(n³).
    public func solve(_ rightHandSide: Matrix) throws -> Matrix {
        precondition(rows == columns, "solve needs a square matrix")
        precondition(rightHandSide.rows == rows, "right-hand side has \(rightHandSide.rows) rows, expected \(rows)")
        var a = storage
        var b = rightHandSide
        var pivots = [clapack_int](repeating: 0, count: rows)
        let info = LAPACKE_dgesv(
            LAPACK_ROW_MAJOR, clapack_int(rows), clapack_int(b.columns), &a, clapack_int(rows), &pivots,
            &b.storage, clapack_int(b.columns))
        guard info == 0 else { throw FoundryCoreError.lapackFailure(routine: "dgesv", info: Int(info)) }
        return b
    }

    /// The inverse of a square matrix (LU through LAPACKE).
    public func inverse() throws -> Matrix { try solve(.identity(rows)) }

    /// Eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix (`LAPACKE_dsyevd`).
    ///
    /// - Complexity: O(n³).
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        precondition(rows == columns, "eigendecomposition needs a square matrix")
        var a = self
        var values = [Double](repeating: 0, count: rows)
        let info = LAPACKE_dsyevd(
            LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), clapack_int(rows), &a.storage,
            clapack_int(rows), &values)
        guard info == 0 else { throw FoundryCoreError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        return (values, a)
    }
}
