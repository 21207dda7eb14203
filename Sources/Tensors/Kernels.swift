import Foundation
import FoundryCore

/// Elementwise and row-wise kernels over contiguous row-major buffers: the non-GEMM work of a transformer's forward
/// and backward passes.
///
/// The callers own the buffers: each pointer must address at least the number of values its parameter names. The
/// kernels work on eight values at a time (``VectorMath``); sums run in Float32 in a fixed order (eight lane sums,
/// then the lanes and the tail), so a kernel gives the same bits for the same input on every run, whatever the
/// thread that runs it.
public enum Kernels {
    /// Layer norm of each row (Ba et al. 2016): `y = gain · (s − mean) / sqrt(var + epsilon) + offset` with
    /// `s = x (+ residual)` and the biased variance.
    ///
    /// - Parameters:
    ///   - x: `rows × width` inputs.
    ///   - residual: when given, `rows × width` values added to `x` first (the transformer's residual connection),
    ///     without writing the sum anywhere.
    ///   - rows: number of rows.
    ///   - width: values per row; `norm`'s gain and offset have this many values.
    ///   - norm: gain and offset.
    ///   - epsilon: added to the variance.
    ///   - output: `rows × width` results (may alias `x` when `residual` is nil and `normalized` is nil).
    ///   - normalized: when given, receives `(s − mean) / sqrt(var + epsilon)` (`rows × width`), for the backward pass.
    ///   - inverseDeviation: when given, receives each row's `1 / sqrt(var + epsilon)` (`rows` values).
    /// - Complexity: O(rows · width), three passes over each row.
    public static func layerNorm(
        _ x: UnsafePointer<Float>, residual: UnsafePointer<Float>? = nil, rows: Int, width: Int,
        norm: LayerNormWeights, epsilon: Float, output: UnsafeMutablePointer<Float>,
        normalized: UnsafeMutablePointer<Float>?, inverseDeviation: UnsafeMutablePointer<Float>?
    ) {
        precondition(norm.gain.count == width, "layer-norm weights of width \(norm.gain.count) for rows of \(width)")
        let full = width - width % 8
        norm.gain.withUnsafeBufferPointer { gainBuffer in
            norm.offset.withUnsafeBufferPointer { offsetBuffer in
                guard let gain = gainBuffer.baseAddress, let offset = offsetBuffer.baseAddress else { return }
                for r in 0..<rows {
                    let row = x + r * width
                    let add = residual.map { $0 + r * width }
                    @inline(__always) func value(_ j: Int) -> SIMD8<Float> {
                        if let add { return VectorMath.load(row + j) + VectorMath.load(add + j) }
                        return VectorMath.load(row + j)
                    }
                    @inline(__always) func scalar(_ j: Int) -> Float { row[j] + (add?[j] ?? 0) }
                    var sum = SIMD8<Float>(), tail: Float = 0
                    for j in stride(from: 0, to: full, by: 8) { sum += value(j) }
                    for j in full..<width { tail += scalar(j) }
                    let mean = (sum.sum() + tail) / Float(width)
                    var squares = SIMD8<Float>(), tailSquares: Float = 0
                    for j in stride(from: 0, to: full, by: 8) {
                        let d = value(j) - mean
                        squares += d * d
                    }
                    for j in full..<width {
                        let d = scalar(j) - mean
                        tailSquares += d * d
                    }
                    let inv = 1 / ((squares.sum() + tailSquares) / Float(width) + epsilon).squareRoot()
                    let out = output + r * width
                    let normalizedRow = normalized.map { $0 + r * width }
                    for j in stride(from: 0, to: full, by: 8) {
                        let n = (value(j) - mean) * inv
                        if let normalizedRow { VectorMath.store(n, normalizedRow + j) }
                        VectorMath.store(n * VectorMath.load(gain + j) + VectorMath.load(offset + j), out + j)
                    }
                    for j in full..<width {
                        let n = (scalar(j) - mean) * inv
                        normalizedRow?[j] = n
                        out[j] = n * gain[j] + offset[j]
                    }
                    inverseDeviation?[r] = inv
                }
            }
        }
    }

