import Testing

@testable import Tensors

@Suite struct TensorTests {
    @Test func matmulAgreesWithAHandComputedProduct() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        #expect(a.matmul(b) == Tensor(shape: [2, 2], scalars: [58, 64, 139, 154]))
        // x Wᵀ as in a linear layer: W is 2 × 3.
        let w = Tensor(shape: [2, 3], scalars: [1, 0, -1, 0.5, 0.5, 0.5])
        #expect(a.matmul(w, transposeRight: true) == Tensor(shape: [2, 2], scalars: [-2, 3, -2, 7.5]))
    }

    @Test func shapesSubscriptsAndNorm() {
        var t = Tensor(shape: [2, 2], repeating: 1)
        t[1, 0] = 3
        #expect(t.scalars == [1, 1, 3, 1] && t.rows == 2 && t.columns == 2 && t.count == 4)
        #expect(t.reshaped([4]).shape == [4])
        #expect(abs(t.norm - 12.0.squareRoot()) < 1e-12)
        #expect(Tensor(shape: [0, 3]).matmul(Tensor(shape: [3, 2])).shape == [0, 2])
    }
}
