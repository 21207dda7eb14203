import Foundation
import FoundryCore

/// Elementwise and row-wise kernels over contiguous row-major buffers: the non-GEMM work of a transformer's forward
/// and backward passes.
///
/// The callers own the buffers: each pointer must address at least the number of values its parameter names. Sums
/// run in Float32 in index order, so a kernel gives the same bits for the same input on every run.
public enum Kernels {
    /// Layer norm of each row (Ba et al. 2016): `y = gain · (x − mean) / sqrt(var + epsilon) + offset`, with the
    /// biased variance.
    ///
    /// - Parameters:
    ///   - x: `rows × width` inputs.
    ///   - rows: number of rows.
    ///   - width: values per row; `norm`'s gain and offset have this many values.
    ///   - norm: gain and offset.
    ///   - epsilon: added to the variance.
    ///   - output: `rows × width` results (may not alias `x`).
    ///   - normalized: when given, receives `(x − mean) / sqrt(var + epsilon)` (`rows × width`), for the backward pass.
    ///   - inverseDeviation: when given, receives each row's `1 / sqrt(var + epsilon)` (`rows` values).
    /// - Complexity: O(rows · width).
    public static func layerNorm(
        _ x: UnsafePointer<Float>, rows: Int, width: Int, norm: LayerNormWeights, epsilon: Float,
        output: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>?,
        inverseDeviation: UnsafeMutablePointer<Float>?
    ) {
        precondition(norm.gain.count == width, "layer-norm weights of width \(norm.gain.count) for rows of \(width)")
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

    /// The input gradient of ``layerNorm(_:rows:width:norm:epsilon:output:normalized:inverseDeviation:)`` (gain and
    /// offset held fixed): `dx = inv · (g − mean(g) − x̂ · mean(g · x̂))` with `g = dy · gain`.
    ///
    /// - Parameters:
    ///   - dy: `rows × width` gradients of the output.
    ///   - normalized: the forward pass's `x̂` (`rows × width`).
    ///   - inverseDeviation: the forward pass's `inv` per row.
    ///   - rows: number of rows.
    ///   - width: values per row (`gain.count`).
    ///   - gain: the layer norm's gain.
    ///   - dx: `rows × width` input gradients (overwritten).
    /// - Complexity: O(rows · width).
    public static func layerNormBackward(
        gradient dy: UnsafePointer<Float>, normalized: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        rows: Int, width: Int, gain: [Float], into dx: UnsafeMutablePointer<Float>
    ) {
        precondition(gain.count == width, "layer-norm gain of width \(gain.count) for rows of \(width)")
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

    /// Exact GELU (Hendrycks & Gimpel 2016), `0.5 · x · (1 + erf(x / √2))`, in place on `count` values.
    ///
    /// This is PyTorch's `gelu` without the tanh approximation (which differs by up to ~1e-3).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let scale: Float = 0.7071067811865476
        for i in 0..<count {
            let v = x[i]
            x[i] = 0.5 * v * (1 + erff(v * scale))
        }
    }

    /// The gradient through ``gelu(_:count:)``: `dy ← dy · GELU'(x)` with `GELU'(x) = Φ(x) + x · φ(x)`.
    ///
    /// - Parameters:
    ///   - x: the `count` inputs of the forward pass (before GELU).
    ///   - dy: `count` gradients of GELU's output, replaced by those of its input.
    ///   - count: number of values.
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

    /// Softmax of each row in place, `exp(x − max) / Σ exp(x − max)`, stable for large inputs.
    ///
    /// - Parameters:
    ///   - x: the first row.
    ///   - rows: number of rows.
    ///   - width: values per row that take part.
    ///   - stride: distance between rows (≥ `width`; values between `width` and `stride` are untouched).
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int) {
        precondition(stride >= width, "row stride \(stride) is shorter than the width \(width)")
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

    /// Inverted-dropout multipliers: 0 with probability `p`, else `1 / (1 − p)`, so that the expected value is 1.
    ///
    /// Each 64-bit draw of `generator` decides two values (low 32 bits, then high 32 bits), so the same generator
    /// state gives the same mask.
    /// - Parameters:
    ///   - count: number of multipliers.
    ///   - p: the drop probability, in `[0, 1)`.
    ///   - generator: the random source, advanced by `(count + 1) / 2` draws.
    /// - Returns: `count` multipliers.
    public static func dropoutMask(count: Int, probability p: Float, generator: inout SeededGenerator) -> [Float] {
        precondition(p >= 0 && p < 1, "dropout probability \(p) is outside [0, 1)")
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

    /// `x[i] *= m[i]` for `i` in `0..<count` (applies a dropout mask).
    public static func multiply(_ x: UnsafeMutablePointer<Float>, by m: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] *= m[i] }
    }

    /// Adds `bias` to every one of `rows` rows of `x` (row width `bias.count`).
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
