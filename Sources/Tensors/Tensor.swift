/// An n-dimensional array of `Float` values stored row-major on one contiguous buffer.
///
/// Tensors are values (copy-on-write through the underlying array). Matrix products use
/// `cblas_sgemm`; see ``matmul(_:_:transposeRight:)``.
public struct Tensor: Sendable, Equatable {
    /// The dimensions, outermost first.
    public private(set) var shape: [Int]
    /// The values in row-major order. Mutate values in place; the count must stay `shape.reduce(1, *)`.
    public var scalars: [Float]

    /// Creates a tensor from values in row-major order.
    /// - Parameters:
    ///   - shape: the dimensions; their product must equal `scalars.count`.
    ///   - scalars: the values.
    public init(shape: [Int], scalars: [Float]) {
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == scalars.count, "shape does not match the value count")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension")
        self.shape = shape
        self.scalars = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of rows of a 2-D tensor (the first dimension).
    public var rows: Int { shape.first ?? 1 }

    /// The number of columns of a 2-D tensor (the product of all but the first dimension).
    public var columns: Int { shape.dropFirst().reduce(1, *) }

    /// The element at a 2-D index.
    public subscript(row: Int, column: Int) -> Float {
        get { scalars[row * columns + column] }
        set { scalars[row * columns + column] = newValue }
    }

    /// The same values under a new shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// The Frobenius (L2) norm of all elements, accumulated in Double.
    public var norm: Double {
        var sum = 0.0
        for value in scalars { sum += Double(value) * Double(value) }
        return sum.squareRoot()
    }

    /// The matrix product of two 2-D tensors, `self · other` or `self · otherᵀ`.
    /// - Parameters:
    ///   - other: the right operand.
    ///   - transposeRight: use `otherᵀ` (as in a linear layer `x Wᵀ`).
    /// - Returns: a `rows × n` tensor.
    /// - Complexity: O(rows · n · k) through `cblas_sgemm`.
    public func matmul(_ other: Tensor, transposeRight: Bool = false) -> Tensor {
        let m = rows, k = columns
        let n = transposeRight ? other.rows : other.columns
        precondition((transposeRight ? other.columns : other.rows) == k, "inner dimensions differ")
        var out = Tensor(shape: [m, n])
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                out.scalars.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    BLAS.gemm(
                        transposeA: false, transposeB: transposeRight, m: m, n: n, k: k, alpha: 1,
                        a: a, lda: k, b: b, ldb: other.columns, beta: 0, c: c, ldc: n)
                }
            }
        }
        return out
    }
}
