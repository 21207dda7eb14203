import CPlatform
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens a BLAS (and LAPACKE) library with `dlopen` and resolves Foundry's routines; see ``BLASLibrary``.
package enum BLASLoader {
    /// The libraries tried, in order, when `FOUNDRY_BLAS` is unset.
    static var defaultLibraries: [String] {
        #if os(macOS)
            return [
                "libopenblas.0.dylib", "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
                "/usr/local/opt/openblas/lib/libopenblas.dylib",
            ]
        #else
            return ["libopenblas.so.0", "libopenblas.so", "libblas.so.3"]
        #endif
    }

    /// The LAPACKE libraries tried, in order, when the BLAS library lacks LAPACKE and `FOUNDRY_LAPACKE` is unset.
    static var defaultLAPACKELibraries: [String] {
        #if os(macOS)
            return ["liblapacke.dylib", "/opt/homebrew/opt/lapack/lib/liblapacke.dylib"]
        #else
            return ["liblapacke.so.3", "liblapacke.so"]
        #endif
    }

    /// `OPENBLAS_THREAD_TIMEOUT` while loading (2^18 cycles of spinning before an idle worker sleeps; OpenBLAS's
    /// default is 2^28).
    static let openBLASThreadTimeout = "18"

    /// The CBLAS routines a library must export to be used.
    static let requiredSymbols = ["cblas_sgemm", "cblas_saxpy", "cblas_dgemm", "cblas_dgemv"]

    /// Loads the library the environment asks for.
    /// - Parameters:
    ///   - environment: the process environment (`FOUNDRY_BLAS`, `FOUNDRY_LAPACKE`, `OPENBLAS_CORETYPE`, threads).
    ///   - cpu: the processor, for the OpenBLAS core.
    ///   - threads: the thread decision (its failure is rethrown).
    /// - Throws: ``FoundryCoreError/blasUnavailable(tried:)`` when no candidate is a usable CBLAS library.
    package static func load(
        environment: [String: String], cpu: CPUFeatures, threads: Result<ComputeThreads, FoundryCoreError>
    ) throws(FoundryCoreError) -> (library: BLASLibrary, entryPoints: BLASEntryPoints) {
        let threadPolicy = try threads.get()
        let choice = BLASCoreChoice.openBLAS(for: cpu, environment: environment)
        var temporary: [String: String] = [:]
        if let core = choice.core { temporary["OPENBLAS_CORETYPE"] = core }
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil {
            temporary["OPENBLAS_THREAD_TIMEOUT"] = openBLASThreadTimeout
        }
        let explicit = environment["FOUNDRY_BLAS"].flatMap { $0.isEmpty ? nil : $0 }
        let candidates = explicit.map { [$0] } ?? defaultLibraries

        // OpenBLAS reads these variables in its constructor, while dlopen runs: set them for the load only.
        var tried: [String] = []
        let found = withEnvironment(temporary) { () -> (library: Library, requested: String)? in
            for candidate in candidates {
                switch open(candidate, requiring: requiredSymbols) {
                case .success(let library): return (library, candidate)
                case .failure(let reason): tried.append("\(candidate) (\(reason))")
                }
            }
            return nil
        }
        guard let (library, requested) = found else { throw FoundryCoreError.blasUnavailable(tried: tried) }
        // LAPACKE: from the BLAS library itself (MKL, OpenBLAS built with LAPACKE), else from a library of its own.
        var lapackTried: [String] = []
        var lapack: Library?
        if library.symbol("LAPACKE_dgesv") != nil {
            lapack = library
        } else {
            lapackTried.append("\(requested) (no LAPACKE_dgesv)")
            let lapackCandidates =
                environment["FOUNDRY_LAPACKE"].flatMap { $0.isEmpty ? nil : [$0] } ?? defaultLAPACKELibraries
            withEnvironment(temporary) {
                for candidate in lapackCandidates {
                    switch open(candidate, requiring: ["LAPACKE_dgesv", "LAPACKE_dsyevd"]) {
                    case .success(let opened):
                        lapack = opened
                        return
                    case .failure(let reason): lapackTried.append("\(candidate) (\(reason))")
                    }
                }
            }
        }
        guard let sgemm = library.symbol("cblas_sgemm"), let saxpy = library.symbol("cblas_saxpy"),
            let dgemm = library.symbol("cblas_dgemm"), let dgemv = library.symbol("cblas_dgemv")
        else {
            throw FoundryCoreError.blasUnavailable(tried: ["\(requested) (lost a routine after loading)"])
        }
        let dgesv = lapack?.symbol("LAPACKE_dgesv"), dsyevd = lapack?.symbol("LAPACKE_dsyevd")
        let dgesdd = lapack?.symbol("LAPACKE_dgesdd")
        let entryPoints = BLASEntryPoints(
            sgemm: unsafeBitCast(sgemm, to: SgemmFunction.self), saxpy: unsafeBitCast(saxpy, to: SaxpyFunction.self),
            dgemm: unsafeBitCast(dgemm, to: DgemmFunction.self), dgemv: unsafeBitCast(dgemv, to: DgemvFunction.self),
            dgesv: dgesv.map { unsafeBitCast($0, to: DgesvFunction.self) },
            dsyevd: dsyevd.map { unsafeBitCast($0, to: DsyevdFunction.self) },
            dgesdd: dgesdd.map { unsafeBitCast($0, to: DgesddFunction.self) },
            lapackTried: lapack == nil ? lapackTried : [], setThreads: threadSetter(library, vendor: library.vendor))

        let vendor = library.vendor
        let reported = configureThreads(library, vendor: vendor, threads: threadPolicy.blasThreads)
        let description = BLASLibrary(
            requested: requested, path: objectPath(of: sgemm) ?? requested, vendor: vendor,
            version: library.version(vendor), core: vendor == .openBLAS ? library.string("openblas_get_corename") : nil,
            coreReason: vendor == .openBLAS
                ? choice.reason : "not OpenBLAS (\(vendor.rawValue)): the library chooses its own kernels",
            threads: reported, threadPolicy: threadPolicy,
            lapackPath: lapack.flatMap { _ in dgesv.flatMap(objectPath(of:)) },
            lapackTried: lapack == nil ? lapackTried : [])
        return (description, entryPoints)
    }

    /// An opened library.
    struct Library {
        let handle: UnsafeMutableRawPointer

        /// The address of `name`, or `nil`.
        func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }

        /// The result of a C function `const char *name(void)`, when the library has it.
        func string(_ name: String) -> String? {
            typealias Function = @convention(c) () -> UnsafePointer<CChar>?
            guard let address = symbol(name) else { return nil }
            return unsafeBitCast(address, to: Function.self)().map { String(cString: $0) }
        }

        /// The vendor, from the symbols only one vendor exports.
        var vendor: BLASLibrary.Vendor {
            if symbol("openblas_get_config") != nil { return .openBLAS }
            if symbol("MKL_Get_Version_String") != nil { return .mkl }
            if symbol("bli_info_get_version_str") != nil { return .blis }
            return .other
        }

        /// The version string the vendor's API gives.
        func version(_ vendor: BLASLibrary.Vendor) -> String? {
            switch vendor {
            case .openBLAS: return string("openblas_get_config")
            case .blis: return string("bli_info_get_version_str").map { "BLIS \($0)" }
            case .mkl:
                typealias Function = @convention(c) (UnsafeMutablePointer<CChar>?, Int32) -> Void
                guard let address = symbol("MKL_Get_Version_String") else { return nil }
                var buffer = [CChar](repeating: 0, count: 256)
                buffer.withUnsafeMutableBufferPointer { unsafeBitCast(address, to: Function.self)($0.baseAddress, 255) }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            case .other: return nil
            }
        }
    }

    /// Opens `name` and checks that it exports `symbols`; the reason when it cannot be used.
    static func open(_ name: String, requiring symbols: [String]) -> Result<Library, LoadFailure> {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL) else {
            let message = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            return .failure(LoadFailure(message))
        }
        let library = Library(handle: handle)
        if let missing = symbols.first(where: { library.symbol($0) == nil }) {
            dlclose(handle)
            return .failure(LoadFailure("opened, but it does not export \(missing)"))
        }
        return .success(library)
    }

    /// Why a library could not be used.
    struct LoadFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Sets the library's thread count when Foundry decides it; returns what the library then reports.
    static func configureThreads(_ library: Library, vendor: BLASLibrary.Vendor, threads: Int?) -> Int? {
        typealias SetInt32 = @convention(c) (Int32) -> Void
        typealias GetInt32 = @convention(c) () -> Int32
        typealias SetInt64 = @convention(c) (Int64) -> Void
        typealias GetInt64 = @convention(c) () -> Int64
        let (setter, getter): (String, String)
        switch vendor {
        case .openBLAS: (setter, getter) = ("openblas_set_num_threads", "openblas_get_num_threads")
        case .mkl: (setter, getter) = ("MKL_Set_Num_Threads", "MKL_Get_Max_Threads")
        case .blis:
            if let threads, let set = library.symbol("bli_thread_set_num_threads") {
                unsafeBitCast(set, to: SetInt64.self)(Int64(threads))
            }
            return library.symbol("bli_thread_get_num_threads").map { Int(unsafeBitCast($0, to: GetInt64.self)()) }
        case .other: return nil
        }
        if let threads, let set = library.symbol(setter) { unsafeBitCast(set, to: SetInt32.self)(Int32(threads)) }
        return library.symbol(getter).map { Int(unsafeBitCast($0, to: GetInt32.self)()) }
    }

    /// The library's own thread setter (`openblas_set_num_threads`, `MKL_Set_Num_Threads`,
    /// `bli_thread_set_num_threads`), when it has one.
    static func threadSetter(_ library: Library, vendor: BLASLibrary.Vendor) -> (@Sendable (Int) -> Void)? {
        typealias SetInt32 = @convention(c) (Int32) -> Void
        typealias SetInt64 = @convention(c) (Int64) -> Void
        switch vendor {
        case .openBLAS, .mkl:
            let name = vendor == .openBLAS ? "openblas_set_num_threads" : "MKL_Set_Num_Threads"
            guard let address = library.symbol(name) else { return nil }
            let set = unsafeBitCast(address, to: SetInt32.self)
            return { set(Int32(clamping: $0)) }
        case .blis:
            guard let address = library.symbol("bli_thread_set_num_threads") else { return nil }
            let set = unsafeBitCast(address, to: SetInt64.self)
            return { set(Int64($0)) }
        case .other: return nil
        }
    }

    /// The file (symbolic links resolved) of the loaded object that contains `address`.
    static func objectPath(of address: UnsafeMutableRawPointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let found = buffer.withUnsafeMutableBufferPointer { foundry_object_path(address, $0.baseAddress, 4096) }
        guard found == 1 else { return nil }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let resolved = realpath(name, nil) else { return name }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Runs `body` with `variables` set in the process environment, then restores what was there.
    @discardableResult
    static func withEnvironment<T>(_ variables: [String: String], _ body: () throws -> T) rethrows -> T {
        // A list, not a dictionary: `dictionary[name] = nil` would drop the entry of an unset variable, which then
        // would never be unset again.
        var previous: [(name: String, value: String?)] = []
        for (name, value) in variables {
            previous.append((name, getenv(name).map { String(cString: $0) }))
            setenv(name, value, 1)
        }
        defer {
            for (name, value) in previous.reversed() {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try body()
    }
}