    /// The input gradient of ``layerNorm(_:residual:rows:width:norm:epsilon:output:normalized:inverseDeviation:)``
    /// (gain and offset held fixed): `dx = inv · (g − mean(g) − x̂ · mean(g · x̂))` with `g = dy · gain`.
    ///
    /// - Parameters:
    ///   - dy: `rows × width` gradients of the output.
    ///   - normalized: the forward pass's `x̂` (`rows × width`).
    ///   - inverseDeviation: the forward pass's `inv` per row.
    ///   - rows: number of rows.
    ///   - width: values per row (`gain.count`).
    ///   - gain: the layer norm's gain.
    ///   - dx: `rows × width` input gradients (overwritten; may alias `dy`).
    /// - Complexity: O(rows · width).
    public static func layerNormBackward(
        gradient dy: UnsafePointer<Float>, normalized: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
        rows: Int, width: Int, gain: [Float], into dx: UnsafeMutablePointer<Float>
    ) {
        precondition(gain.count == width, "layer-norm gain of width \(gain.count) for rows of \(width)")
        let full = width - width % 8
        gain.withUnsafeBufferPointer { gainBuffer in
            guard let gain = gainBuffer.baseAddress else { return }
            for r in 0..<rows {
                let g = dy + r * width, n = normalized + r * width, out = dx + r * width
                var sumG = SIMD8<Float>(), sumGN = SIMD8<Float>()
                var tailG: Float = 0, tailGN: Float = 0
                for j in stride(from: 0, to: full, by: 8) {
                    let value = VectorMath.load(g + j) * VectorMath.load(gain + j)
                    sumG += value
                    sumGN += value * VectorMath.load(n + j)
                }
                for j in full..<width {
                    let value = g[j] * gain[j]
                    tailG += value
                    tailGN += value * n[j]
                }
                let meanG = (sumG.sum() + tailG) / Float(width)
                let meanGN = (sumGN.sum() + tailGN) / Float(width)
                let inv = inverseDeviation[r]
                for j in stride(from: 0, to: full, by: 8) {
                    let value = VectorMath.load(g + j) * VectorMath.load(gain + j)
                    VectorMath.store(inv * (value - meanG - VectorMath.load(n + j) * meanGN), out + j)
                }
                for j in full..<width { out[j] = inv * (g[j] * gain[j] - meanG - n[j] * meanGN) }
            }
        }
    }

