/// A dense, row-major matrix of `Double` on one contiguous buffer.
///
/// Products go through BLAS (`cblas_dgemm`, `cblas_dgemv` of the library ``BLASLibrary`` loads); factorizations
/// through LAPACKE
/// (see `Matrix+LAPACK.swift`). Element access is for setup and tests; hot loops should use
/// ``withUnsafeBufferPointer(_:)`` or BLAS.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries in row-major order (`rows * columns` values).
    public var storage: [Double]

    /// Creates a `rows × columns` matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// Creates a matrix from row-major values; `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "expected \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.storage = values
    }

    /// Creates a matrix from an array of equally long rows.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "all rows must have the same length")
        self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    /// The `n × n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }

    /// The entry at `row`, `column`.
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// The values of one row.
    public func row(_ index: Int) -> ArraySlice<Double> {
        storage[(index * columns)..<((index + 1) * columns)]
    }

    /// The transpose.
    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { result.storage[j * rows + i] = storage[i * columns + j] } }
        return result
    }

    /// Calls `body` with a pointer to the row-major entries.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a mutable pointer to the row-major entries.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// `alpha · op(a) · op(b) + beta · c` through `cblas_dgemm`, where `op` transposes when asked.
    ///
    /// - Complexity: O(m·n·k) floating-point operations in BLAS.
    public static func multiply(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        alpha: Double = 1, beta: Double = 0, into c: inout Matrix
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.columns == n, "output is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in c.storage.indices { c.storage[i] *= beta }
            return
        }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    BLASEntryPoints.current.dgemm(
                        CBLASConstant.rowMajor, transposeA ? CBLASConstant.transpose : CBLASConstant.noTranspose,
                        transposeB ? CBLASConstant.transpose : CBLASConstant.noTranspose,
                        Int32(m), Int32(n), Int32(k), alpha, pa.baseAddress, Int32(a.columns),
                        pb.baseAddress, Int32(b.columns), beta, pc.baseAddress, Int32(n))
                }
            }
        }
    }

    /// The product `self · other` (BLAS).
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        var c = Matrix(
            rows: transposeSelf ? columns : rows, columns: transposeOther ? other.rows : other.columns)
        Matrix.multiply(self, transposeA: transposeSelf, other, transposeB: transposeOther, into: &c)
        return c
    }

    /// The matrix–vector product `self · vector` (or `selfᵀ · vector`) through `cblas_dgemv`.
    public func multiplied(byVector vector: [Double], transpose: Bool = false) -> [Double] {
        precondition(vector.count == (transpose ? rows : columns), "vector length does not match")
        var result = [Double](repeating: 0, count: transpose ? columns : rows)
        guard rows > 0, columns > 0 else { return result }
        storage.withUnsafeBufferPointer { pa in
            vector.withUnsafeBufferPointer { px in
                result.withUnsafeMutableBufferPointer { py in
                    BLASEntryPoints.current.dgemv(
                        CBLASConstant.rowMajor, transpose ? CBLASConstant.transpose : CBLASConstant.noTranspose,
                        Int32(rows), Int32(columns), 1,
                        pa.baseAddress, Int32(columns), px.baseAddress, 1, 0, py.baseAddress, 1)
                }
            }
        }
        return result
    }

    /// Element-wise sum.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "shapes differ")
        var result = lhs
        for i in result.storage.indices { result.storage[i] += rhs.storage[i] }
        return result
    }

    /// Element-wise difference.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "shapes differ")
        var result = lhs
        for i in result.storage.indices { result.storage[i] -= rhs.storage[i] }
        return result
    }

    /// Scalar multiple.
    public static func * (lhs: Double, rhs: Matrix) -> Matrix {
        var result = rhs
        for i in result.storage.indices { result.storage[i] *= lhs }
        return result
    }

    /// The largest absolute entry-wise difference to `other`.
    public func maxAbsoluteDifference(to other: Matrix) -> Double {
        precondition(rows == other.rows && columns == other.columns, "shapes differ")
        var worst = 0.0
        for i in storage.indices { worst = Swift.max(worst, abs(storage[i] - other.storage[i])) }
        return worst
    }

    /// The values row by row, six decimals, for printing.
    public var description: String {
        (0..<rows).map { r in row(r).map { String(format6: $0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}

extension String {
    fileprivate init(format6 value: Double) {
        let scaled = (value * 1_000_000).rounded() / 1_000_000
        self = "\(scaled)"
    }
}

extension Matrix: Codable {
    private enum CodingKeys: String, CodingKey { case rows, columns, values }

    /// Decodes `rows`, `columns` and row-major `values`, checking that the count matches.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let values = try container.decode([Double].self, forKey: .values)
        guard rows >= 0, columns >= 0, values.count == rows * columns else {
            throw DecodingError.dataCorruptedError(
                forKey: .values, in: container,
                debugDescription: "expected \(rows)×\(columns) values, got \(values.count)")
        }
        self.init(rows: rows, columns: columns, values: values)
    }

    /// Encodes `rows`, `columns` and the row-major `values`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(columns, forKey: .columns)
        try container.encode(storage, forKey: .values)
    }
}
