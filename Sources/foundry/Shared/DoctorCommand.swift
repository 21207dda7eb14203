import ArgumentParser
import FoundryCore

/// `foundry doctor`: what Foundry computes with on this machine — the CPU and its enabled extensions, the BLAS library
/// (path, version, build configuration), OpenBLAS's kernels and why, thread counts, LAPACKE.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the CPU, the BLAS/LAPACK library, its kernels and threads that Foundry computes with.",
        discussion: """
            Foundry opens its BLAS at run time: FOUNDRY_BLAS (a path or soname) chooses the library, FOUNDRY_LAPACKE \
            where LAPACKE comes from, OPENBLAS_CORETYPE OpenBLAS's kernels (otherwise chosen from the CPU's \
            features), FOUNDRY_THREADS the threads of the BLAS and of Foundry's own loops. Exits with status 1 when \
            no BLAS library can be loaded, after saying what was tried.
            """)

    @Flag(help: "Print one JSON object (the same fields every `foundry bench` JSON carries under `machine`).")
    var json = false

    func run() throws {
        let environment = ComputeEnvironment.current()
        if json {
            try printJSON(environment)
        } else {
            print(Self.summary(environment))
        }
        if let error = environment.blasError { throw CommandFailure(error) }
    }

    /// The readable form.
    static func summary(_ environment: ComputeEnvironment) -> String {
        let cpu = environment.cpu
        var lines = ["Foundry \(environment.foundryVersion)"]
        if cpu.vendor.isEmpty {
            lines.append("CPU:      not x86-64 (no CPUID)")
        } else {
            lines.append(
                "CPU:      \(cpu.brand.isEmpty ? "(no brand string)" : cpu.brand) — \(cpu.vendor), family \(cpu.family), "
                    + "model \(cpu.model), stepping \(cpu.stepping)")
            lines.append(
                "Features: \(cpu.flags.isEmpty ? "none beyond SSE2" : cpu.flags.map(\.rawValue).joined(separator: " "))"
            )
        }
        lines.append("CPUs:     \(environment.availableProcessors) available to this process")
        guard let blas = environment.blas else {
            lines.append("BLAS:     none loaded")
            return lines.joined(separator: "\n")
        }
        lines.append("BLAS:     \(blas.path) (\(blas.vendor.rawValue), opened as \(blas.requested))")
        if let version = blas.version { lines.append("          \(version)") }
        lines.append("Kernels:  \(blas.core ?? "the library's own") — \(blas.coreReason)")
        let policy = blas.threadPolicy
        lines.append(
            "Threads:  BLAS \(blas.threads.map(String.init) ?? "unknown"), Foundry's loops \(policy.loopThreads) — "
                + policy.reason)
        if let lapack = blas.lapackPath {
            lines.append("LAPACKE:  \(lapack)")
        } else {
            lines.append(
                "LAPACKE:  none (label models that solve or diagonalize will fail); tried "
                    + blas.lapackTried.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}
