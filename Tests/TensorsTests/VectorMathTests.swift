import Foundation
import FoundryCore
import Testing

@testable import Tensors

/// The eight-lane elementary functions against Float64 libm, and the vectorized kernels' properties that the scalar
/// tests in `KernelsTests` (short rows) do not reach: full vectors plus tails, the fused residual, the softmax gradient.
@Suite struct VectorMathTests {
    private func values(_ count: Int, seed: UInt64, scale: Double) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float((2 * generator.nextUnitDouble() - 1) * scale) }
    }

    private func lanes(_ values: ArraySlice<Float>) -> SIMD8<Float> {
        var vector = SIMD8<Float>()
        for (lane, value) in values.enumerated() { vector[lane] = value }
        return vector
    }

    @Test func expIsWithin2e7RelativeOfLibm() {
        let x = values(8_000, seed: 1, scale: 87) + [0, 1, -1, 88, -87, 0.5, -0.5, 1e-8]
        var worst = 0.0
        for start in stride(from: 0, to: x.count - 7, by: 8) {
            let result = VectorMath.exp(lanes(x[start..<(start + 8)]))
            for lane in 0..<8 {
                let expected = Foundation.exp(Double(x[start + lane]))
                worst = max(worst, abs(Double(result[lane]) - expected) / expected)
            }
        }
        #expect(worst < 2e-7, "worst relative error \(worst)")
        #expect(VectorMath.exp(SIMD8(repeating: 0)) == SIMD8(repeating: 1))
        // Clamped below: no zero, no NaN, no denormal trouble for −∞ (the masked softmax lanes).
        let tiny = VectorMath.exp(SIMD8(repeating: -.infinity))
        #expect(tiny[0] > 0 && tiny[0] < 2e-38)
    }

    @Test func erfIsWithin5e7OfLibm() {
        let x = values(8_000, seed: 2, scale: 6) + [0, 1, -1, 4, -4, 10, -10, 0.001]
        var worst = 0.0
        for start in stride(from: 0, to: x.count - 7, by: 8) {
            let result = VectorMath.erf(lanes(x[start..<(start + 8)]))
            for lane in 0..<8 {
                worst = max(worst, abs(Double(result[lane]) - Foundation.erf(Double(x[start + lane]))))
            }
        }
        #expect(worst < 5e-7, "worst absolute error \(worst)")
    }

    /// A value's result does not depend on where it sits (a full vector or the padded tail): the same bits.
    @Test func resultsDoNotDependOnThePositionInTheBuffer() {
        let x = values(13, seed: 3, scale: 5)
        let whole = FloatBuffer(x)
        Kernels.gelu(whole.pointer, count: 13)
        let shifted = FloatBuffer([0, 0, 0] + x)
        Kernels.gelu(shifted.pointer, count: 16)
        #expect(Array(shifted.values.dropFirst(3)) == whole.values)
    }

    @Test func layerNormWithTheResidualIsLayerNormOfTheSum() {
        let rows = 3, width = 37  // four vectors and a tail of five
        let x = values(rows * width, seed: 4, scale: 3), residual = values(rows * width, seed: 5, scale: 3)
        let norm = LayerNormWeights(gain: values(width, seed: 6, scale: 1), offset: values(width, seed: 7, scale: 1))
        let fused = FloatBuffer(count: rows * width), summed = FloatBuffer(count: rows * width)
        let fusedNormalized = FloatBuffer(count: rows * width), summedNormalized = FloatBuffer(count: rows * width)
        let input = FloatBuffer(x), add = FloatBuffer(residual), sum = FloatBuffer(zip(x, residual).map(+))
        Kernels.layerNorm(
            input.pointer, residual: add.pointer, rows: rows, width: width, norm: norm, epsilon: 1e-12,
            output: fused.pointer, normalized: fusedNormalized.pointer, inverseDeviation: nil)
        Kernels.layerNorm(
            sum.pointer, rows: rows, width: width, norm: norm, epsilon: 1e-12, output: summed.pointer,
            normalized: summedNormalized.pointer, inverseDeviation: nil)
        #expect(fused.values == summed.values && fusedNormalized.values == summedNormalized.values)
        // And against Float64 for the wide rows.
        for r in 0..<rows {
            let row = (0..<width).map { Double(x[r * width + $0]) + Double(residual[r * width + $0]) }
            let mean = row.reduce(0, +) / Double(width)
            let inverse = 1 / (row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width) + 1e-12).squareRoot()
            for j in 0..<width {
                let expected = (row[j] - mean) * inverse * Double(norm.gain[j]) + Double(norm.offset[j])
                #expect(abs(Double(fused.pointer[r * width + j]) - expected) < 1e-5)
            }
        }
    }

    @Test func wideSoftmaxAndItsGradientMatchFloat64() {
        let rows = 2, width = 29
        let logits = values(rows * width, seed: 8, scale: 6), upstream = values(rows * width, seed: 9, scale: 1)
        let p = FloatBuffer(logits)
        Kernels.softmaxRows(p.pointer, rows: rows, width: width, stride: width)
        let g = FloatBuffer(upstream)
        Kernels.softmaxBackwardRows(probabilities: p.pointer, gradient: g.pointer, rows: rows, width: width)
        for r in 0..<rows {
            let row = (0..<width).map { Double(logits[r * width + $0]) }
            let maximum = row.max() ?? 0
            let exps = row.map { Foundation.exp($0 - maximum) }
            let total = exps.reduce(0, +)
            let probabilities = exps.map { $0 / total }
            let dot = (0..<width).map { Double(upstream[r * width + $0]) * probabilities[$0] }.reduce(0, +)
            for j in 0..<width {
                #expect(abs(Double(p.pointer[r * width + j]) - probabilities[j]) < 1e-6)
                let expected = probabilities[j] * (Double(upstream[r * width + j]) - dot)
                #expect(abs(Double(g.pointer[r * width + j]) - expected) < 1e-6)
            }
        }
    }
}
