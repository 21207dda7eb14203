import Foundation

/// The BLAS and LAPACK implementation Foundry computes with, loaded at run time.
///
/// Foundry links no BLAS at build time. At first use (or when ``shared()`` is called) it opens one with `dlopen` and
/// resolves the routines it calls (`cblas_sgemm`, `cblas_saxpy`, `cblas_dgemm`, `cblas_dgemv`, `LAPACKE_dgesv`,
/// `LAPACKE_dsyevd`, `LAPACKE_dgesdd`) with `dlsym`, as Julia's libblastrampoline does. Loading at run time is what lets Foundry choose
/// OpenBLAS's kernels before OpenBLAS initializes (``BLASCoreChoice``), and lets a user choose the library:
///
/// - `FOUNDRY_BLAS`: a path or soname of a library with the CBLAS interface (32-bit integers): OpenBLAS, BLIS, MKL's
///   `libmkl_rt.so`. Unset: `libopenblas.so.0`, then `libopenblas.so`, then the system's `libblas.so.3`.
/// - `FOUNDRY_LAPACKE`: where the `LAPACKE_*` routines come from when the BLAS library lacks them (Debian's OpenBLAS is
///   built without LAPACKE). Unset: `liblapacke.so.3`, then `liblapacke.so`.
/// - `OPENBLAS_CORETYPE`: when set, OpenBLAS's kernels are the user's choice; otherwise Foundry sets it for the load
///   from the CPU's features and restores the environment afterwards.
/// - `FOUNDRY_THREADS`: the thread count of the BLAS and of Foundry's loops (``ComputeThreads``).
///
/// While loading an OpenBLAS, Foundry also sets `OPENBLAS_THREAD_TIMEOUT` (unless the user did) so that idle BLAS
/// workers sleep after about 2¹⁸ cycles instead of spinning for 2²⁸ (a tenth of a second) on the cores Foundry's own
/// loops need next.
///
/// A library that cannot be opened, or lacks a routine, is skipped and named in the error when nothing usable is left
/// (``FoundryCoreError/blasUnavailable(tried:)``). LAPACK routines are optional at load time: ``Matrix/solve(_:)`` and
/// ``Matrix/symmetricEigen()`` throw ``FoundryCoreError/lapackUnavailable(tried:)`` when no library provides them.
public struct BLASLibrary: Sendable, Equatable, Codable {
    /// Who made the library, as far as its symbols tell.
    public enum Vendor: String, Sendable, Codable {
        /// OpenBLAS (exports `openblas_get_config`).
        case openBLAS = "openblas"
        /// Intel oneMKL (exports `MKL_Get_Version_String`).
        case mkl
        /// BLIS (exports `bli_info_get_version_str`).
        case blis
        /// Any other CBLAS library.
        case other
    }

    /// What was asked of `dlopen` (`libopenblas.so.0`, or the value of `FOUNDRY_BLAS`).
    public var requested: String
    /// The file that defines `cblas_sgemm`, symbolic links resolved.
    public var path: String
    /// The vendor.
    public var vendor: Vendor
    /// Version and build configuration (`openblas_get_config()`, MKL's or BLIS's version string), when the library
    /// says.
    public var version: String?
    /// OpenBLAS's kernels in use (`openblas_get_corename()`), or `nil` for other libraries.
    public var core: String?
    /// Why those kernels.
    public var coreReason: String
    /// Threads the library uses, as it reports them (`nil` when it cannot say).
    public var threads: Int?
    /// The thread decision (``ComputeThreads``).
    public var threadPolicy: ComputeThreads
    /// The file that defines `LAPACKE_dgesv`, or `nil` when no library provides LAPACKE.
    public var lapackPath: String?
    /// What was tried for LAPACKE and why each failed, when ``lapackPath`` is `nil`.
    public var lapackTried: [String]

    /// Creates a description (the loader fills it; tests compare it).
    public init(
        requested: String, path: String, vendor: Vendor, version: String?, core: String?, coreReason: String,
        threads: Int?, threadPolicy: ComputeThreads, lapackPath: String?, lapackTried: [String]
    ) {
        self.requested = requested
        self.path = path
        self.vendor = vendor
        self.version = version
        self.core = core
        self.coreReason = coreReason
        self.threads = threads
        self.threadPolicy = threadPolicy
        self.lapackPath = lapackPath
        self.lapackTried = lapackTried
    }

