import FoundryTestSupport
import Testing

@testable import FoundryCore

@Suite struct MatrixTests {
    /// A triple-loop product as the independent reference for BLAS.
    func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows { for j in 0..<b.columns { for k in 0..<a.columns { c[i, j] += a[i, k] * b[k, j] } } }
        return c
    }

    func random(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return Matrix(
            rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in generator.nextGaussian() })
    }

    @Test func blasProductMatchesNaiveProductWithTransposes() {
        let a = random(7, 5, seed: 1), b = random(5, 3, seed: 2)
        let expected = naiveProduct(a, b)
        #expect(a.multiplied(by: b).maxAbsoluteDifference(to: expected) < 1e-12)
        #expect(a.transposed.multiplied(by: b, transposeSelf: true).maxAbsoluteDifference(to: expected) < 1e-12)
        #expect(a.multiplied(by: b.transposed, transposeOther: true).maxAbsoluteDifference(to: expected) < 1e-12)
    }

    @Test func matrixVectorProduct() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(a.multiplied(byVector: [1, 0, -1]) == [-2, -2])
        #expect(a.multiplied(byVector: [1, 1], transpose: true) == [5, 7, 9])
    }

    @Test func solveAndInverseRecoverTheIdentity() throws {
        let a = random(6, 6, seed: 3) + 6 * Matrix.identity(6)
        let inverse = try a.inverse()
        #expect(a.multiplied(by: inverse).maxAbsoluteDifference(to: .identity(6)) < 1e-12)
    }

    @Test func singularMatrixThrows() {
        let singular = Matrix([[1, 2], [2, 4]])
        #expect(throws: FoundryCoreError.self) { try singular.inverse() }
    }

    @Test func symmetricEigenReconstructsTheMatrix() throws {
        let base = random(4, 4, seed: 4)
        let symmetric = base + base.transposed
        let (values, vectors) = try symmetric.symmetricEigen()
        #expect(values == values.sorted())
        var diagonal = Matrix(rows: 4, columns: 4)
        for i in 0..<4 { diagonal[i, i] = values[i] }
        let rebuilt = vectors.multiplied(by: diagonal).multiplied(by: vectors, transposeOther: true)
        #expect(rebuilt.maxAbsoluteDifference(to: symmetric) < 1e-10)
    }

    @Test func symmetricEigenvaluesMatchKnownValuesAndTheFullDecomposition() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let known = try Matrix([[2, 1], [1, 2]]).symmetricEigenvalues()
        #expect(abs(known[0] - 1) < 1e-12 && abs(known[1] - 3) < 1e-12)
        let base = random(5, 5, seed: 6)
        let symmetric = base + base.transposed
        let values = try symmetric.symmetricEigenvalues()
        let full = try symmetric.symmetricEigen().values
        for (a, b) in zip(values, full) { #expect(abs(a - b) < 1e-10) }
    }

    @Test func codableRoundTripIsExact() throws {
        let a = random(3, 4, seed: 5)
        let data = try JSONEncoder().encode(a)
        #expect(try JSONDecoder().decode(Matrix.self, from: data) == a)
        let bad = Data(#"{"rows": 2, "columns": 2, "values": [1, 2, 3]}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Matrix.self, from: bad) }
    }
}

import Foundation
