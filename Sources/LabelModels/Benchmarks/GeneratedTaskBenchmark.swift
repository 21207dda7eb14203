import Foundation
import FoundryCore
import Labeling

/// Every label model on tasks generated from shapes of real weak-supervision tasks
/// (``Labeling/SyntheticLabelingTask/Shape``), scored against the hidden labels, summarised per shape and overall
/// (`foundry bench labelmodels --generated N`).
///
/// Tasks go round-robin over the shapes; task i of a shape is drawn from a generator seeded by the run's seed, the
/// shape's name and i, so a run restricted to one shape draws the very tasks that shape has in a run of all of them.
/// Each model is fitted on the task's training rows and scored on ``Options/testRows`` fresh rows of the same task
/// (ties broken by row hash, as everywhere). The JSON keys of ``Report`` are a contract.
public enum GeneratedTaskBenchmark {
    /// How a run is set up.
    public struct Options: Sendable, Equatable {
        /// Number of tasks, spread round-robin over ``shapes``.
        public var tasks: Int
        /// The shapes to draw from.
        public var shapes: [SyntheticLabelingTask.Shape]
        /// Seed of the task generator.
        public var seed: UInt64
        /// Rows each model is scored on (drawn after the training rows).
        public var testRows: Int
        /// The methods to score (majority vote is always among them: auto is measured against it).
        public var methods: [LabelModelMethod]
        /// Whether to score every candidate auto weighed as well (``TaskRecord/autoCandidates``), not only its choice.
        public var scoresAutoCandidates = false

        /// Creates options; by default 500 tasks over the standard shapes, seed 17, 4,000 test rows, every method.
        public init(
            tasks: Int = 500, shapes: [SyntheticLabelingTask.Shape] = SyntheticLabelingTask.Shape.standard,
            seed: UInt64 = 17, testRows: Int = 4_000, methods: [LabelModelMethod] = LabelModelMethod.allCases
        ) {
            self.tasks = tasks
            self.shapes = shapes
            self.seed = seed
            self.testRows = testRows
            self.methods = methods
        }

