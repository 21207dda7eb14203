import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

/// `foundry doctor`, the BLAS environment variables, and results that do not depend on OpenBLAS's kernels — run as a
/// user runs them, since the kernels are chosen once per process, when the library loads.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct ComputeCLITests {
    /// Every variable that changes what the loader does, removed so that each test sets exactly what it means.
    static let clean: [String: String?] = [
        "FOUNDRY_BLAS": nil, "FOUNDRY_LAPACKE": nil, "FOUNDRY_THREADS": nil, "OPENBLAS_CORETYPE": nil,
        "OPENBLAS_NUM_THREADS": nil, "OMP_NUM_THREADS": nil, "MKL_NUM_THREADS": nil, "BLIS_NUM_THREADS": nil,
    ]

    static func environment(_ extra: [String: String]) -> [String: String?] {
        var environment = clean
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    static func doctor(_ extra: [String: String] = [:]) throws -> [String: Any] {
        let output = try FoundryCLI.run(["doctor", "--json"], environment: environment(extra))
        #expect(output.status == 0, "\(output.standardError)")
        return try output.json()
    }

    @Test func doctorNamesTheLibraryItsKernelsAndThreads() throws {
        let json = try Self.doctor()
        let blas = try #require(json["blas"] as? [String: Any])
        let path = try #require(blas["path"] as? String)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(blas["vendor"] is String && blas["core_reason"] is String)
        let policy = try #require(blas["thread_policy"] as? [String: Any])
        #expect((policy["loop_threads"] as? Int ?? 0) >= 1)
        let cpu = try #require(json["cpu"] as? [String: Any])
        #expect(cpu["flags"] is [String] && cpu["model"] is Int)
        #expect((json["available_processors"] as? Int ?? 0) >= 1)
        // The readable form says the same.
        let text = try FoundryCLI.run(["doctor"], environment: Self.clean)
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("BLAS:") && text.standardOutput.contains(path))
        #expect(text.standardOutput.contains("Kernels:") && text.standardOutput.contains("Threads:"))
    }

    @Test func foundryThreadsSetsTheBLASAndTheLoops() throws {
        let json = try Self.doctor(["FOUNDRY_THREADS": "1"])
        let blas = try #require(json["blas"] as? [String: Any])
        let policy = try #require(blas["thread_policy"] as? [String: Any])
        #expect(policy["loop_threads"] as? Int == 1 && policy["blas_threads"] as? Int == 1)
        if blas["vendor"] as? String == "openblas" { #expect(blas["threads"] as? Int == 1) }
    }

    @Test func aUserCoreIsKeptAndSaidToBeTheUsers() throws {
        let json = try Self.doctor(["OPENBLAS_CORETYPE": "Prescott"])
        let blas = try #require(json["blas"] as? [String: Any])
        guard blas["vendor"] as? String == "openblas" else { return }
        #expect((blas["core"] as? String)?.lowercased() == "prescott")
        #expect((blas["core_reason"] as? String)?.contains("OPENBLAS_CORETYPE=Prescott set by the user") == true)
    }

    @Test func aMissingBLASIsAClearErrorNamingWhatWasTried() throws {
        let directory = TemporaryDirectory(prefix: "blas")
        let fake = try directory.write("libfake.so", "not a library\n")
        for candidate in [directory.file("libnothere.so").path, fake.path] {
            let doctor = try FoundryCLI.run(["doctor"], environment: Self.environment(["FOUNDRY_BLAS": candidate]))
            #expect(doctor.status == 1)
            #expect(doctor.standardError.contains(candidate) && doctor.standardError.contains("no usable BLAS"))
            #expect(doctor.standardOutput.contains("BLAS:     none loaded"))
            // A command that computes says so before it starts, without a crash.
            // (The matrix is never read: the library is loaded, and fails, before the command runs.)
            let matrix = try directory.write("L.npy", "unread\n")
            let fit = try FoundryCLI.run(
                [
                    "labelmodel", "fit", "--matrix", matrix.path, "--cardinality", "2", "--out",
                    directory.file("m.json").path,
                ],
                environment: Self.environment(["FOUNDRY_BLAS": candidate]))
            #expect(fit.status == 1 && fit.standardError.contains(candidate), "\(fit.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("m.json").path))
        }
        let threads = try FoundryCLI.run(["doctor"], environment: Self.environment(["FOUNDRY_THREADS": "many"]))
        #expect(threads.status == 1 && threads.standardError.contains("FOUNDRY_THREADS=many is not valid"))
    }

    /// The OpenBLAS cores this CPU can run (a core needs its instructions), besides the one Foundry chooses.
    static var cores: [String] {
        let cpu = CPUFeatures.current
        var cores = ["Prescott"]
        if cpu.has(all: [.avx2, .fma]) { cores.append("Haswell") }
        if cpu.has(all: BLASCoreChoice.avx512Subsets) { cores.append("SkylakeX") }
        return cores
    }

    static var modelDirectory: URL { AdaptersCLITests.modelDirectory }
    static var isOpenBLAS: Bool { (try? BLASLibrary.shared())?.vendor == .openBLAS }

    @Test(.enabled(if: AdaptersCLITests.hasModel && isOpenBLAS, "needs the encoder (make model) and OpenBLAS"))
    func embeddingsAgreeWithin1e5OnEveryCore() throws {
        let directory = TemporaryDirectory(prefix: "cores")
        let input = try directory.write(
            "texts.txt",
            "subscribe to my channel for the best music videos\nwhat a great song, I love it\nok\n"
                + "Check out this playlist: http://example.com www.example.com please share and like\n")
        func embed(_ core: String?) throws -> [Float] {
            let out = directory.file("embeddings-\(core ?? "chosen").npy")
            let run = try FoundryCLI.run(
                ["embed", "--model", Self.modelDirectory.path, "--input", input.path, "--out", out.path],
                environment: Self.environment(core.map { ["OPENBLAS_CORETYPE": $0] } ?? [:]))
            #expect(run.status == 0, "\(run.standardError)")
            return try NumPyArray(contentsOf: out).floats()
        }
        let chosen = try embed(nil)
        #expect(chosen.count == 4 * 384)
        for core in Self.cores {
            let forced = try embed(core)
            let difference = zip(chosen, forced).map { abs($0 - $1) }.max() ?? .infinity
            #expect(forced.count == chosen.count && difference <= 1e-5, "\(core): \(difference)")
        }
    }

    static var hasComments: Bool {
        let datasets =
            ProcessInfo.processInfo.environment["FOUNDRY_DATA"].map { URL(fileURLWithPath: $0) }
            ?? TestData.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets")
        return FileManager.default.fileExists(
            atPath: datasets.appendingPathComponent("uci_youtube_spam_collection/Youtube01-Psy.csv").path)
    }

    @Test(
        .enabled(
            if: AdaptersCLITests.hasModel && isOpenBLAS && hasComments,
            "needs the encoder (make model), OpenBLAS and the YouTube comments"))
    func theTrainingLossCurveAgreesWithin1e4OnEveryCoreAndRepeatsExactly() throws {
        func losses(_ core: String?) throws -> [Double] {
            let run = try FoundryCLI.run(
                [
                    "bench", "train", "--model", Self.modelDirectory.path, "--steps", "3", "--warmup", "0",
                    "--batch-size", "4", "--repeats", "1", "--max-length", "32",
                ], environment: Self.environment(core.map { ["OPENBLAS_CORETYPE": $0] } ?? [:]))
            #expect(run.status == 0, "\(run.standardError)")
            let runs = try #require(try run.json()["runs"] as? [[String: Any]])
            return try #require(runs.first?["losses"] as? [Double])
        }
        let chosen = try losses(nil)
        #expect(chosen.count == 3 && chosen.allSatisfy(\.isFinite))
        // Bit-reproducible: the same seed, kernels and threads give the same curve.
        #expect(try losses(nil) == chosen)
        for core in Self.cores {
            let forced = try losses(core)
            let difference = zip(chosen, forced).map { abs($0 - $1) }.max() ?? .infinity
            #expect(forced.count == chosen.count && difference <= 1e-4, "\(core): \(difference)")
        }
    }
}
