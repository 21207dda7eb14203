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
            way. Both sets are scored under three class balances of the label model: uniform (ties by row hash), \
            estimated from the votes (ties by the prior) and the synthesized spec's class_balance — the pool's prior \
            estimated from that seed's exemplars (ties by the prior; the hand-written set gets the same seed's \
            estimate). The few-shot baseline is a logistic regression on the MiniLM embeddings of the exemplars alone. \
            Accuracy and F1 (of SPAM) on the test rows; every test row counts (rows no LF votes on get the label \
            model's tie-break). No test label is read before scoring.
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

    @Flag(
        help: """
            Score on a validation split instead of the test rows: the last 20 % of the (shuffled) train rows are held \
            out and scored, the other 80 % are the pool and the exemplars' source; the test rows are not read. For \
            choosing settings.
            """)
    var validation = false

    @Option(help: "The most LFs synthesized.")
    var maxLfs: Int = 20

    @Option(help: "Smallest smoothed exemplar precision of a chosen LF (the synthesizer's default when omitted).")
    var minPrecision: Double?

    @Option(
        help:
            "Share of the gap from a class's prior to 1 a chosen LF's precision must close (default: the synthesizer's)."
    )
    var minPrecisionGain: Double?

    @Option(help: "Exemplars of its class a keyword must occur in (default: the synthesizer's).")
    var minExemplarSupport: Int?

    @Option(help: "The largest overlap of a chosen LF with those chosen before it, 0…1 (default: the synthesizer's).")
    var maxOverlap: Double?

    @Option(help: "How much overlap with chosen LFs discounts a candidate, 0…1 (default: the synthesizer's).")
    var diversityWeight: Double?

    @Option(help: "Weight of the pool's nearest-centroid labels in keyword precision (default: the synthesizer's).")
    var poolEvidence: Double?

    @Option(help: "Candidate families, comma-separated: keyword, shape, similarity, classifier (default: all).")
    var families: String?

    @Flag(help: "Score candidates under the exemplars' class shares instead of the pool's estimated prior.")
    var noPriorAware = false

    @Option(
        help:
            "How the pool's prior is estimated: classify_and_count, adjusted_count or em (default: the synthesizer's).")
    var priorEstimator: ClassPriorEstimator.Method?

    @Option(help: "How pool rows are labeled as evidence: nearest_centroid or classifier (default: the synthesizer's).")
    var poolLabels: LFSynthesizer.PoolLabels?

    @Option(
        help: "L2 penalty of the few-shot classifier behind the prior estimate and the classifier LFs (default 0.001).")
    var classifierL2: Double?

    @Option(
        help: "Prior-adjusted probability at which a classifier LF votes, in (0.5, 1) (default: the synthesizer's).")
    var classifierConfidence: Double?

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
            if let unknown = splitList(families).first(where: { !known.contains($0) }) {
                throw ValidationError(
                    "--families: unknown family '\(unknown)' (valid: keyword, shape, similarity, classifier)")
            }
        }
        if let classifierL2, !(classifierL2 > 0 && classifierL2.isFinite) {
            throw ValidationError("--classifier-l2 must be a positive number")
        }
        if let classifierConfidence, !(classifierConfidence > 0.5 && classifierConfidence < 1) {
            throw ValidationError("--classifier-confidence must lie strictly between 0.5 and 1")
        }
    }

    /// The label model's class balance in a row of the table.
    enum Balance: String, CaseIterable {
        /// Uniform prior, ties by row hash (snorkel's default).
        case uniform
        /// Estimated from the votes by the label model, ties by the prior.
        case votes = "estimated_from_votes"
        /// The synthesized spec's `class_balance` (the pool's prior estimated from the exemplars), ties by the prior.
        case spec = "spec_class_balance"
    }

    /// Test scores of one method.
    struct Score: Encodable {
        var accuracy: Double
        var f1: Double
    }

    /// One seed's results.
    struct SeedRecord: Encodable {
        var seed: UInt64
        /// The synthesized set under each class balance.
        var synthesized: [String: Score]
        /// The hand-written set under the spec's class balance of this seed (the other balances do not depend on
        /// the seed: see ``Record/handWritten``).
        var handWrittenSpecBalance: Score?
        var estimatedPrior: [Double]?
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
        var classBalance: String?
        var accuracyMean: Double
        var accuracyStd: Double
        var f1Mean: Double
        var f1Std: Double
    }

    /// What the benchmark prints.
    struct Record: Encodable {
        var benchmark = "synthesize-lfs"
        var dataset: String
        /// `test`, or `validation` (rows carved from the train rows; the test rows unread).
        var scoredOn: String
        var rows: Int
        var trainRows: Int
        var testRows: Int
        var testSpamShare: Double
        var splitSeed: UInt64
        var exemplarsPerClass: Int
        var seeds: [SeedRecord]
        /// The hand-written set under the seed-independent balances.
        var handWritten: [String: Score]
        var handWrittenSpec: String
        /// The train rows' SPAM share (gold of the train rows; for judging the prior estimates, not used by any method).
        var trainSpamShare: Double
        var handWrittenTrainCoverage: Double
        var summary: [Summary]
        var goals: [String: Bool]
        var goalsByBalance: [String: [String: Bool]]
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
        var train = Array(order[..<trainCount]), test = Array(order[trainCount...])
        if validation {
            // Carve the validation rows from the train rows; the test rows take no further part.
            let fitCount = train.count * 8 / 10
            (train, test) = (Array(train[..<fitCount]), Array(train[fitCount...]))
        }
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

        /// Applies `spec`, fits auto on the train votes under `balance`, scores the test votes.
        func evaluate(_ spec: LFSpec, seed: UInt64, balance: Balance, prior: [Double]?) throws -> (
            Score, coverage: Double, choice: String
        ) {
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
            let classBalance: ClassBalance
            switch balance {
            case .uniform: classBalance = .uniform
            case .votes: classBalance = .estimated
            case .spec:
                guard let prior else { throw CommandFailure("the synthesized spec carries no class_balance") }
                classBalance = .given(prior)
            }
            try labelModel.fit(trainMatrix, options: FitOptions(classBalance: classBalance, seed: seed))
            let score = try labelModel.score(
                testMatrix, gold: testGold, tieBreak: balance == .uniform ? .rowHash : .prior)
            let covered = (0..<trainMatrix.rowCount).filter { !trainMatrix.votes(inRow: $0).isEmpty }.count
            let choice = (labelModel as? AutoLabelModel)?.choice?.rawValue ?? "auto"
            return (
                Score(accuracy: score.accuracy ?? 0, f1: score.f1 ?? 0),
                Double(covered) / Double(max(1, trainMatrix.rowCount)), choice
            )
        }

        let specPath = handWritten ?? "Datasets/lfs/\(dataset.rawValue)_spam_handwritten.yaml"
        let handSpec = try LFSpec.load(URL(fileURLWithPath: specPath))
        var handScores: [String: Score] = [:]
        var handCoverage = 0.0
        for balance in [Balance.uniform, .votes] {
            let (score, coverage, _) = try evaluate(handSpec, seed: 123, balance: balance, prior: nil)
            handScores[balance.rawValue] = score
            handCoverage = coverage
        }

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
            if let minPrecisionGain { configuration.minPrecisionGain = minPrecisionGain }
            if let minExemplarSupport { configuration.minExemplarSupport = minExemplarSupport }
            if let diversityWeight { configuration.diversityWeight = diversityWeight }
            if let maxOverlap { configuration.maxOverlap = maxOverlap }
            if let poolEvidence { configuration.poolEvidence = poolEvidence }
            if let families {
                configuration.families = Set(splitList(families).compactMap(LFCandidate.Family.init(rawValue:)))
            }
            configuration.priorAware = !noPriorAware
            if let classifierConfidence { configuration.classifierConfidence = classifierConfidence }
            if let priorEstimator { configuration.priorEstimation.method = priorEstimator }
            if let classifierL2 { configuration.priorEstimation.classifier.l2 = classifierL2 }
            if let poolLabels { configuration.poolLabels = poolLabels }
            let start = monotonicSeconds()
            let proposal = try LFSynthesizer(configuration: configuration).synthesize(
                pool: trainTexts, exemplars: exemplars, classes: classes, embedder: embedder)
            let synthesisSeconds = monotonicSeconds() - start
            let candidates = proposal.candidates
            let spec = LFSynthesizer.spec(of: candidates, classes: classes, classBalance: proposal.classBalance)
            guard !spec.labelingFunctions.isEmpty else { throw CommandFailure("seed \(seed): no LF synthesized") }
            var scores: [String: Score] = [:]
            var coverage = 0.0, choice = ""
            for balance in Balance.allCases where balance != .spec || spec.classBalance != nil {
                let result = try evaluate(spec, seed: seed, balance: balance, prior: spec.classBalance)
                scores[balance.rawValue] = result.0
                if balance == .uniform { (coverage, choice) = (result.coverage, result.choice) }
            }
            let handSpecBalance = try spec.classBalance.map {
                try evaluate(handSpec, seed: 123, balance: .spec, prior: $0).0
            }

            let baseline = try Self.fewShotBaseline(
                exemplarVectors: try vectors(exemplars.map(\.text)), labels: exemplars.map(\.label),
                classCount: classes.count, testVectors: testVectors, testGold: testGold)
            var byFamily: [String: Int] = [:]
            for candidate in candidates where candidate.accepted {
                byFamily[candidate.family.rawValue, default: 0] += 1
            }
            records.append(
                SeedRecord(
                    seed: seed, synthesized: scores, handWrittenSpecBalance: handSpecBalance,
                    estimatedPrior: spec.classBalance, fewShot: baseline,
                    lfs: spec.labelingFunctions.count, lfsByFamily: byFamily, trainCoverage: coverage,
                    labelModelChoice: choice, synthesisSeconds: synthesisSeconds,
                    lfNames: spec.labelingFunctions.map(\.name)))
        }

        func summary(_ method: String, _ balance: Balance?, _ scores: [Score]) -> Summary {
            func stats(_ values: [Double]) -> (Double, Double) {
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, values.count - 1))
                return (mean, variance.squareRoot())
            }
            let (accuracy, accuracySD) = stats(scores.map(\.accuracy)), (f1, f1SD) = stats(scores.map(\.f1))
            return Summary(
                method: method, classBalance: balance?.rawValue, accuracyMean: accuracy, accuracyStd: accuracySD,
                f1Mean: f1, f1Std: f1SD)
        }
        let fewShotScores = records.compactMap(\.fewShot)
        let fewShot = fewShotScores.isEmpty ? nil : summary("few_shot_logistic_regression", nil, fewShotScores)
        var rows: [Summary] = []
        var goalsByBalance: [String: [String: Bool]] = [:]
        for balance in Balance.allCases {
            let synthesizedScores = records.compactMap { $0.synthesized[balance.rawValue] }
            let handList =
                balance == .spec
                ? records.compactMap(\.handWrittenSpecBalance) : handScores[balance.rawValue].map { [$0] } ?? []
            guard !synthesizedScores.isEmpty, !handList.isEmpty else { continue }
            let synthesized = summary("synthesized", balance, synthesizedScores)
            let hand = summary("hand_written", balance, handList)
            rows += [synthesized, hand]
            goalsByBalance[balance.rawValue] = [
                "synthesized_within_3_points_of_hand_written": synthesized.accuracyMean >= hand.accuracyMean - 0.03,
                "synthesized_beats_few_shot_accuracy": fewShot.map { synthesized.accuracyMean > $0.accuracyMean }
                    ?? false,
                "synthesized_beats_few_shot_f1": fewShot.map { synthesized.f1Mean > $0.f1Mean } ?? false,
                "hand_written_beats_few_shot_accuracy": fewShot.map { hand.accuracyMean > $0.accuracyMean } ?? false,
            ]
        }
        let goals = goalsByBalance[Balance.spec.rawValue] ?? goalsByBalance[Balance.uniform.rawValue] ?? [:]
        try printBenchJSON(
            Record(
                dataset: dataset.rawValue, scoredOn: validation ? "validation" : "test", rows: texts.count,
                trainRows: train.count, testRows: test.count,
                testSpamShare: Double(testGold.filter { $0 == 1 }.count) / Double(test.count), splitSeed: splitSeed,
                exemplarsPerClass: exemplarsPerClass, seeds: records, handWritten: handScores,
                handWrittenSpec: specPath,
                trainSpamShare: Double(train.filter { gold[$0] == 1 }.count) / Double(train.count),
                handWrittenTrainCoverage: handCoverage, summary: rows + (fewShot.map { [$0] } ?? []),
                goals: goals, goalsByBalance: goalsByBalance,
                embeddingSeconds: embeddingSeconds,
                command: "foundry bench synthesize-lfs --dataset \(dataset.rawValue) --exemplars-per-class "
                    + "\(exemplarsPerClass) --seeds \(seeds) --split-seed \(splitSeed) --max-lfs \(maxLfs)"
                    + (minPrecision.map { " --min-precision \($0)" } ?? "")
                    + (minPrecisionGain.map { " --min-precision-gain \($0)" } ?? "")
                    + (minExemplarSupport.map { " --min-exemplar-support \($0)" } ?? "")
                    + (diversityWeight.map { " --diversity-weight \($0)" } ?? "")
                    + (maxOverlap.map { " --max-overlap \($0)" } ?? "")
                    + (poolEvidence.map { " --pool-evidence \($0)" } ?? "")
                    + (families.map { " --families \($0)" } ?? "")
                    + (noPriorAware ? " --no-prior-aware" : "")
                    + (priorEstimator.map { " --prior-estimator \($0.rawValue)" } ?? "")
                    + (classifierL2.map { " --classifier-l2 \($0)" } ?? "")
                    + (poolLabels.map { " --pool-labels \($0.rawValue)" } ?? "")
                    + (validation ? " --validation" : "")
                    + (classifierConfidence.map { " --classifier-confidence \($0)" } ?? "")))
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

extension ClassPriorEstimator.Method: ExpressibleByArgument {}
extension LFSynthesizer.PoolLabels: ExpressibleByArgument {}
