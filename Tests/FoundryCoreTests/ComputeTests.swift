import Foundation
import FoundryTestSupport
import Testing

@testable import FoundryCore

/// The compute seam: CPU features, the OpenBLAS core choice, the thread policy and the run-time BLAS loader.
@Suite struct ComputeTests {
    static let sapphireRapids = CPUFeatures(
        vendor: "GenuineIntel", brand: "Intel(R) Xeon(R) Platinum", family: 6, model: 207, stepping: 2,
        flags: [
            .sse3, .ssse3, .sse41, .sse42, .avx, .f16c, .fma, .avx2, .avx512f, .avx512cd, .avx512bw, .avx512dq,
            .avx512vl, .avx512vnni, .avx512bf16, .avx512fp16, .avxvnni, .amxTile, .amxBF16, .amxInt8,
        ])
    static let zen2 = CPUFeatures(
        vendor: "AuthenticAMD", brand: "AMD EPYC", family: 23, model: 49, stepping: 0,
        flags: [.sse3, .ssse3, .sse41, .sse42, .avx, .f16c, .fma, .avx2])
    static let westmere = CPUFeatures(
        vendor: "GenuineIntel", brand: "Intel(R) Xeon(R) X5650", family: 6, model: 44, stepping: 2,
        flags: [.sse3, .ssse3, .sse41, .sse42])

    @Test func theCoreFollowsTheFeaturesNotTheModelNumber() {
        #expect(BLASCoreChoice.openBLAS(for: Self.sapphireRapids, environment: [:]).core == "SkylakeX")
        #expect(BLASCoreChoice.openBLAS(for: Self.zen2, environment: [:]).core == "Haswell")
        let old = BLASCoreChoice.openBLAS(for: Self.westmere, environment: [:])
        #expect(old.core == nil && old.reason.contains("no AVX2"))
        // AVX-512F alone (Knights Landing lacks BW, DQ, VL) is not enough for SkylakeX.
        var partial = Self.zen2
        partial.flags += [.avx512f, .avx512cd]
        #expect(BLASCoreChoice.openBLAS(for: partial, environment: [:]).core == "Haswell")
        let arm = CPUFeatures(vendor: "", brand: "", family: 0, model: 0, stepping: 0, flags: [])
        #expect(BLASCoreChoice.openBLAS(for: arm, environment: [:]).core == nil)
    }

    @Test func aCoreTheUserSetIsLeftAlone() {
        let choice = BLASCoreChoice.openBLAS(
            for: Self.sapphireRapids, environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(choice.core == nil)
        #expect(choice.reason.contains("OPENBLAS_CORETYPE=Prescott"))
    }

    @Test func threadsComeFromFoundryThreadsElseTheAvailableCPUs() throws {
        let fixed = try ComputeThreads.resolve(environment: ["FOUNDRY_THREADS": " 3 "], availableCPUs: 2)
        #expect(fixed.loopThreads == 3 && fixed.blasThreads == 3)
        let machine = try ComputeThreads.resolve(environment: [:], availableCPUs: 2)
        #expect(machine.loopThreads == 2 && machine.blasThreads == 2)
        #expect(try ComputeThreads.resolve(environment: [:], availableCPUs: 0).loopThreads == 1)
        // A BLAS variable of the user's own decides the BLAS threads, unless FOUNDRY_THREADS is set too.
        let user = try ComputeThreads.resolve(environment: ["OPENBLAS_NUM_THREADS": "1"], availableCPUs: 4)
        #expect(user.loopThreads == 4 && user.blasThreads == nil && user.reason.contains("OPENBLAS_NUM_THREADS=1"))
        let both = try ComputeThreads.resolve(
            environment: ["OPENBLAS_NUM_THREADS": "1", "FOUNDRY_THREADS": "2"], availableCPUs: 4)
        #expect(both.loopThreads == 2 && both.blasThreads == 2)
    }

    @Test(arguments: ["0", "-1", "two", "", "1.5", "5000"])
    func aBadThreadCountIsAnErrorNamingTheVariable(value: String) {
        #expect(
            throws: FoundryCoreError.invalidEnvironment(
                variable: "FOUNDRY_THREADS", value: value, expected: "a whole number of threads from 1 to 4096")
        ) {
            try ComputeThreads.resolve(environment: ["FOUNDRY_THREADS": value], availableCPUs: 2)
        }
    }

    /// `/proc/cpuinfo` (Linux's own reading of CPUID and XCR0) is the independent reference for what this process
    /// detects.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/cpuinfo")))
    func detectedFeaturesAgreeWithProcCPUInfo() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let lines = info.split(separator: "\n")
        let flagLine = try #require(lines.first { $0.hasPrefix("flags") })
        let linux = Set(flagLine.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
        let cpu = CPUFeatures.current
        guard !linux.isEmpty, !cpu.vendor.isEmpty else { return }
        // Linux calls SSE3 "pni".
        func linuxName(_ flag: CPUFeatures.Flag) -> String { flag == .sse3 ? "pni" : flag.rawValue }
        for flag in CPUFeatures.Flag.allCases {
            #expect(cpu.has(flag) == linux.contains(linuxName(flag)), "\(flag.rawValue)")
        }
        let model = lines.first { $0.hasPrefix("model\t") }.flatMap { $0.split(separator: ":").last }
        #expect(model.map { Int($0.trimmingCharacters(in: .whitespaces)) } == cpu.model)
        let vendor = lines.first { $0.hasPrefix("vendor_id") }.flatMap { $0.split(separator: ":").last }
        #expect(vendor.map { $0.trimmingCharacters(in: .whitespaces) } == cpu.vendor)
    }

