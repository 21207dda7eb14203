/// Which OpenBLAS kernels ("core") suit a processor, judged by its features rather than its model number.
///
/// OpenBLAS's `DYNAMIC_ARCH` builds pick their kernels from a table of CPU models at load time; a model newer than the
/// build (Debian's 0.3.21 on a family 6 model 207 Xeon) falls back to `Prescott` (SSE3) kernels, 3–10× slower for
/// `sgemm`. Foundry asks for the kernels the features allow instead, through `OPENBLAS_CORETYPE` set just for the load
/// (``BLASLibrary``), unless the user set that variable. `SkylakeX` is OpenBLAS's AVX-512 core (on Sapphire Rapids and
/// Zen 4 as fast as its `Cooperlake` for `sgemm` and `dgemm`; measured in issue 16), `Haswell` its AVX2 + FMA core.
public struct BLASCoreChoice: Sendable, Equatable, Codable {
    /// The `OPENBLAS_CORETYPE` Foundry sets, or `nil` to leave the choice to OpenBLAS.
    public var core: String?
    /// Why, in words (printed by `foundry doctor` and recorded in benchmark JSON).
    public var reason: String

    /// Creates a choice.
    public init(core: String?, reason: String) {
        self.core = core
        self.reason = reason
    }

    /// The AVX-512 subsets OpenBLAS's `SkylakeX` kernels use.
    public static let avx512Subsets: [CPUFeatures.Flag] = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]

    /// The core for `cpu`, unless `OPENBLAS_CORETYPE` in `environment` already names one.
    /// - Parameters:
    ///   - cpu: the processor's features (with the operating system's support folded in).
    ///   - environment: the process environment.
    public static func openBLAS(for cpu: CPUFeatures, environment: [String: String]) -> BLASCoreChoice {
        if let requested = environment["OPENBLAS_CORETYPE"] {
            return BLASCoreChoice(core: nil, reason: "OPENBLAS_CORETYPE=\(requested) set by the user")
        }
        if cpu.has(all: avx512Subsets) {
            return BLASCoreChoice(core: "SkylakeX", reason: "the CPU has AVX-512 (F, CD, BW, DQ, VL) enabled by the OS")
        }
        if cpu.has(all: [.avx2, .fma]) {
            return BLASCoreChoice(core: "Haswell", reason: "the CPU has AVX2 and FMA but not AVX-512")
        }
        if cpu.vendor.isEmpty {
            return BLASCoreChoice(core: nil, reason: "not an x86-64 CPU: the BLAS detects its own kernels")
        }
        return BLASCoreChoice(core: nil, reason: "the CPU has no AVX2: the BLAS detects its own kernels")
    }
}