    /// The library of this process, loaded on the first call (or the first BLAS routine Foundry runs).
    ///
    /// Call it early — before starting threads of your own — to get a load failure as an error rather than as a
    /// precondition failure at the first product: loading sets environment variables for a moment, which must not
    /// race with other threads reading the environment.
    /// - Throws: ``FoundryCoreError/blasUnavailable(tried:)`` naming every library tried and why it failed, or
    ///   ``FoundryCoreError/invalidEnvironment(variable:value:expected:)`` for a bad `FOUNDRY_THREADS`.
    public static func shared() throws -> BLASLibrary { try BLASRuntime.state.get().library }
}

/// `cblas_sgemm`.
package typealias SgemmFunction =
    @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
        Float,
        UnsafeMutablePointer<Float>?, Int32
    ) -> Void
/// `cblas_dgemm`.
package typealias DgemmFunction =
    @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32,
        Double, UnsafeMutablePointer<Double>?, Int32
    ) -> Void
/// `cblas_dgemv`.
package typealias DgemvFunction =
    @convention(c) (
        Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32, Double,
        UnsafeMutablePointer<Double>?, Int32
    ) -> Void
/// `cblas_saxpy`.
package typealias SaxpyFunction =
    @convention(c) (
        Int32, Float, UnsafePointer<Float>?, Int32, UnsafeMutablePointer<Float>?, Int32
    ) -> Void
/// `LAPACKE_dgesv` (32-bit `lapack_int`).
package typealias DgesvFunction =
    @convention(c) (
        Int32, Int32, Int32, UnsafeMutablePointer<Double>?, Int32, UnsafeMutablePointer<Int32>?,
        UnsafeMutablePointer<Double>?, Int32
    ) -> Int32
/// `LAPACKE_dsyevd` (32-bit `lapack_int`).
package typealias DsyevdFunction =
    @convention(c) (
        Int32, CChar, CChar, Int32, UnsafeMutablePointer<Double>?, Int32, UnsafeMutablePointer<Double>?
    ) -> Int32

/// `LAPACKE_dgesdd` (32-bit `lapack_int`).
package typealias DgesddFunction =
    @convention(c) (
        Int32, CChar, Int32, Int32, UnsafeMutablePointer<Double>?, Int32, UnsafeMutablePointer<Double>?,
        UnsafeMutablePointer<Double>?, Int32, UnsafeMutablePointer<Double>?, Int32
    ) -> Int32

/// The CBLAS and LAPACKE constants Foundry passes (their values are fixed by the CBLAS and LAPACKE interfaces).
package enum CBLASConstant {
    /// `CblasRowMajor` (and `LAPACK_ROW_MAJOR`).
    package static let rowMajor: Int32 = 101
    /// `CblasNoTrans`.
    package static let noTranspose: Int32 = 111
    /// `CblasTrans`.
    package static let transpose: Int32 = 112
}

/// The routines resolved from the loaded libraries.
///
/// Invariant (`@unchecked Sendable`): C function pointers into libraries that are never closed; calling them from any
/// thread is what the libraries allow (all are thread-safe for distinct outputs).
package struct BLASEntryPoints: @unchecked Sendable {
    package let sgemm: SgemmFunction
    package let saxpy: SaxpyFunction
    package let dgemm: DgemmFunction
    package let dgemv: DgemvFunction
    package let dgesv: DgesvFunction?
    package let dsyevd: DsyevdFunction?
    package let dgesdd: DgesddFunction?
    /// What was tried for LAPACKE, for the error when a LAPACK routine is missing.
    package let lapackTried: [String]
    /// Sets the library's thread count for the calls that follow (nil: the library has no setter Foundry knows).
    package let setThreads: (@Sendable (Int) -> Void)?

    /// The routines of the process-wide library; a precondition failure (naming what was tried) when none loads —
    /// callers that want an error call ``BLASLibrary/shared()`` first.
    package static var current: BLASEntryPoints {
        if let entryPoints = BLASRuntime.entryPoints { return entryPoints }
        switch BLASRuntime.state {
        case .success(let loaded): return loaded.entryPoints
        case .failure(let error): preconditionFailure("Foundry cannot compute without a BLAS library: \(error)")
        }
    }
}

/// The process-wide load, done once.
enum BLASRuntime {
    static let state: Result<(library: BLASLibrary, entryPoints: BLASEntryPoints), FoundryCoreError> = {
        do throws(FoundryCoreError) {
            return .success(
                try BLASLoader.load(
                    environment: ProcessInfo.processInfo.environment, cpu: .current, threads: ComputeThreads.current))
        } catch {
            return .failure(error)
        }
    }()
    /// The entry points alone (a trivially copyable value, for the hot path).
    static let entryPoints: BLASEntryPoints? = try? state.get().entryPoints
}
