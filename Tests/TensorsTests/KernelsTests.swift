import Foundation
import FoundryCore
import Testing

@testable import Tensors

/// Values on the heap, for calling the pointer kernels.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(1, values.count))
        pointer.initialize(repeating: 0, count: max(1, values.count))
        for (index, value) in values.enumerated() { pointer[index] = value }
    }

    convenience init(count: Int) { self.init([Float](repeating: 0, count: count)) }

    var values: [Float] { (0..<count).map { pointer[$0] } }

    deinit { pointer.deallocate() }
}

/// The kernels against straightforward Float64 references written out here, and their gradients against central
/// finite differences of those references.
@Suite struct KernelsTests {
    /// Deterministic values in about `[-scale, scale]`.
    private func values(_ count: Int, seed: UInt64, scale: Double = 2) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float((2 * generator.nextUnitDouble() - 1) * scale) }
    }

    /// Layer norm of one row in Float64: `gain · (x − mean) / sqrt(var + eps) + offset` with the biased variance.
    private func referenceLayerNorm(_ x: [Double], gain: [Double], offset: [Double], epsilon: Double) -> (
        output: [Double], normalized: [Double], inverse: Double
    ) {
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.count)
        let inverse = 1 / (variance + epsilon).squareRoot()
        let normalized = x.map { ($0 - mean) * inverse }
        return (zip(normalized, zip(gain, offset)).map { $0 * $1.0 + $1.1 }, normalized, inverse)
    }

    private func referenceGELU(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

    @Test func layerNormMatchesTheFloat64Reference() {
        let rows = 5, width = 7, epsilon: Float = 1e-5
        let input = values(rows * width, seed: 1, scale: 3)
        let norm = LayerNormWeights(gain: values(width, seed: 2), offset: values(width, seed: 3))
        let x = FloatBuffer(input), output = FloatBuffer(count: rows * width)
        let normalized = FloatBuffer(count: rows * width), inverse = FloatBuffer(count: rows)
        Kernels.layerNorm(
            x.pointer, rows: rows, width: width, norm: norm, epsilon: epsilon, output: output.pointer,
            normalized: normalized.pointer, inverseDeviation: inverse.pointer)
        for r in 0..<rows {
            let row = input[(r * width)..<((r + 1) * width)].map(Double.init)
            let expected = referenceLayerNorm(
                row, gain: norm.gain.map(Double.init), offset: norm.offset.map(Double.init), epsilon: Double(epsilon))
            for j in 0..<width {
                #expect(abs(Double(output.pointer[r * width + j]) - expected.output[j]) < 1e-5)
                #expect(abs(Double(normalized.pointer[r * width + j]) - expected.normalized[j]) < 1e-5)
            }
            #expect(abs(Double(inverse.pointer[r]) - expected.inverse) / expected.inverse < 1e-5)
        }
        // Without the optional outputs the result is the same.
        let plain = FloatBuffer(count: rows * width)
        Kernels.layerNorm(
            x.pointer, rows: rows, width: width, norm: norm, epsilon: epsilon, output: plain.pointer, normalized: nil,
            inverseDeviation: nil)
        #expect(plain.values == output.values)
    }

    @Test func layerNormOfAConstantRowIsTheOffset() {
        let norm = LayerNormWeights(gain: [2, 3, 4], offset: [0.5, -1, 7])
        let x = FloatBuffer([4, 4, 4]), output = FloatBuffer([.nan, .nan, .nan])
        Kernels.layerNorm(
            x.pointer, rows: 1, width: 3, norm: norm, epsilon: 1e-12, output: output.pointer, normalized: nil,
            inverseDeviation: nil)
        #expect(output.values == [0.5, -1, 7])
    }

    /// `dx` of `L = Σ w ⊙ LN(x)` against central differences of the Float64 reference.
    @Test func layerNormBackwardMatchesFiniteDifferences() {
        let rows = 3, width = 6, epsilon = 1e-5
        let input = values(rows * width, seed: 4)
        let gain = values(width, seed: 5), offset = values(width, seed: 6)
        let upstream = values(rows * width, seed: 7)
        let x = FloatBuffer(input), output = FloatBuffer(count: rows * width)
        let normalized = FloatBuffer(count: rows * width), inverse = FloatBuffer(count: rows)
        let dy = FloatBuffer(upstream), dx = FloatBuffer(count: rows * width)
        Kernels.layerNorm(
            x.pointer, rows: rows, width: width, norm: LayerNormWeights(gain: gain, offset: offset),
            epsilon: Float(epsilon), output: output.pointer, normalized: normalized.pointer,
            inverseDeviation: inverse.pointer)
        Kernels.layerNormBackward(
            gradient: dy.pointer, normalized: normalized.pointer, inverseDeviation: inverse.pointer, rows: rows,
            width: width, gain: gain, into: dx.pointer)
        let step = 1e-5
        for r in 0..<rows {
            let row = input[(r * width)..<((r + 1) * width)].map(Double.init)
            let w = upstream[(r * width)..<((r + 1) * width)].map(Double.init)
            func loss(_ point: [Double]) -> Double {
                let y = referenceLayerNorm(
                    point, gain: gain.map(Double.init), offset: offset.map(Double.init), epsilon: epsilon
                ).output
                return zip(y, w).map { $0 * $1 }.reduce(0, +)
            }
            for j in 0..<width {
                var plus = row, minus = row
                plus[j] += step
                minus[j] -= step
                let numeric = (loss(plus) - loss(minus)) / (2 * step)
                #expect(abs(Double(dx.pointer[r * width + j]) - numeric) < 1e-4, "row \(r) column \(j)")
            }
        }
    }

    @Test func geluIsTheExactErfFormula() {
        // Known values: GELU(1) = Φ(1) = 0.841344746…, GELU(−1) = −(1 − Φ(1)).
        let known = FloatBuffer([0, 1, -1])
        Kernels.gelu(known.pointer, count: 3)
        #expect(known.pointer[0] == 0)
        #expect(abs(Double(known.pointer[1]) - 0.8413447460685429) < 1e-7)
        #expect(abs(Double(known.pointer[2]) + 0.15865525393145707) < 1e-7)
        let x = values(200, seed: 8, scale: 6)
        let y = FloatBuffer(x)
        Kernels.gelu(y.pointer, count: 200)
        for (input, output) in zip(x, y.values) {
            #expect(abs(Double(output) - referenceGELU(Double(input))) < 1e-6, "GELU(\(input))")
        }
    }

    @Test func geluBackwardMatchesFiniteDifferences() {
        let x = values(100, seed: 9, scale: 5)
        let upstream = values(100, seed: 10)
        let input = FloatBuffer(x), gradient = FloatBuffer(upstream)
        Kernels.geluBackward(input: input.pointer, gradient: gradient.pointer, count: 100)
        let step = 1e-6
        for i in 0..<100 {
            let value = Double(x[i])
            let numeric = (referenceGELU(value + step) - referenceGELU(value - step)) / (2 * step)
            #expect(abs(Double(gradient.pointer[i]) - Double(upstream[i]) * numeric) < 1e-5, "at \(value)")
        }
    }

    @Test func softmaxRowsMatchesTheReferenceAndLeavesTheStrideGapAlone() {
        let rows = 4, width = 5, stride = 7
        var original = values(rows * stride, seed: 11, scale: 4)
        // A row of large values must not overflow (exp(1000) would without the shift by the maximum).
        for j in 0..<width { original[3 * stride + j] = 1000 + Float(j) }
        let x = FloatBuffer(original)
        Kernels.softmaxRows(x.pointer, rows: rows, width: width, stride: stride)
        for r in 0..<rows {
            let row = original[(r * stride)..<(r * stride + width)].map(Double.init)
            let maximum = row.max() ?? 0
            let exps = row.map { exp($0 - maximum) }
            let sum = exps.reduce(0, +)
            for j in 0..<width {
                #expect(abs(Double(x.pointer[r * stride + j]) - exps[j] / sum) < 1e-6)
            }
            for j in width..<stride { #expect(x.pointer[r * stride + j] == original[r * stride + j]) }
            let total = (0..<width).map { Double(x.pointer[r * stride + $0]) }.reduce(0, +)
            #expect(abs(total - 1) < 1e-6)
        }
    }

    @Test func dropoutMasksAreSeededInvertedAndDropTheRightShare() {
        var first = SeededGenerator(seed: 12), second = SeededGenerator(seed: 12)
        let mask = Kernels.dropoutMask(count: 100_001, probability: 0.2, generator: &first)
        #expect(mask == Kernels.dropoutMask(count: 100_001, probability: 0.2, generator: &second))
        #expect(mask.allSatisfy { $0 == 0 || $0 == 1 / Float(0.8) })
        let dropped = Double(mask.filter { $0 == 0 }.count) / Double(mask.count)
        // Binomial standard deviation √(0.2 · 0.8 / 100001) ≈ 0.0013: five of them.
        #expect(abs(dropped - 0.2) < 0.0065)
        // Two values per 64-bit draw: 100001 values use 50001 draws.
        var reference = SeededGenerator(seed: 12)
        for _ in 0..<50_001 { _ = reference.next() }
        #expect(first.next() == reference.next())
        var generator = SeededGenerator(seed: 13)
        #expect(Kernels.dropoutMask(count: 9, probability: 0, generator: &generator) == Array(repeating: 1, count: 9))
    }

    @Test func multiplyAndAddBiasWorkElementwiseAndPerRow() {
        let x = FloatBuffer([1, 2, 3, 4, 5, 6]), m = FloatBuffer([0, 2, 1, 0.5, -1, 3])
        Kernels.multiply(x.pointer, by: m.pointer, count: 6)
        #expect(x.values == [0, 4, 3, 2, -5, 18])
        Kernels.addBias(x.pointer, rows: 2, bias: [10, 20, 30])
        #expect(x.values == [10, 24, 33, 12, 15, 48])
    }

    @Test func attentionHeadMatchesTheFloat64Reference() {
        // Lengths around the 8-lane blocks and the 4-row groups; head sizes with 1, 4 and 5 blocks of 8 values.
        for (length, headSize) in [(1, 8), (3, 32), (8, 16), (13, 40), (37, 32), (64, 32)] {
            let rowStride = 3 * headSize + 5  // the rows of a fused query/key/value buffer, with a gap
            let source = values(length * rowStride, seed: UInt64(length * 100 + headSize), scale: 1.5)
            let q = FloatBuffer(source),
                k = FloatBuffer(Array(source[headSize...]) + [Float](repeating: 0, count: headSize))
            let v = FloatBuffer(Array(source[(2 * headSize)...]) + [Float](repeating: 0, count: 2 * headSize))
            let rounded = (length + 7) / 8 * 8, contextStride = headSize + 3
            let probabilities = FloatBuffer(count: length * length), scratch = FloatBuffer(count: headSize * rounded)
            let context = FloatBuffer([Float](repeating: 9, count: length * contextStride))
            let scale = 1 / Float(headSize).squareRoot()
            Kernels.attentionHead(
                query: q.pointer, key: k.pointer, value: v.pointer, rowStride: rowStride, length: length,
                headSize: headSize, scale: scale, probabilities: probabilities.pointer, keyScratch: scratch.pointer,
                context: context.pointer, contextStride: contextStride)
            func element(_ row: Int, _ offset: Int, _ c: Int) -> Double { Double(source[row * rowStride + offset + c]) }
            var worstProbability = 0.0, worstContext = 0.0
            for i in 0..<length {
                let scores = (0..<length).map { j in
                    (0..<headSize).reduce(0.0) { $0 + element(i, 0, $1) * element(j, headSize, $1) } * Double(scale)
                }
                let largest = scores.max() ?? 0
                let exponentials = scores.map { exp($0 - largest) }
                let total = exponentials.reduce(0, +)
                let expected = exponentials.map { $0 / total }
                for j in 0..<length {
                    worstProbability = max(
                        worstProbability, abs(Double(probabilities.pointer[i * length + j]) - expected[j]))
                }
                for c in 0..<headSize {
                    let value = (0..<length).reduce(0.0) { $0 + expected[$1] * element($1, 2 * headSize, c) }
                    worstContext = max(worstContext, abs(Double(context.pointer[i * contextStride + c]) - value))
                }
                // The gap between context rows is left alone.
                for c in headSize..<contextStride { #expect(context.pointer[i * contextStride + c] == 9) }
            }
            #expect(
                worstProbability < 1e-6, "length \(length), head \(headSize): probabilities off by \(worstProbability)")
            #expect(worstContext < 1e-5, "length \(length), head \(headSize): context off by \(worstContext)")
        }
    }
}
