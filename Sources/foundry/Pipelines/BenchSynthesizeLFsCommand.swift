import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Pipelines
import Tabular

/// `foundry bench synthesize-lfs`: labeling functions synthesized from a few exemplars per class against hand-written
/// ones and a few-shot classifier, on the raw UCI YouTube comments or the UCI SMS collection.
struct BenchSynthesizeLFsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize-lfs",
        abstract: "Synthesized LFs vs hand-written LFs vs a few-shot embedding classifier (test accuracy, F1).",
        discussion: """
            Rows are split 80/20 into train and test by a seeded shuffle (--split-seed, default 0; the same split for \
            every method and seed). For each of --seeds seeds (1, 2, …): --exemplars-per-class rows of each class are \
            drawn from the train rows; LFs are synthesized from them with the train texts as the pool (no review), \
            applied to train and test; the auto label model is fitted on the train votes and scored on the test \
            rows. The hand-written spec (Datasets/lfs/<dataset>_spam_handwritten.yaml) is applied and scored the same \
            way. The few-shot baseline is a logistic regression on the MiniLM embeddings of the exemplars alone. \
            Accuracy and F1 (of SPAM) on the test rows; every test row counts (rows no LF votes on get the label \
            model's tie-break).
            """)

    /// The corpora the benchmark knows.
    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case youtube, sms
    }

    @Option(help: "youtube (UCI YouTube Spam Collection, five CSVs) or sms (UCI SMS Spam Collection).")
    var dataset: Dataset

    @Option(help: "Exemplars drawn per class from the train rows.")
    var exemplarsPerClass: Int = 10

    @Option(help: "Number of exemplar seeds (1 … N).")
    var seeds: Int = 5

    @Option(help: "Seed of the 80/20 train/test split.")
    var splitSeed: UInt64 = 0

    @Option(help: "The most LFs synthesized.")
    var maxLfs: Int = 20

    @Option(help: "Smallest smoothed exemplar precision of a chosen LF (the synthesizer's default when omitted).")
    var minPrecision: Double?

    @Option(help: "Exemplars of its class a keyword must occur in (default: the synthesizer's).")
    var minExemplarSupport: Int?

    @Option(help: "How much overlap with chosen LFs discounts a candidate, 0…1 (default: the synthesizer's).")
    var diversityWeight: Double?

    @Option(help: "Weight of the pool's nearest-centroid labels in keyword precision (default: the synthesizer's).")
    var poolEvidence: Double?

    @Option(help: "Candidate families, comma-separated: keyword, shape, similarity (default: all).")
    var families: String?

    @Flag(help: "Label model with an estimated class balance, ties broken by it (default: uniform, by row hash).")
    var estimatedBalance = false

    @Option(help: "The encoder folder.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "The datasets folder (default: $FOUNDRY_DATA, else /work/shared/datasets).")
    var data: String?

    @Option(help: "The hand-written LF spec (default: Datasets/lfs/<dataset>_spam_handwritten.yaml).")
    var handWritten: String?

    @Flag(help: "Print JSON (the benchmark always prints JSON; accepted for symmetry with other benches).")
    var json = false

    func validate() throws {
        guard exemplarsPerClass >= 2 else { throw ValidationError("--exemplars-per-class must be at least 2") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard maxLfs >= 1 else { throw ValidationError("--max-lfs must be at least 1") }
        if let families {
            let known = Set(LFCandidate.Family.allCases.map(\.rawValue))
            guard let unknown = splitList(families).first(where: { !known.contains($0) }) else { return }
            throw ValidationError("--families: unknown family '\(unknown)' (valid: keyword, shape, similarity)")
        }
    }

    /// Test scores of one method.
    struct Score: Encodable {
        var accuracy: Double
        var f1: Double
    }

    /// One seed's results.
    struct SeedRecord: Encodable {
        var seed: UInt64
        var synthesized: Score
        var fewShot: Score?
        var lfs: Int
        var lfsByFamily: [String: Int]
        var trainCoverage: Double
        var labelModelChoice: String
        var synthesisSeconds: Double
        var lfNames: [String]
    }

    /// A method's mean and spread over seeds.
    struct Summary: Encodable {
        var method: String
        var accuracyMean: Double
        var accuracyStd: Double
        var f1Mean: Double
        var f1Std: Double
    }

    /// What the benchmark prints.
    struct Record: Encodable {
        var benchmark = "synthesize-lfs"
        var dataset: String
        var rows: Int
        var trainRows: Int
        var testRows: Int
        var testSpamShare: Double
        var splitSeed: UInt64
        var exemplarsPerClass: Int
        var seeds: [SeedRecord]
        var handWritten: Score
        var handWrittenSpec: String
        var handWrittenTrainCoverage: Double
        var summary: [Summary]
        var goals: [String: Bool]
        var embeddingSeconds: Double
        var command: String
    }

    func run() async throws {
        let root = data ?? ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "/work/shared/datasets"
        let (texts, gold) = try Self.load(dataset, root: URL(fileURLWithPath: root))
        let classes = ["HAM", "SPAM"]
        var generator = SeededGenerator(seed: splitSeed)
        var order = Array(texts.indices)
        order.shuffle(using: &generator)
        let trainCount = texts.count * 8 / 10
        let train = Array(order[..<trainCount]), test = Array(order[trainCount...])
        let trainTexts = train.map { texts[$0] }, testTexts = test.map { texts[$0] }
        let testGold = test.map { gold[$0] }

        let embedder = try SentenceEmbedder(directory: URL(fileURLWithPath: model))
        let embedStart = monotonicSeconds()
        let lookup = try EmbeddingLookup(texts: texts, embedder: embedder)
        let embeddingSeconds = monotonicSeconds() - embedStart
        func vectors(_ rows: [String]) throws -> [[Float]] {
            try rows.map { text in
                guard let vector = lookup.vector(for: text) else { throw CommandFailure("missing embedding") }
                return vector
            }
        }
        let testVectors = try vectors(testTexts)

        /// Applies `spec`, fits auto on the train votes, scores the test votes.
        func evaluate(_ spec: LFSpec, seed: UInt64) throws -> (Score, coverage: Double, choice: String) {
            let functions = try spec.compile(classNames: classes, defaultField: "text", embeddings: lookup)
            let applier = LFApplier(functions, classNames: classes)
            func matrix(_ rows: [String]) throws -> LabelMatrix {
                try applier.apply(
                    TextTable(source: dataset.rawValue, columnNames: ["text"], rows: rows.map { [$0] })
                        .records
                ).labelMatrix
            }
            let trainMatrix = try matrix(trainTexts), testMatrix = try matrix(testTexts)
            var labelModel = try LabelModelConfiguration(method: .auto).makeModel()
            try labelModel.fit(
                trainMatrix, options: FitOptions(classBalance: estimatedBalance ? .estimated : .uniform, seed: seed))
            let score = try labelModel.score(
                testMatrix, gold: testGold, tieBreak: estimatedBalance ? .prior : .rowHash)
            let covered = (0..<trainMatrix.rowCount).filter { !trainMatrix.votes(inRow: $0).isEmpty }.count
            let choice = (labelModel as? AutoLabelModel)?.choice?.rawValue ?? "auto"
            return (
                Score(accuracy: score.accuracy ?? 0, f1: score.f1 ?? 0),
                Double(covered) / Double(max(1, trainMatrix.rowCount)), choice
            )
        }

        let specPath = handWritten ?? "Datasets/lfs/\(dataset.rawValue)_spam_handwritten.yaml"
        let handSpec = try LFSpec.load(URL(fileURLWithPath: specPath))
        let (handScore, handCoverage, _) = try evaluate(handSpec, seed: 123)

        var records: [SeedRecord] = []
        for seed in 1...UInt64(seeds) {
            var sampler = SeededGenerator(seed: seed)
            var exemplars: [(text: String, label: Int)] = []
            for classIndex in classes.indices {
                var members = train.filter { gold[$0] == classIndex }
                members.shuffle(using: &sampler)
                guard members.count >= exemplarsPerClass else {
                    throw CommandFailure("only \(members.count) train rows of \(classes[classIndex])")
                }
                exemplars += members.prefix(exemplarsPerClass).map { (text: texts[$0], label: classIndex) }
            }
            var configuration = LFSynthesizer.Configuration()
            configuration.maxLFs = maxLfs
            configuration.seed = seed
            if let minPrecision { configuration.minPrecision = minPrecision }
            if let minExemplarSupport { configuration.minExemplarSupport = minExemplarSupport }
            if let diversityWeight { configuration.diversityWeight = diversityWeight }
            if let poolEvidence { configuration.poolEvidence = poolEvidence }
            if let families {
                configuration.families = Set(splitList(families).compactMap(LFCandidate.Family.init(rawValue:)))
            }
            let start = monotonicSeconds()
            let candidates = try LFSynthesizer(configuration: configuration).propose(
                pool: trainTexts, exemplars: exemplars, classes: classes, embedder: embedder)
            let synthesisSeconds = monotonicSeconds() - start
            let spec = LFSynthesizer.spec(of: candidates, classes: classes)
            guard !spec.labelingFunctions.isEmpty else { throw CommandFailure("seed \(seed): no LF synthesized") }
            let (score, coverage, choice) = try evaluate(spec, seed: seed)

            let baseline = try Self.fewShotBaseline(
                exemplarVectors: try vectors(exemplars.map(\.text)), labels: exemplars.map(\.label),
                classCount: classes.count, testVectors: testVectors, testGold: testGold)
            var byFamily: [String: Int] = [:]
            for candidate in candidates where candidate.accepted {
                byFamily[candidate.family.rawValue, default: 0] += 1
            }
            records.append(
                SeedRecord(
                    seed: seed, synthesized: score,
                    fewShot: baseline,
                    lfs: spec.labelingFunctions.count, lfsByFamily: byFamily, trainCoverage: coverage,
                    labelModelChoice: choice, synthesisSeconds: synthesisSeconds,
                    lfNames: spec.labelingFunctions.map(\.name)))
        }

        func summary(_ method: String, _ scores: [Score]) -> Summary {
            func stats(_ values: [Double]) -> (Double, Double) {
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, values.count - 1))
                return (mean, variance.squareRoot())
            }
            let (accuracy, accuracySD) = stats(scores.map(\.accuracy)), (f1, f1SD) = stats(scores.map(\.f1))
            return Summary(method: method, accuracyMean: accuracy, accuracyStd: accuracySD, f1Mean: f1, f1Std: f1SD)
        }
        let synthesized = summary("synthesized", records.map(\.synthesized))
        let fewShotScores = records.compactMap(\.fewShot)
        let fewShot = fewShotScores.isEmpty ? nil : summary("few_shot_logistic_regression", fewShotScores)
        let hand = summary("hand_written", [handScore])
        let metric: (Summary) -> Double = dataset == .sms ? { $0.f1Mean } : { $0.accuracyMean }
        let goals = [
            "synthesized_within_3_points_of_hand_written": synthesized.accuracyMean >= hand.accuracyMean - 0.03,
            "synthesized_beats_few_shot": fewShot.map { metric(synthesized) > metric($0) } ?? false,
            "hand_written_beats_few_shot": fewShot.map { metric(hand) > metric($0) } ?? false,
        ]
        try printBenchJSON(
            Record(
                dataset: dataset.rawValue, rows: texts.count, trainRows: train.count, testRows: test.count,
                testSpamShare: Double(testGold.filter { $0 == 1 }.count) / Double(test.count), splitSeed: splitSeed,
                exemplarsPerClass: exemplarsPerClass, seeds: records, handWritten: handScore, handWrittenSpec: specPath,
                handWrittenTrainCoverage: handCoverage, summary: [synthesized, hand] + (fewShot.map { [$0] } ?? []),
                goals: goals,
                embeddingSeconds: embeddingSeconds,
                command: "foundry bench synthesize-lfs --dataset \(dataset.rawValue) --exemplars-per-class "
                    + "\(exemplarsPerClass) --seeds \(seeds) --split-seed \(splitSeed) --max-lfs \(maxLfs)"
                    + (minPrecision.map { " --min-precision \($0)" } ?? "")
                    + (minExemplarSupport.map { " --min-exemplar-support \($0)" } ?? "")
                    + (diversityWeight.map { " --diversity-weight \($0)" } ?? "")
                    + (poolEvidence.map { " --pool-evidence \($0)" } ?? "")
                    + (families.map { " --families \($0)" } ?? "")
                    + (estimatedBalance ? " --estimated-balance" : "")))
    }

    /// The few-shot baseline: a logistic regression on the exemplars' embeddings alone, scored on the test rows.
    static func fewShotBaseline(
        exemplarVectors: [[Float]], labels: [Int], classCount: Int, testVectors: [[Float]], testGold: [Int]
    ) throws -> Score? {
        let classifier = try EmbeddingClassifier.fit(
            embeddings: exemplarVectors, labels: labels, classes: classCount)
        let predicted = try classifier.predict(testVectors)
        let score = ClassificationScore(gold: testGold, predicted: predicted, cardinality: classCount, positiveClass: 1)
        return Score(accuracy: score.accuracy ?? 0, f1: score.f1 ?? 0)
    }

    /// The texts and gold classes (0 = ham, 1 = spam) of a corpus, in file order.
    static func load(_ dataset: Dataset, root: URL) throws -> (texts: [String], gold: [Int]) {
        switch dataset {
        case .youtube:
            let folder = root.appendingPathComponent("uci_youtube_spam_collection")
            let files = [
                "Youtube01-Psy", "Youtube02-KatyPerry", "Youtube03-LMFAO", "Youtube04-Eminem", "Youtube05-Shakira",
            ]
            var texts: [String] = [], gold: [Int] = []
            for file in files {
                let table = try TableFormat.read(folder.appendingPathComponent(file + ".csv"))
                texts += try table.column("CONTENT")
                gold += try table.classIndices(column: "CLASS", classNames: ["0", "1"])
            }
            if let row = gold.firstIndex(of: TextTable.unknownClass) {
                throw CommandFailure("\(folder.path): row \(row) has no CLASS")
            }
            return (texts, gold)
        case .sms:
            let (labels, texts) = try SMSCollection.load(
                root.appendingPathComponent("uci_sms_spam_collection/SMSSpamCollection.tsv"))
            let gold = try labels.enumerated().map { line, label -> Int in
                switch label {
                case "ham": return 0
                case "spam": return 1
                default: throw CommandFailure("SMSSpamCollection.tsv:\(line + 1): label '\(label)' is not ham or spam")
                }
            }
            return (texts, gold)
        }
    }
}
