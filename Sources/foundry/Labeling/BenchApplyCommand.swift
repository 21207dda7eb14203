import ArgumentParser
import Foundation
import FoundryCore
import Labeling

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

    @Option(help: "Folder with Youtube01-Psy.csv … Youtube05-Shakira.csv (default: $FOUNDRY_DATA/uci_youtube_spam_collection).")
    var corpus: String?

    @Option(help: "Number of rows (the 1,956 comments repeated in order).")
    var rows: Int = 1_000_000

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Repeat the timed application this many times and report the median.")
    var repeats: Int = 1

    @Flag(help: "Print JSON (the default and only format; accepted for symmetry with other commands).")
    var json = false

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
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
        var result: LFApplierResult?
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            result = try applier.apply(texts)
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        guard let matrix = result?.labelMatrix else { return }
        let seconds = timings.sorted()[timings.count / 2]
        var votes = [Int](repeating: 0, count: matrix.lfCount)
        for lf in matrix.voteLFs { votes[Int(lf)] += 1 }
        let baseRows = matrix.rows(0..<min(base.count, matrix.rowCount)).numPyArray()
        let report = BenchApplyReport(
            rows: rows, lfs: matrix.lfCount, baseRows: base.count, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
            seconds: seconds, rowsPerSecond: Double(rows) / seconds, votesPerLF: votes,
            labelMatrixSHA256Base: SHA256Digest.hex(of: baseRows.bytes), faults: result?.totalFaults ?? 0,
            allSeconds: timings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
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

    enum CodingKeys: String, CodingKey {
        case rows, lfs, threads, seconds, faults
        case baseRows = "base_rows"
        case rowsPerSecond = "rows_per_second"
        case votesPerLF = "votes_per_lf"
        case labelMatrixSHA256Base = "L_sha256_base"
        case allSeconds = "all_seconds"
    }
}
