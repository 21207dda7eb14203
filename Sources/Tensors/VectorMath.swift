/// Elementary functions on eight `Float` lanes at a time, written with Swift SIMD types so that they compile to vector
/// instructions on any x86-64 (SSE2 in the baseline build) and on ARM (NEON), unlike the scalar `expf`/`erff` of libm.
///
/// Every function is a fixed sequence of additions, multiplications, one division or bit operations, so the same
/// input gives the same bits on every run and in every lane; the tail of a buffer goes through the same code padded
/// to eight lanes (``load(_:count:padding:)``), so a value's result never depends on where it sits in a buffer.
public enum VectorMath {
    /// Lanes per vector.
    public static let width = 8

    /// `e^x` per lane, with relative error below 2 · 10⁻⁷ (Cephes `expf`'s range reduction and polynomial).
    ///
    /// Inputs are clamped to [−87.3, 88.3] (results from about 1.2 · 10⁻³⁸ to 2 · 10³⁸), so `-infinity` gives
    /// about 1.2 · 10⁻³⁸ rather than 0.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5 · 2²³: adding it rounds to an integer
        let clamped = clamp(x, -87.336_54, 88.376_26)
        let shifted = clamped * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        let exponent =
            unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        return y * unsafeBitCast((exponent &+ 127) &<< 23, to: SIMD8<Float>.self)
    }

    /// The error function per lane, with absolute error below 5 · 10⁻⁷: a rational approximation on [−4, 4] (outside,
    /// `erf` is ±1 in single precision), the one Eigen and XLA use.
    @inline(__always)
    public static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let a = clamp(x, -4, 4)
        let a2 = a * a
        var p = SIMD8<Float>(repeating: -2.726_142_258_013_06e-10)
        p = p * a2 + 2.770_681_424_959_02e-08
        p = p * a2 + -2.101_024_020_825_08e-06
        p = p * a2 + -5.692_506_394_623_46e-05
        p = p * a2 + -7.349_906_303_268_55e-04
        p = p * a2 + -2.954_599_808_540_25e-03
        p = p * a2 + -1.609_603_332_624_15e-02
        var q = SIMD8<Float>(repeating: -1.456_607_184_649_96e-05)
        q = q * a2 + -2.133_740_552_789_05e-04
        q = q * a2 + -1.682_826_974_382_03e-03
        q = q * a2 + -7.373_329_167_204_68e-03
        q = q * a2 + -1.426_473_905_141_89e-02
        return a * p / q
    }

    /// Exact GELU per lane, `0.5 · x · (1 + erf(x / √2))` (Hendrycks & Gimpel 2016), with ``erf(_:)``.
    @inline(__always)
    public static func gelu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        0.5 * x * (1 + erf(x * 0.707_106_781_186_547_6))
    }

    /// GELU's derivative per lane, `Φ(x) + x · φ(x)`.
    @inline(__always)
    public static func geluDerivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let cdf = 0.5 * (1 + erf(x * 0.707_106_781_186_547_6))
        return cdf + x * 0.398_942_280_401_432_7 * exp(-0.5 * x * x)
    }

    /// `x` limited to `[lower, upper]` per lane (NaN stays NaN). Written with comparisons and selects, which compile to
    /// two vector compares and blends (the standard library's generic `clamped` is not inlined).
    @inline(__always)
    public static func clamp(_ x: SIMD8<Float>, _ lower: Float, _ upper: Float) -> SIMD8<Float> {
        var result = x.replacing(with: lower, where: x .< lower)
        result.replace(with: upper, where: result .> upper)
        return result
    }

    /// The larger of `a` and `b` per lane.
    @inline(__always)
    public static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    /// Eight values from `pointer` (no alignment needed).
    @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// The first `count` (< 8) values from `pointer`, the other lanes set to `padding`.
    @inline(__always)
    public static func load(_ pointer: UnsafePointer<Float>, count: Int, padding: Float) -> SIMD8<Float> {
        // Lane by lane: a variable-length `copyMemory` would be a call to `memmove` for at most seven values.
        var vector = SIMD8<Float>(repeating: padding)
        for lane in 0..<count { vector[lane] = pointer[lane] }
        return vector
    }

    /// Stores eight values at `pointer` (no alignment needed).
    @inline(__always)
    public static func store(_ vector: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD8<Float>.self)
    }

    /// Stores the first `count` (< 8) lanes at `pointer`.
    @inline(__always)
    public static func store(_ vector: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
        for lane in 0..<count { pointer[lane] = vector[lane] }
    }

    /// Applies `transform` to `count` values in place, eight at a time (the tail padded with zeros).
    @inline(__always)
    public static func map(
        _ values: UnsafeMutablePointer<Float>, count: Int, _ transform: (SIMD8<Float>) -> SIMD8<Float>
    ) {
        var i = 0
        while i + 8 <= count {
            store(transform(load(values + i)), values + i)
            i += 8
        }
        if i < count {
            let rest = count - i
            store(transform(load(values + i, count: rest, padding: 0)), values + i, count: rest)
        }
    }
}
