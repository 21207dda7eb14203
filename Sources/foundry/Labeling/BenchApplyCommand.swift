import ArgumentParser
import Foundation
import FoundryCore
import Labeling
import Tabular

#if canImport(Glibc)
    import Glibc
#endif

/// `foundry bench apply`: the applier benchmark (10 LFs over the YouTube comments cycled to N rows).
struct BenchApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Benchmark the LF applier: the 10 benchmark LFs over the YouTube Spam Collection cycled to N rows.",
        discussion: """
            Prints one JSON object {rows, lfs, seconds, rows_per_second, votes_per_lf, …}. Only the \
            application is timed (reading the CSVs is not), as in ../shared/bench/applier_peer.py. \
            Build with -c release.
            """)

    @Option(
        help:
            "Folder with Youtube01-Psy.csv … Youtube05-Shakira.csv (default: $FOUNDRY_DATA/uci_youtube_spam_collection)."
    )
    var corpus: String?

    @Option(help: "Number of rows (the 1,956 comments repeated in order).")
    var rows: Int = 1_000_000

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Repeat the timed application this many times and report the median.")
    var repeats: Int = 1

    @Flag(help: "Print JSON (the default and only format; accepted for symmetry with other commands).")
    var json = false

    @Flag(
        help:
            "Instead: apply 100 synthetic LFs at 25 % coverage to --rows rows and report resident memory (VmRSS/VmHWM)."
    )
    var memoryCheck = false

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        if memoryCheck { return try runMemoryCheck() }
        let directory: URL
        if let corpus {
            directory = URL(fileURLWithPath: corpus)
        } else {
            directory = try DatasetCatalog.dataDirectory(for: "uci_youtube_spam_collection")
        }
        let base = try SpamBenchmark.comments(in: directory)
        let texts = SpamBenchmark.cycled(base, to: rows)
        let applier = LFApplier(
            SpamBenchmark.labelingFunctions(), classNames: SpamBenchmark.classNames,
            configuration: .init(threadCount: threads))
        var timings: [Double] = []
        var cpuTimings: [Double] = []
        var result: LFApplierResult?
        for _ in 0..<repeats {
            let cpuStart = Self.processCPUSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            result = try applier.apply(texts)
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            cpuTimings.append(Self.processCPUSeconds() - cpuStart)
        }
        guard let matrix = result?.labelMatrix else { return }
        let seconds = timings.sorted()[timings.count / 2]
        var votes = [Int](repeating: 0, count: matrix.lfCount)
        for lf in matrix.voteLFs { votes[Int(lf)] += 1 }
        let baseRows = matrix.rows(0..<min(base.count, matrix.rowCount)).numPyArray()
        let report = BenchApplyReport(
            rows: rows, lfs: matrix.lfCount, baseRows: base.count,
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            seconds: seconds, rowsPerSecond: Double(rows) / seconds, votesPerLF: votes,
            labelMatrixSHA256Base: Digest.sha256Hex(baseRows.bytes), faults: result?.totalFaults ?? 0,
            allSeconds: timings, cpuSeconds: cpuTimings.sorted()[cpuTimings.count / 2])
        try printBenchJSON(report)
    }
}

extension BenchApplyCommand {
    /// User + system CPU time of the whole process so far (all threads), for reading results on a busy machine.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Builds a rows × 100 label matrix at 25 % coverage through the applier and reports memory from /proc/self/status.
    func runMemoryCheck() throws {
        func status(_ key: String) -> Double? {
            guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
                let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
            else { return nil }
            return kilobytes / 1024
        }
        let lfCount = 100
        let lfs: [LabelingFunction<Int>] = (0..<lfCount).map { lf in
            LabelingFunction(name: "lf_\(lf)") { row in
                // A fixed pseudo-random vote: 25 % of cells vote, half of those for each class.
                var x = UInt64(row &* lfCount &+ lf) &* 0x9E37_79B9_7F4A_7C15
                x ^= x >> 31
                x &*= 0xBF58_476D_1CE4_E5B9
                x ^= x >> 29
                return x % 4 == 0 ? .class(Int((x >> 8) & 1)) : .abstain
            }
        }
        let rowsIndices = Array(0..<rows)
        let before = status("VmRSS")
        let start = DispatchTime.now().uptimeNanoseconds
        let matrix = try LFApplier(lfs, classNames: ["0", "1"], configuration: .init(threadCount: threads)).apply(
            rowsIndices
        ).labelMatrix
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let after = status("VmRSS")
        let report: [String: Double] = [
            "rows": Double(rows), "lfs": Double(lfCount), "votes": Double(matrix.voteCount),
            "coverage": Double(matrix.voteCount) / Double(rows * lfCount), "seconds": seconds,
            "rss_mb_before": before ?? -1, "rss_mb_after": after ?? -1, "peak_rss_mb": status("VmHWM") ?? -1,
            "matrix_bytes_mb": Double(matrix.voteCount * 4 + (rows + 1) * 8) / 1_048_576,
        ]
        try printBenchJSON(report)
        withExtendedLifetime(matrix) {}
    }
}

struct BenchApplyReport: Encodable {
    let rows: Int
    let lfs: Int
    let baseRows: Int
    let threads: Int
    let seconds: Double
    let rowsPerSecond: Double
    let votesPerLF: [Int]
    let labelMatrixSHA256Base: String
    let faults: Int
    let allSeconds: [Double]
    let cpuSeconds: Double

    enum CodingKeys: String, CodingKey {
        case rows, lfs, threads, seconds, faults
        case baseRows = "base_rows"
        case rowsPerSecond = "rows_per_second"
        case votesPerLF = "votes_per_lf"
        case labelMatrixSHA256Base = "L_sha256_base"
        case allSeconds = "all_seconds"
        case cpuSeconds = "cpu_seconds"
    }
}
