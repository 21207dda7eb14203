import Foundation
import FoundryCore

/// Elementwise and row-wise kernels over contiguous row-major buffers.
public enum Kernels {
    /// Layer norm of each row: `y = gain · (x − mean) / sqrt(var + eps) + offset`.
    /// Stores the normalized values and the reciprocal standard deviations when asked (for the backward pass).
    public static func layerNorm(
        _ x: UnsafePointer<Float>, rows: Int, width: Int, norm: LayerNormWeights, epsilon: Float,
        output: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>?,
        inverseDeviation: UnsafeMutablePointer<Float>?
    ) {
        norm.gain.withUnsafeBufferPointer { gain in
            norm.offset.withUnsafeBufferPointer { offset in
                for r in 0..<rows {
                    let row = x + r * width
                    var mean: Float = 0
                    for j in 0..<width { mean += row[j] }
                    mean /= Float(width)
                    var variance: Float = 0
                    for j in 0..<width {
                        let d = row[j] - mean
                        variance += d * d
                    }
                    variance /= Float(width)
                    let inv = 1 / (variance + epsilon).squareRoot()
                    let out = output + r * width
                    if let normalized {
                        let n = normalized + r * width
                        for j in 0..<width {
                            let value = (row[j] - mean) * inv
                            n[j] = value
                            out[j] = value * gain[j] + offset[j]
                        }
                    } else {
                        for j in 0..<width { out[j] = (row[j] - mean) * inv * gain[j] + offset[j] }
                    }
                    inverseDeviation?[r] = inv
                }
            }
        }
    }

    /// Backward of layer norm with frozen gain: `dx = inv · (g − mean(g) − x̂ · mean(g · x̂))`, `g = dy · gain`.
    public static func layerNormBackward(
        gradient dy: UnsafePointer<Float>, normalized: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        rows: Int, width: Int, gain: [Float], into dx: UnsafeMutablePointer<Float>
    ) {
        gain.withUnsafeBufferPointer { gain in
            for r in 0..<rows {
                let g = dy + r * width, n = normalized + r * width, out = dx + r * width
                var meanG: Float = 0, meanGN: Float = 0
                for j in 0..<width {
                    let value = g[j] * gain[j]
                    meanG += value
                    meanGN += value * n[j]
                }
                meanG /= Float(width)
                meanGN /= Float(width)
                let inv = inverseDeviation[r]
                for j in 0..<width { out[j] = inv * (g[j] * gain[j] - meanG - n[j] * meanGN) }
            }
        }
    }

    /// Exact GELU, `0.5 · x · (1 + erf(x / √2))`, in place.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let scale: Float = 0.7071067811865476
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erff(v * scale))
        }
    }

    /// `dx = dy · GELU'(x)` with `GELU'(x) = Φ(x) + x · φ(x)`, written into `dy`.
    public static func geluBackward(input x: UnsafePointer<Float>, gradient dy: UnsafeMutablePointer<Float>, count: Int)
    {
        let scale: Float = 0.7071067811865476
        let density: Float = 0.3989422804014327
        for i in 0..<count {
            let v = x[i]
            let cdf = 0.5 * (1 + erff(v * scale))
            dy[i] *= cdf + v * density * expf(-0.5 * v * v)
        }
    }

    /// Softmax of each row in place.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        for r in 0..<rows {
            let row = x + r * stride
            var maximum = -Float.infinity
            for j in 0..<width where row[j] > maximum { maximum = row[j] }
            var sum: Float = 0
            for j in 0..<width {
                let e = expf(row[j] - maximum)
                row[j] = e
                sum += e
            }
            let inv = 1 / sum
            for j in 0..<width { row[j] *= inv }
        }
    }

    /// Fills `mask` with inverted-dropout multipliers: 0 with probability `p`, else `1 / (1 − p)`.
    public static func dropoutMask(count: Int, probability p: Float, generator: inout SeededGenerator) -> [Float] {
        let keep = 1 / (1 - p)
        let threshold = UInt32(min(Double(UInt32.max), (Double(p) * 4_294_967_296.0).rounded()))
        var mask = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let bits = generator.next()
            mask[i] = UInt32(truncatingIfNeeded: bits) >= threshold ? keep : 0
            if i + 1 < count { mask[i + 1] = UInt32(truncatingIfNeeded: bits >> 32) >= threshold ? keep : 0 }
            i += 2
        }
        return mask
    }

    /// `x[i] *= m[i]`.
    public static func multiply(_ x: UnsafeMutablePointer<Float>, by m: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] *= m[i] }
    }

    /// Adds `bias` to every row of `x`.
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: [Float]) {
        let width = bias.count
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = x + r * width
                for j in 0..<width { row[j] += b[j] }
            }
        }
    }
}
