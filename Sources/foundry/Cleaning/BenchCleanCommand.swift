import ArgumentParser
import Cleaning
import Foundation
import FoundryCore

/// `foundry bench clean`: the 8 benchmark checks over the SMS Spam Collection cycled to N rows, or (with
/// `--near-duplicates`) MinHash + LSH near-duplicate detection with planted small-edit duplicates.
struct BenchCleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Benchmark the constraint engine (8 checks) or near-duplicate detection; prints one JSON object.",
        discussion: """
            Checks, in order: (0) text not null; (1) text length 1…1000 Unicode scalars; (2) label in {ham, spam}; \
            (3) id unique; (4) text free of control characters other than tab, LF, CR; (5) email detector; \
            (6) phone detector; (7) exact duplicate texts. Compare with ../shared/bench/clean_peer.py DIR N. \
            --near-duplicates builds N texts (pairs of SMS messages joined, seeded), plants copies of earlier texts \
            with 1–3 character edits, and reports time and recall of the planted duplicates.
            """)

    @Option(help: "Rows (checks) or texts (--near-duplicates).")
    var rows = 1_000_000

    @Flag(help: "Print JSON only (it is printed either way; progress goes to standard error).")
    var json = false

    @Flag(help: "Benchmark near-duplicate detection instead of the 8 checks.")
    var nearDuplicates = false

    @Option(help: "Fraction of texts that are planted near-duplicates (--near-duplicates).")
    var plantedFraction = 0.05

    @Option(help: "Jaccard threshold (--near-duplicates).")
    var threshold = 0.8

    @Option(
        help: "The SMSSpamCollection.tsv file (default: $FOUNDRY_DATA/uci_sms_spam_collection/SMSSpamCollection.tsv).")
    var data: String?

    /// The output of the checks benchmark.
    struct ChecksRecord: Codable, Equatable {
        /// Rows validated.
        var rows: Int
        /// Constraints in the set (8).
        var checks: Int
        /// Wall time of the whole set, constraints evaluated concurrently.
        var seconds: Double
        /// `rows / seconds`.
        var rowsPerSecond: Double
        /// Failing rows of each check, in check order.
        var failuresPerCheck: [Int]
        /// Wall time of each check alone, run one after the other.
        var secondsPerCheckSequential: [Double]
    }

    /// The output of the near-duplicate benchmark.
    struct NearDuplicatesRecord: Codable, Equatable {
        /// Texts searched.
        var texts: Int
        /// Planted near-duplicates among them.
        var planted: Int
        /// The Jaccard threshold.
        var threshold: Double
        /// LSH bands.
        var bands: Int
        /// MinHash rows per band.
        var rowsPerBand: Int
        /// Wall time of the detection.
        var seconds: Double
        /// `texts / seconds`.
        var textsPerSecond: Double
        /// Share of the planted duplicates flagged.
        var recall: Double
        /// Planted duplicates whose exact Jaccard similarity to their source reaches the threshold.
        var plantedWithTrueJaccardAtLeastThreshold: Int
        /// Share of those flagged.
        var recallTrueJaccardAtLeastThreshold: Double
        /// Rows flagged that were not planted.
        var otherRowsFlagged: Int
        /// Of those, rows whose exact Jaccard similarity to the row found reaches the threshold.
        var otherRowsFlaggedWithTrueJaccardAtLeastThreshold: Int
    }

    func validate() throws {
        guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        guard (0..<1).contains(plantedFraction) else { throw ValidationError("--planted-fraction must be in [0, 1)") }
        guard threshold > 0, threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1]") }
    }

    func run() async throws {
        let url = data.map { URL(fileURLWithPath: $0) } ?? SMSCollection.defaultFile()
        if nearDuplicates {
            try printBenchJSON(try nearDuplicateBench(url))
        } else {
            try printBenchJSON(try checksBench(url))
        }
    }

    static let checks = ConstraintSet {
        NotNull("text")
        Length("text", minimum: 1, maximum: 1000)
        AllowedValues("label", ["ham", "spam"])
        Unique("id")
        ValidText("text")
        NoPII("text", kinds: [.email]).named("email")
        NoPII("text", kinds: [.phone]).named("phone")
        Unique("text")
    }

    private func checksBench(_ url: URL) throws -> ChecksRecord {
        let table = try SMSCollection.table(rows: rows, from: url)
        FileHandle.standardError.write(Data("loaded \(table.rowCount) rows; running 8 checks\n".utf8))
        let options = ValidationOptions(maxSampleValues: 0, maxFailuresListed: 0)
        // Headline: the whole set, constraints evaluated concurrently. Diagnostics: each check alone, sequentially.
        let start = DispatchTime.now().uptimeNanoseconds
        let report = try Self.checks.validate(table, options: options)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var perCheck: [Double] = []
        for constraint in Self.checks.constraints {
            let checkStart = DispatchTime.now().uptimeNanoseconds
            _ = try ConstraintSet([constraint]).validate(table, options: options)
            perCheck.append(Double(DispatchTime.now().uptimeNanoseconds - checkStart) / 1e9)
        }
        return ChecksRecord(
            rows: rows, checks: report.results.count, seconds: seconds, rowsPerSecond: Double(rows) / seconds,
            failuresPerCheck: report.results.map(\.rowsFailed), secondsPerCheckSequential: perCheck)
    }

    private func nearDuplicateBench(_ url: URL) throws -> NearDuplicatesRecord {
        let (_, allTexts) = try SMSCollection.load(url)
        var seen = Set<String>()
        let base = allTexts.filter { seen.insert($0).inserted }
        guard !base.isEmpty else { throw CommandFailure("\(url.path): no messages to build texts from") }
        var generator = SeededGenerator(seed: 2024)
        func pick(_ n: Int) -> Int { Int(generator.next() % UInt64(n)) }
        let planted = Int(Double(rows) * plantedFraction)
        var texts: [String?] = []
        texts.reserveCapacity(rows)
        var plantedSource: [Int: Int] = [:]
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        for index in 0..<rows {
            if index >= 100, plantedSource.count < planted, pick(rows - index) < planted - plantedSource.count {
                let source = pick(index)
                var characters = Array(texts[source] ?? "")
                for _ in 0...(pick(3)) where characters.count > 1 {
                    let position = pick(characters.count)
                    switch pick(3) {
                    case 0: characters[position] = letters[pick(letters.count)]
                    case 1: characters.insert(letters[pick(letters.count)], at: position)
                    default: characters.remove(at: position)
                    }
                }
                texts.append(String(characters))
                plantedSource[index] = source
            } else {
                texts.append(base[pick(base.count)] + " " + base[pick(base.count)])
            }
        }
        FileHandle.standardError.write(
            Data("\(rows) texts, \(plantedSource.count) planted near-duplicates; detecting\n".utf8))
        let detector = NearDuplicateDetector(configuration: .init(threshold: threshold))
        let start = DispatchTime.now().uptimeNanoseconds
        let found = detector.duplicates(in: texts)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let flagged = Dictionary(found.map { ($0.row, $0.original) }, uniquingKeysWith: { first, _ in first })
        let detected = plantedSource.keys.filter { flagged[$0] != nil }.count
        let aboveThreshold = plantedSource.filter {
            detector.exactJaccard(texts[$0.key] ?? "", texts[$0.value] ?? "") >= threshold
        }
        let detectedAbove = aboveThreshold.keys.filter { flagged[$0] != nil }.count
        let others = found.filter { plantedSource[$0.row] == nil }
        let othersGenuine = others.filter {
            detector.exactJaccard(texts[$0.row] ?? "", texts[$0.original] ?? "") >= threshold
        }.count
        return NearDuplicatesRecord(
            texts: rows, planted: plantedSource.count, threshold: threshold, bands: detector.bands,
            rowsPerBand: detector.rowsPerBand, seconds: seconds, textsPerSecond: Double(rows) / seconds,
            recall: plantedSource.isEmpty ? 1 : Double(detected) / Double(plantedSource.count),
            plantedWithTrueJaccardAtLeastThreshold: aboveThreshold.count,
            recallTrueJaccardAtLeastThreshold: aboveThreshold.isEmpty
                ? 1 : Double(detectedAbove) / Double(aboveThreshold.count),
            otherRowsFlagged: others.count, otherRowsFlaggedWithTrueJaccardAtLeastThreshold: othersGenuine)
    }
}