        /// Checks the counts.
        ///
        /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` naming the setting.
        public func validate() throws {
            guard tasks > 0, testRows > 0 else {
                throw LabelModelsError.invalidConfiguration("the numbers of tasks and test rows must be positive")
            }
            guard !shapes.isEmpty else { throw LabelModelsError.invalidConfiguration("no shapes to draw tasks from") }
            guard !methods.isEmpty else { throw LabelModelsError.invalidConfiguration("no methods to score") }
        }
    }

    /// One generated task with its samples.
    public struct GeneratedTask: Sendable {
        /// `<shape>-000`, `<shape>-001`, ….
        public var name: String
        /// The generating parameters.
        public var task: SyntheticLabelingTask
        /// What the task was drawn as.
        public var draw: SyntheticLabelingTask.ShapeDraw
        /// The rows models are fitted on.
        public var train: SyntheticLabelingTask.Sample
        /// The rows models are scored on.
        public var test: SyntheticLabelingTask.Sample
    }

    /// Scores of one method on one task.
    public struct Score: Sendable, Equatable, Codable {
        /// Test accuracy.
        public var accuracy: Double
        /// Test macro-F1.
        public var macroF1: Double
        /// F1 of the minority class, on binary tasks whose classes are at least 1.5 : 1 apart.
        public var minorityF1: Double?
    }

    /// What one task was and how every method scored on it.
    public struct TaskRecord: Sendable, Equatable, Codable {
        /// The task's name.
        public var name: String
        /// Its shape's name.
        public var shape: String
        /// Classes k.
        public var k: Int
        /// Labeling functions m (echoes included).
        public var m: Int
        /// Training rows.
        public var trainRows: Int
        /// The generating class prior.
        public var prior: [Double]
        /// The least frequent class.
        public var minorityClass: Int
        /// Ratio of the most to the least frequent class's prior.
        public var imbalance: Double
        /// One-class functions.
        public var oneClassLFs: Int
        /// Multi-class functions.
        public var multiClassLFs: Int
        /// Functions near or below chance.
        public var nearChanceLFs: Int
        /// Echoing (correlated) functions.
        public var echoes: Int
        /// Share of test rows whose top vote count is shared by two or more classes.
        public var tieRate: Double
        /// Share of test rows without any vote.
        public var uncoveredRate: Double
        /// Scores by method name.
        public var scores: [String: Score]
        /// What auto chose (when auto ran).
        public var autoChoice: String?
        /// Why auto chose it.
        public var autoReason: String?
        /// With ``Options/scoresAutoCandidates``: every candidate auto weighed, scored on the test rows.
        public var autoCandidates: [CandidateScore]? = nil
    }

    /// One candidate of auto's fit (see ``AutoLabelModel/CandidateTrace``) and its test score.
    public struct CandidateScore: Sendable, Equatable, Codable {
        /// The candidate (an ``AutoLabelModel/Choice`` raw value).
        public var choice: String
        /// Whether it keeps MV's label wherever MV has a unique winner.
        public var isTieBreak: Bool
        /// Whether its family is identifiable on the task.
        public var identifiable: Bool
        /// Whether auto's rule could choose it.
        public var admissible: Bool
        /// Expected accuracy gain over MV under each judge's posterior, on training rows.
        public var expectedGains: [String: Double]
        /// Share of sampled training rows whose label differs from MV's (`nil` when not measured).
        public var changedRows: Double?
        /// Its test score.
        public var score: Score
    }

    /// Auto against majority vote, in accuracy points (auto − mv), over a set of tasks.
    public struct Comparison: Sendable, Equatable, Codable {
        /// Tasks compared.
        public var tasks: Int
        /// Mean of auto − mv.
        public var meanDifference: Double
        /// The 5th percentile of auto − mv (nearest rank).
        public var fifthPercentile: Double
        /// The most negative auto − mv.
        public var worst: Double
        /// The task of the worst difference.
        public var worstTask: String
        /// Share of tasks with auto ≥ mv − 0.005.
        public var shareWithinHalfPoint: Double
        /// Tasks with auto < mv − 0.03.
        public var tasksBelowThreePoints: Int
    }

    /// The results of a set of tasks (one shape, or all).
    public struct Summary: Sendable, Equatable, Codable {
        /// The shape's name, or `all`.
        public var shape: String
        /// Tasks summarised.
        public var tasks: Int
        /// Mean test accuracy by method, over the tasks the method could be fitted on (moments and triplet need
        /// three LFs; auto and MV always run).
        public var meanAccuracy: [String: Double]
        /// Mean minority-class F1 by method, over the imbalanced binary tasks.
        public var meanMinorityF1: [String: Double]
        /// How many tasks are imbalanced binary ones.
        public var imbalancedBinaryTasks: Int
        /// Auto against majority vote in accuracy (when both ran).
        public var autoVsMV: Comparison?
        /// Auto against majority vote in minority-class F1 (over the imbalanced binary tasks).
        public var autoVsMVMinorityF1: Comparison?
        /// How often auto chose each model.
        public var autoChoices: [String: Int]
        /// Mean share of tied test rows.
        public var meanTieRate: Double
        /// Mean share of uncovered test rows.
        public var meanUncoveredRate: Double
    }

    /// A whole run.
    public struct Report: Sendable, Equatable, Codable {
        /// The generator's seed.
        public var seed: UInt64
        /// Test rows per task.
        public var testRows: Int
        /// Per shape, in the order of the options.
        public var shapes: [Summary]
        /// Over every task.
        public var overall: Summary
        /// Every task.
        public var tasks: [TaskRecord]
    }

    /// Draws task `index` of `shape`: its generator is seeded by `seed`, the shape's name and `index`.
    ///
    /// - Complexity: O((training rows + test rows) · m).
    public static func generateTask(
        shape: SyntheticLabelingTask.Shape, index: Int, seed: UInt64, testRows: Int
    ) -> GeneratedTask {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the name: the same in every run and on every machine
        for byte in shape.name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var generator = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ hash &+ UInt64(index))
        let (task, draw) = SyntheticLabelingTask.random(shape: shape, using: &generator)
        let train = task.sample(rows: draw.rows, using: &generator)
        let test = task.sample(rows: testRows, using: &generator)
        return GeneratedTask(
            name: "\(shape.name)-\(String(format: "%03d", index))", task: task, draw: draw, train: train, test: test)
    }

    /// Fits and scores every method of `options` on one task.
    ///
    /// - Throws: ``LabelModelsError`` when a model cannot be fitted.
    public static func score(_ generated: GeneratedTask, options: Options) throws -> TaskRecord {
        let task = generated.task
        let binaryImbalanced = task.cardinality == 2 && generated.draw.imbalance >= 1.5
        var scores: [String: Score] = [:]
        var choice: String?
        var reason: String?
        var candidates: [CandidateScore]?
        for method in options.methods {
            var model = try LabelModelConfiguration(method: method).makeModel()
            let trace = method == .auto && options.scoresAutoCandidates ? AutoLabelModel.CandidateTrace() : nil
            do {
                try AutoLabelModel.$candidateTrace.withValue(trace) {
                    try model.fit(generated.train.matrix, options: FitOptions(seed: 123))
                }
            } catch LabelModelsError.tooFewLabelingFunctions {
                continue  // moments and triplet need 3 LFs; a task drawn with fewer has no score for them
            }
            func testScore(_ model: any LabelModel) throws -> Score {
                let predicted = try model.predict(generated.test.matrix, tieBreak: .rowHash).map(\.rawValue)
                let score = ClassificationScore(
                    gold: generated.test.labels, predicted: predicted, cardinality: task.cardinality,
                    positiveClass: task.minorityClass)
                return Score(
                    accuracy: score.accuracy ?? 0, macroF1: score.macroF1 ?? 0,
                    minorityF1: binaryImbalanced ? (score.f1 ?? 0) : nil)
            }
            scores[method.rawValue] = try testScore(model)
            if let trace {
                candidates = try trace.entries.map { entry in
                    CandidateScore(
                        choice: entry.choice.rawValue, isTieBreak: entry.isTieBreak, identifiable: entry.identifiable,
                        admissible: entry.admissible, expectedGains: entry.gains,
                        changedRows: entry.changedRows.isNaN ? nil : entry.changedRows,
                        score: try testScore(entry.model))
                }
            }
            if let auto = model as? AutoLabelModel {
                choice = auto.choice?.rawValue
                reason = auto.reason
            }
        }
        let test = generated.test.matrix
        var tied = 0, uncovered = 0
        var counts = [Int](repeating: 0, count: test.cardinality)
        for row in 0..<test.rowCount {
            let votes = test.votes(inRow: row)
            if votes.isEmpty {
                uncovered += 1
                continue
            }
            for c in counts.indices { counts[c] = 0 }
            for vote in votes { counts[vote.classIndex] += 1 }
            let top = counts.max() ?? 0
            if counts.filter({ $0 == top }).count > 1 { tied += 1 }
        }
        let draw = generated.draw
        return TaskRecord(
            name: generated.name, shape: draw.shape, k: task.cardinality, m: test.lfCount,
            trainRows: generated.train.matrix.rowCount, prior: task.classPrior, minorityClass: task.minorityClass,
            imbalance: draw.imbalance, oneClassLFs: draw.oneClassLFs, multiClassLFs: draw.multiClassLFs,
            nearChanceLFs: draw.nearChanceLFs, echoes: draw.echoes,
            tieRate: Double(tied) / Double(test.rowCount), uncoveredRate: Double(uncovered) / Double(test.rowCount),
            scores: scores, autoChoice: choice, autoReason: reason, autoCandidates: candidates)
    }

    /// Generates and scores every task.
    ///
    /// - Parameters:
    ///   - options: the run's settings.
    ///   - taskFinished: called with each task and its record as soon as it is scored (to dump it, or report
    ///     progress); an error it throws stops the run.
    /// - Returns: the report.
    /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` for invalid options; fitting errors; what
    ///   `taskFinished` throws.
    /// - Complexity: `tasks` × (generation + every method's fit and prediction).
    public static func run(
        options: Options, taskFinished: (GeneratedTask, TaskRecord) throws -> Void = { _, _ in }
    ) throws -> Report {
        try options.validate()
        var records: [TaskRecord] = []
        for index in 0..<options.tasks {
            let shape = options.shapes[index % options.shapes.count]
            let generated = generateTask(
                shape: shape, index: index / options.shapes.count, seed: options.seed, testRows: options.testRows)
            let record = try score(generated, options: options)
            records.append(record)
            try taskFinished(generated, record)
        }
        return Report(
            seed: options.seed, testRows: options.testRows,
            shapes: options.shapes.map { shape in summary(shape.name, records.filter { $0.shape == shape.name }) },
            overall: summary("all", records), tasks: records)
    }

