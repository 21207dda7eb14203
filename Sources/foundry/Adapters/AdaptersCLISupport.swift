import Adapters
import ArgumentParser
import Foundation
import Labeling
import Tabular

/// Helpers shared by the adapter commands (`embed`, `train`, `predict`, `bench embed`, `bench train`).
enum AdaptersCLI {
    /// Reads texts from `.txt` (one per line), `.jsonl` (field `text` or `field`) or `.csv` (column `field`, default `text`).
    static func readTexts(_ url: URL, field: String?) throws -> [String] {
        switch url.pathExtension.lowercased() {
        case "txt", "":
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw AdaptersError.io(path: url.path, reason: "cannot read UTF-8 text: \(error.localizedDescription)")
            }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            }
            if lines.last == "" { lines.removeLast() }
            return lines
        case "jsonl", "ndjson":
            return try JSONLReader.read(url).column(field ?? "text")
        case "csv":
            return try CSVReader.read(url).column(field ?? "text")
        case "tsv":
            return try CSVReader.read(url, delimiter: UInt8(ascii: "\t")).column(field ?? "text")
        default:
            throw CommandFailure("--input must be a .txt, .jsonl, .csv or .tsv file, got \(url.lastPathComponent)")
        }
    }

    /// Peak resident set size in MiB (`VmHWM` of `/proc/self/status`) to one decimal, when available.
    static func peakRSSMegabytes() -> Double? { peakResidentMiB().map { ($0 * 10).rounded() / 10 } }

    /// Monotonic seconds.
    static func now() -> Double { monotonicSeconds() }

    /// The shared datasets folder: `FOUNDRY_DATA` or `../shared/datasets` relative to the working directory.
    static var datasets: URL {
        if let value = ProcessInfo.processInfo.environment["FOUNDRY_DATA"], !value.isEmpty {
            return URL(fileURLWithPath: value)
        }
        return URL(fileURLWithPath: "../shared/datasets").standardizedFileURL
    }

    /// The UCI YouTube comments (CONTENT, CLASS) of `Youtube0*.csv` in file-name order, cycled to `count` rows,
    /// exactly as `../shared/bench/torch_minilm_bench.py` loads them.
    static func youtubeComments(count: Int) throws -> (texts: [String], labels: [Int]) {
        let folder = datasets.appendingPathComponent("uci_youtube_spam_collection")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let files = names.filter { $0.hasPrefix("Youtube0") && $0.hasSuffix(".csv") }.sorted()
        guard !files.isEmpty else {
            throw CommandFailure("no Youtube0*.csv in \(folder.path) (set FOUNDRY_DATA to the shared datasets folder)")
        }
        var texts: [String] = [], labels: [Int] = []
        for file in files {
            let table = try CSVReader.read(folder.appendingPathComponent(file))
            texts += try table.column("CONTENT")
            labels += try table.column("CLASS").map { Int($0) ?? 0 }
        }
        let unique = texts.count
        return ((0..<count).map { texts[$0 % unique] }, (0..<count).map { labels[$0 % unique] })
    }

    /// The median of non-empty values.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Rounds for JSON output.
    static func rounded(_ value: Double, _ digits: Int = 4) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }
}
