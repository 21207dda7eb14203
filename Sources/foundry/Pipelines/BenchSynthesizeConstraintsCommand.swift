import ArgumentParser
import Cleaning
import Foundation
import FoundryCore

/// `foundry bench synthesize-constraints`: constraints synthesized from a seeded sample of the UCI SMS Spam Collection,
/// checked against a seeded corrupter's damage.
struct BenchSynthesizeConstraintsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize-constraints",
        abstract: "Recall and false positives of constraints synthesized from a sample of the SMS collection.",
        discussion: """
            Reads the SMS Spam Collection as a table with columns id (the 0-based line), label and text; for each \
            seed, profiles a seeded sample of --sample rows and suggests constraints with the default rules, then \
            a seeded corrupter damages 2 % of the rows with each kind of damage (null or empty text, an unknown \
            label, control characters, text cut to 1–4 characters, text blown up past 2–4× the longest text, a \
            later exact copy of an earlier row) and the whole damaged table is validated. Prints per-kind recall \
            (damaged rows flagged), overall recall and the false-positive rate on undamaged rows, per seed and \
            averaged. --without-id drops the id column (a table without a key: exact duplicates of genuinely \
            repeated messages cannot be told apart).
            """)

    @Option(help: "Rows sampled to synthesize from.")
    var sample = 500

    @Option(help: "The first seed.")
    var seed: UInt64 = 1

    @Option(help: "Seeds run: seed, seed + 1, ….")
    var seeds = 1

    @Option(help: "Tukey's k of the log-length fence that sets the text's minimum length.")
    var lengthFence = 1.5

    @Option(help: "The text's maximum length is this multiple of the longest text sampled.")
    var maxLengthFactor = 2.0

    @Option(help: "Truncated texts are cut to 1…N characters.")
    var truncatedMax = 4

    @Flag(help: "Drop the id column before synthesizing.")
    var withoutID = false

    @Flag(help: "Print JSON only (it is printed either way).")
    var json = false

    @Option(
        help: "The SMSSpamCollection.tsv file (default: $FOUNDRY_DATA/uci_sms_spam_collection/SMSSpamCollection.tsv).")
    var data: String?

    func validate() throws {
        guard sample >= 1 else { throw ValidationError("--sample must be at least 1") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard lengthFence >= 0 else { throw ValidationError("--length-fence must not be negative") }
        guard maxLengthFactor >= 1 else { throw ValidationError("--max-length-factor must be at least 1") }
        guard truncatedMax >= 1 else { throw ValidationError("--truncated-max must be at least 1") }
    }

    /// Mean figures over the seeds.
    struct Summary: Encodable {
        /// Mean recall per kind of damage, in the corrupter's order.
        var recallByKind: [KindMean]
        /// Mean overall recall.
        var recall: Double
        /// Lowest overall recall of a seed.
        var recallMinimum: Double
        /// Mean false-positive rate on undamaged rows.
        var falsePositiveRate: Double
        /// Highest false-positive rate of a seed.
        var falsePositiveRateMaximum: Double
        /// Whether every seed met the goal (recall ≥ 0.9, false positives < 0.01).
        var goalMetEverySeed: Bool
    }

    /// Mean recall of one kind.
    struct KindMean: Encodable {
        var kind: String
        var recall: Double
        var recallMinimum: Double
    }

    /// What the benchmark prints.
    struct Record: Encodable {
        var dataset: String
        var rows: Int
        var sampleRows: Int
        var columns: [String]
        var lengthFence: Double
        var maxLengthFactor: Double
        var truncatedLengths: String
        var seeds: [UInt64]
        var runs: [ConstraintSynthesisEvaluation.Result]
        var summary: Summary
        var secondsPerRun: Double
    }

    func run() async throws {
        let url = data.map { URL(fileURLWithPath: $0) } ?? SMSCollection.defaultFile()
        let (labels, texts) = try SMSCollection.load(url)
        guard !labels.isEmpty else { throw CommandFailure("\(url.path): no label<TAB>text lines") }
        var names = ["id", "label", "text"]
        var columns: [[String?]] = [labels.indices.map { String($0) }, labels, texts]
        if withoutID {
            names.removeFirst()
            columns.removeFirst()
        }
        let table = CleaningTable(source: url.path, columnNames: names, columns: columns)
        guard sample <= table.rowCount else {
            throw CommandFailure("--sample \(sample) is larger than the collection's \(table.rowCount) rows")
        }
        var runs: [ConstraintSynthesisEvaluation.Result] = []
        let start = monotonicSeconds()
        let seedList = (0..<seeds).map { seed &+ UInt64($0) }
        for runSeed in seedList {
            FileHandle.standardError.write(
                Data("seed \(runSeed): sampling \(sample) rows, damaging, validating\n".utf8))
            runs.append(
                try ConstraintSynthesisEvaluation.run(
                    table: table, textColumn: "text", labelColumn: "label", sampleRows: sample, seed: runSeed,
                    suggester: ConstraintSuggester(
                        configuration: .init(lengthFence: lengthFence, maxLengthFactor: maxLengthFactor)),
                    corruption: TableCorrupter.Configuration(
                        textColumn: "text", labelColumn: "label", truncatedLengths: 1...truncatedMax, seed: 0)))
        }
        let seconds = (monotonicSeconds() - start) / Double(seeds)
        let kinds = TableCorrupter.Corruption.allCases.map { kind -> KindMean in
            let recalls = runs.compactMap { $0.kinds.first { $0.kind == kind }?.recall }
            return KindMean(
                kind: kind.rawValue, recall: recalls.reduce(0, +) / Double(max(1, recalls.count)),
                recallMinimum: recalls.min() ?? 0)
        }
        let count = Double(runs.count)
        let summary = Summary(
            recallByKind: kinds, recall: runs.map(\.recall).reduce(0, +) / count,
            recallMinimum: runs.map(\.recall).min() ?? 0,
            falsePositiveRate: runs.map(\.falsePositiveRate).reduce(0, +) / count,
            falsePositiveRateMaximum: runs.map(\.falsePositiveRate).max() ?? 0,
            goalMetEverySeed: runs.allSatisfy { $0.recall >= 0.9 && $0.falsePositiveRate < 0.01 })
        try printBenchJSON(
            Record(
                dataset: "uci_sms_spam_collection", rows: table.rowCount, sampleRows: sample, columns: names,
                lengthFence: lengthFence, maxLengthFactor: maxLengthFactor, truncatedLengths: "1...\(truncatedMax)",
                seeds: seedList, runs: runs, summary: summary, secondsPerRun: seconds))
    }
}