    /// The summary of `records`.
    static func summary(_ name: String, _ records: [TaskRecord]) -> Summary {
        func means(_ value: (Score) -> Double?) -> [String: Double] {
            var values: [String: [Double]] = [:]
            for record in records {
                for (method, score) in record.scores {
                    if let v = value(score) { values[method, default: []].append(v) }
                }
            }
            return values.mapValues { $0.reduce(0, +) / Double($0.count) }
        }
        var choices: [String: Int] = [:]
        for record in records { if let choice = record.autoChoice { choices[choice, default: 0] += 1 } }
        let count = Double(max(records.count, 1))
        return Summary(
            shape: name, tasks: records.count, meanAccuracy: means { $0.accuracy },
            meanMinorityF1: means { $0.minorityF1 },
            imbalancedBinaryTasks: records.filter { $0.scores["mv"]?.minorityF1 != nil }.count,
            autoVsMV: comparison(records) { $0.accuracy }, autoVsMVMinorityF1: comparison(records) { $0.minorityF1 },
            autoChoices: choices, meanTieRate: records.map(\.tieRate).reduce(0, +) / count,
            meanUncoveredRate: records.map(\.uncoveredRate).reduce(0, +) / count)
    }

    /// Auto − mv in `value` over the records where both have one.
    static func comparison(_ records: [TaskRecord], _ value: (Score) -> Double?) -> Comparison? {
        var differences: [(Double, String)] = []
        for record in records {
            guard let auto = record.scores["auto"].flatMap(value), let mv = record.scores["mv"].flatMap(value) else {
                continue
            }
            differences.append((auto - mv, record.name))
        }
        guard !differences.isEmpty else { return nil }
        let sorted = differences.sorted { $0.0 < $1.0 }
        let n = Double(sorted.count)
        let rank = max(0, Int((0.05 * n).rounded(.up)) - 1)
        return Comparison(
            tasks: sorted.count, meanDifference: sorted.map(\.0).reduce(0, +) / n, fifthPercentile: sorted[rank].0,
            worst: sorted[0].0, worstTask: sorted[0].1,
            shareWithinHalfPoint: Double(sorted.filter { $0.0 >= -0.005 - 1e-12 }.count) / n,
            tasksBelowThreePoints: sorted.filter { $0.0 < -0.03 }.count)
    }
}