    /// Exact GELU (Hendrycks & Gimpel 2016), `0.5 · x · (1 + erf(x / √2))`, in place on `count` values.
    ///
    /// This is PyTorch's `gelu` without the tanh approximation (which differs by up to ~1e-3); `erf` is
    /// ``VectorMath/erf(_:)`` (absolute error below 5 · 10⁻⁷, so GELU's below 10⁻⁶).
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, VectorMath.gelu)
    }

    /// The gradient through ``gelu(_:count:)``: `dy ← dy · GELU'(x)` with `GELU'(x) = Φ(x) + x · φ(x)`.
    ///
    /// - Parameters:
    ///   - x: the `count` inputs of the forward pass (before GELU).
    ///   - dy: `count` gradients of GELU's output, replaced by those of its input.
    ///   - count: number of values.
    public static func geluBackward(input x: UnsafePointer<Float>, gradient dy: UnsafeMutablePointer<Float>, count: Int)
    {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(
                VectorMath.load(dy + i) * VectorMath.geluDerivative(VectorMath.load(x + i)), dy + i)
            i += 8
        }
        if i < count {
            let rest = count - i
            let derivative = VectorMath.geluDerivative(VectorMath.load(x + i, count: rest, padding: 0))
            VectorMath.store(VectorMath.load(dy + i, count: rest, padding: 0) * derivative, dy + i, count: rest)
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
        let full = width - width % 8, rest = width - full
        for r in 0..<rows {
            let row = x + r * stride
            var maximum = SIMD8<Float>(repeating: -.infinity)
            for j in Swift.stride(from: 0, to: full, by: 8) {
                maximum = VectorMath.maximum(maximum, VectorMath.load(row + j))
            }
            if rest > 0 {
                maximum = VectorMath.maximum(maximum, VectorMath.load(row + full, count: rest, padding: -.infinity))
            }
            let half = VectorMath.maximum(
                SIMD8(lowHalf: maximum.lowHalf, highHalf: maximum.highHalf),
                SIMD8(lowHalf: maximum.highHalf, highHalf: maximum.lowHalf))
            let largest = Swift.max(Swift.max(half[0], half[1]), Swift.max(half[2], half[3]))
            var sum = SIMD8<Float>()
            for j in Swift.stride(from: 0, to: full, by: 8) {
                let e = VectorMath.exp(VectorMath.load(row + j) - largest)
                VectorMath.store(e, row + j)
                sum += e
            }
            if rest > 0 {
                var e = VectorMath.exp(VectorMath.load(row + full, count: rest, padding: 0) - largest)
                e.replace(with: 0, where: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= Int32(rest))
                VectorMath.store(e, row + full, count: rest)
                sum += e
            }
            let inv = 1 / sum.sum()
            for j in Swift.stride(from: 0, to: full, by: 8) {
                VectorMath.store(VectorMath.load(row + j) * inv, row + j)
            }
            for j in full..<width { row[j] *= inv }
        }
    }

    /// The gradient through ``softmaxRows(_:rows:width:stride:)``: `g ← p ⊙ (g − Σ_j g_j p_j)` per row, where `p` is
    /// the softmax output and `g` the gradient of the output (replaced by that of the input).
    ///
    /// - Parameters:
    ///   - probabilities: `rows × width` softmax outputs (row distance `width`).
    ///   - gradient: `rows × width` gradients, updated in place.
    ///   - rows: number of rows.
    ///   - width: values per row.
    public static func softmaxBackwardRows(
        probabilities p: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>, rows: Int, width: Int
    ) {
        let full = width - width % 8
        for r in 0..<rows {
            let pr = p + r * width, gr = g + r * width
            var dots = SIMD8<Float>(), tail: Float = 0
            for j in Swift.stride(from: 0, to: full, by: 8) {
                dots += VectorMath.load(gr + j) * VectorMath.load(pr + j)
            }
            for j in full..<width { tail += gr[j] * pr[j] }
            let dot = dots.sum() + tail
            for j in Swift.stride(from: 0, to: full, by: 8) {
                VectorMath.store(VectorMath.load(pr + j) * (VectorMath.load(gr + j) - dot), gr + j)
            }
            for j in full..<width { gr[j] = pr[j] * (gr[j] - dot) }
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
        var i = 0
        while i + 8 <= count {
            VectorMath.store(VectorMath.load(x + i) * VectorMath.load(m + i), x + i)
            i += 8
        }
        while i < count {
            x[i] *= m[i]
            i += 1
        }
    }

    /// Adds `bias` to every one of `rows` rows of `x` (row width `bias.count`).
    public static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, bias: [Float]) {
        let width = bias.count
        bias.withUnsafeBufferPointer { b in
            guard let b = b.baseAddress else { return }
            for r in 0..<rows { add(b, to: x + r * width, count: width) }
        }
    }

    /// `y[i] += x[i]` for `i` in `0..<count`.
    public static func add(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            VectorMath.store(VectorMath.load(y + i) + VectorMath.load(x + i), y + i)
            i += 8
        }
        while i < count {
            y[i] += x[i]
            i += 1
        }
    }

    /// Scaled dot-product attention of one head over one sequence, without BLAS: `P = softmax(scale · Q Kᵀ)` row by
    /// row into `probabilities`, then `context = P V`.
    ///
    /// For the short sequences of sentence encoders (tens of tokens, heads of 32 values) the two products are too small
    /// for a BLAS call to pay for its packing and dispatch; here they run on eight lanes at a time: the keys are
    /// transposed once into `keyScratch` (`headSize × roundedLength`, zero-padded to a multiple of 8), so that each
    /// score row is a sum of broadcast query values times key rows, and each context row a sum of probability-scaled
    /// value rows. Sums run in a fixed order, so results repeat exactly; they differ from a BLAS product only by
    /// rounding.
    /// - Parameters:
    ///   - query: the sequence's first query row; row `i` at `query + i · rowStride`, `headSize` values.
    ///   - key: the first key row, same layout.
    ///   - value: the first value row, same layout.
    ///   - rowStride: distance between consecutive tokens' rows in `query`, `key` and `value`.
    ///   - length: tokens in the sequence.
    ///   - headSize: values per head; a multiple of 8.
    ///   - scale: the score scale (`1 / √headSize`).
    ///   - probabilities: receives the `length × length` softmax probabilities (row distance `length`).
    ///   - keyScratch: `headSize × roundedLength` values of scratch, `roundedLength` being `length` rounded up to 8.
    ///   - context: receives row `i` of `P V` at `context + i · contextStride` (`headSize` values).
    ///   - contextStride: distance between the context rows.
    /// - Complexity: O(length² · headSize).
    public static func attentionHead(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride: Int,
        length: Int, headSize: Int, scale: Float, probabilities: UnsafeMutablePointer<Float>,
        keyScratch: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>, contextStride: Int
    ) {
        precondition(headSize % 8 == 0, "head size \(headSize) is not a multiple of 8")
        let rounded = (length + 7) / 8 * 8
        // Kᵀ, zero-padded: column j of row c is key j's value c.
        for c in 0..<headSize {
            let row = keyScratch + c * rounded
            for j in 0..<length { row[j] = key[j * rowStride + c] }
            for j in length..<rounded { row[j] = 0 }
        }
        // Scores, four query rows at a time (four independent sums share each load of the keys).
        var i = 0
        while i < length {
            let rows = min(4, length - i)
            let q0 = query + i * rowStride
            let q1 = rows > 1 ? q0 + rowStride : q0, q2 = rows > 2 ? q0 + 2 * rowStride : q0
            let q3 = rows > 3 ? q0 + 3 * rowStride : q0
            var block = 0
            while block < rounded {
                var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
                for c in 0..<headSize {
                    let k = VectorMath.load(keyScratch + c * rounded + block)
                    s0 += q0[c] * k
                    s1 += q1[c] * k
                    s2 += q2[c] * k
                    s3 += q3[c] * k
                }
                let width = min(8, length - block)
                @inline(__always) func store(_ sum: SIMD8<Float>, row r: Int) {
                    let target = probabilities + (i + r) * length + block
                    if width == 8 {
                        VectorMath.store(sum * scale, target)
                    } else {
                        VectorMath.store(sum * scale, target, count: width)
                    }
                }
                store(s0, row: 0)
                if rows > 1 { store(s1, row: 1) }
                if rows > 2 { store(s2, row: 2) }
                if rows > 3 { store(s3, row: 3) }
                block += 8
            }
            i += rows
        }
        softmaxRows(probabilities, rows: length, width: length, stride: length)
        // Context rows, up to four column blocks at a time (independent sums sharing each probability).
        for i in 0..<length {
            let p = probabilities + i * length
            let out = context + i * contextStride
            var column = 0
            while column < headSize {
                let blocks = min(4, (headSize - column) / 8)
                let v1 = blocks > 1 ? 8 : 0, v2 = blocks > 2 ? 16 : 0, v3 = blocks > 3 ? 24 : 0
                var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
                for j in 0..<length {
                    let row = value + j * rowStride + column
                    let weight = p[j]
                    s0 += weight * VectorMath.load(row)
                    s1 += weight * VectorMath.load(row + v1)
                    s2 += weight * VectorMath.load(row + v2)
                    s3 += weight * VectorMath.load(row + v3)
                }
                VectorMath.store(s0, out + column)
                if blocks > 1 { VectorMath.store(s1, out + column + 8) }
                if blocks > 2 { VectorMath.store(s2, out + column + 16) }
                if blocks > 3 { VectorMath.store(s3, out + column + 24) }
                column += 8 * blocks
            }
        }
    }
}