    /// An environment that makes the loader set nothing (no core to choose, the thread timeout given), so that the
    /// failure tests do not touch this process's environment while other tests run.
    static let quietEnvironment = ["OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_THREAD_TIMEOUT": "18"]

    @Test func aMissingOrUnusableBLASIsAnErrorNamingWhatWasTried() throws {
        let directory = TemporaryDirectory(prefix: "blas")
        let text = try directory.write("libnotblas.so", "not a shared object\n")
        let missing = directory.file("libmissing.so").path
        let threads = Result<ComputeThreads, FoundryCoreError>.success(
            ComputeThreads(loopThreads: 1, blasThreads: 1, reason: "test"))
        for candidate in [missing, text.path, "libm.so.6"] {
            var environment = Self.quietEnvironment
            environment["FOUNDRY_BLAS"] = candidate
            do {
                _ = try BLASLoader.load(environment: environment, cpu: Self.westmere, threads: threads)
                Issue.record("\(candidate) loaded as a BLAS")
            } catch {
                guard case .blasUnavailable(let tried) = error else {
                    Issue.record("unexpected \(error)")
                    continue
                }
                #expect(tried.count == 1 && tried[0].hasPrefix(candidate))
                let message = error.description
                #expect(message.contains(candidate) && message.contains("FOUNDRY_BLAS"))
                if candidate == "libm.so.6" { #expect(message.contains("does not export cblas_sgemm")) }
            }
        }
    }

    @Test func anInvalidThreadCountStopsTheLoadWithItsError() {
        let threads = Result<ComputeThreads, FoundryCoreError>.failure(
            .invalidEnvironment(variable: "FOUNDRY_THREADS", value: "x", expected: "a whole number"))
        #expect(
            throws: FoundryCoreError.invalidEnvironment(
                variable: "FOUNDRY_THREADS", value: "x", expected: "a whole number")
        ) {
            try BLASLoader.load(environment: Self.quietEnvironment, cpu: Self.westmere, threads: threads)
        }
    }

    /// This process's library: where it came from, what OpenBLAS says it runs, and that the core is the one chosen.
    @Test func theSharedLibraryDescribesItself() throws {
        let library = try BLASLibrary.shared()
        #expect(FileManager.default.fileExists(atPath: library.path))
        #expect(library.threadPolicy.loopThreads >= 1)
        guard library.vendor == .openBLAS else { return }
        #expect(library.version?.contains("OpenBLAS") == true)
        let environment = ProcessInfo.processInfo.environment
        let choice = BLASCoreChoice.openBLAS(for: .current, environment: environment)
        #expect(library.coreReason == choice.reason)
        if let chosen = choice.core {
            // OpenBLAS reports its core names in its own spelling (SkylakeX as "SkylakeX", Haswell as "Haswell").
            #expect(library.core?.lowercased() == chosen.lowercased())
        }
        if let threads = library.threadPolicy.blasThreads { #expect(library.threads == threads) }
        // The BLAS computes: a 2 × 2 product through the loaded dgemm.
        let product = Matrix([[1, 2], [3, 4]]).multiplied(by: Matrix([[5, 6], [7, 8]]))
        #expect(product == Matrix([[19, 22], [43, 50]]))
    }

    @Test func perWorkerScopesSetOneBLASThreadOnEntryAndTheDecidedCountWhenTheLastCloses() {
        /// The thread counts a scope asked for, in order.
        final class Recorder: @unchecked Sendable {
            // Invariant: `calls` is touched only under `lock`.
            let lock = NSLock()
            var calls: [Int] = []
            func set(_ threads: Int) {
                lock.lock()
                calls.append(threads)
                lock.unlock()
            }
        }
        let recorder = Recorder()
        let scope = BLASThreadScope()
        scope.enter(recorder.set)
        scope.enter(recorder.set)  // nested: already single-threaded
        scope.leave(recorder.set, restoring: 2)
        #expect(recorder.calls == [1])
        scope.leave(recorder.set, restoring: 2)
        #expect(recorder.calls == [1, 2])
        // Scopes that overlap across threads: one switch to 1 per time the count leaves 0, one restore per return.
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            scope.enter(recorder.set)
            scope.leave(recorder.set, restoring: 2)
        }
        let calls = recorder.calls.dropFirst(2)
        #expect(!calls.isEmpty && calls.count % 2 == 0)
        #expect(calls.enumerated().allSatisfy { $0.element == ($0.offset % 2 == 0 ? 1 : 2) })
    }

    @Test func perWorkerScopesOfferEveryLoopThreadOnlyWhenFoundryDecidesTheBLASThreads() throws {
        let library = try BLASLibrary.shared()
        let decided = library.threadPolicy.blasThreads
        let controllable = (decided ?? 1) > 1 && library.vendor != .other
        let workers = ComputeThreads.withBLASPerWorker { $0 }
        #expect(workers == (controllable ? library.threadPolicy.loopThreads : 1))
    }
}
