import Foundation
import FoundryCore
import Labeling

/// Label models on many generated tasks with known labels (``Labeling/SyntheticLabelingTask/random(using:)``), and how
/// far auto falls below majority vote on them (`foundry bench labelmodel-robustness`).
///
/// The WRENCH folders are few; this checks that auto stays close to majority vote wherever the task distribution
/// goes. Task `i` is drawn from one generator seeded with ``Options/seed``, so the same seed gives the same tasks
/// whatever the methods, and a dev set (``Options/devRows``) comes from its own generator, leaving train and test rows
/// unchanged. The JSON keys of ``Report`` are a contract.
public enum LabelModelRobustness {
    /// The class prior given to every model.
    public enum Prior: String, Sendable, Codable, CaseIterable {
        /// Every class equally likely (snorkel's default).
        case uniform
        /// Estimated from the votes by each model.
        case estimated
        /// The prior the task was generated with.
        case `true`
    }

    /// How a run is set up.
    public struct Options: Sendable, Equatable {
        /// Number of tasks.
        public var tasks: Int
        /// Seed of the task generator.
        public var seed: UInt64
        /// Rows each model is fitted on.
        public var trainRows: Int
        /// Rows each model is scored on.
        public var testRows: Int
        /// Labelled dev rows per task given to auto and wmv (0 = none).
        public var devRows: Int
        /// What ranks auto's candidates on the dev rows (`nil` = auto's default); needs dev rows.
        public var devMetric: AutoLabelModel.DevSelectionMetric?
        /// The methods to score.
        public var methods: [LabelModelMethod]
        /// The class prior given to the models.
        public var classBalance: Prior

        /// Creates options; by default 60 tasks of 5,000 train and 1,000 test rows, seed 1, every method, uniform prior.
        public init(
            tasks: Int = 60, seed: UInt64 = 1, trainRows: Int = 5_000, testRows: Int = 1_000, devRows: Int = 0,
            devMetric: AutoLabelModel.DevSelectionMetric? = nil,
            methods: [LabelModelMethod] = LabelModelMethod.allCases, classBalance: Prior = .uniform
        ) {
            self.tasks = tasks
            self.seed = seed
            self.trainRows = trainRows
            self.testRows = testRows
            self.devRows = devRows
            self.devMetric = devMetric
            self.methods = methods
            self.classBalance = classBalance
        }

        /// Checks the counts and that a dev metric comes with dev rows.
        ///
        /// - Throws: ``LabelModelsError/invalidConfiguration(_:)`` naming the setting.
        public func validate() throws {
            guard tasks > 0, trainRows > 0, testRows > 0 else {
                throw LabelModelsError.invalidConfiguration(
                    "the numbers of tasks, train rows and test rows must be positive")
            }
            guard devRows >= 0 else { throw LabelModelsError.invalidConfiguration("dev rows must not be negative") }
            guard devMetric == nil || devRows > 0 else {
                throw LabelModelsError.invalidConfiguration(
                    "a dev metric ranks auto's candidate models on dev rows, and none were asked for")
            }
            guard !methods.isEmpty else { throw LabelModelsError.invalidConfiguration("no methods to score") }
        }
    }

    /// One generated task with its samples.
    public struct GeneratedTask: Sendable {
        /// `t000`, `t001`, ….
        public var name: String
        /// The generating parameters.
        public var task: SyntheticLabelingTask
        /// The settings the task was drawn with.
        public var scenario: SyntheticLabelingTask.Scenario
        /// The rows models are fitted on.
        public var train: SyntheticLabelingTask.Sample
        /// The rows models are scored on.
        public var test: SyntheticLabelingTask.Sample
        /// Labelled dev rows, when asked for.
        public var dev: SyntheticLabelingTask.Sample?
    }

    /// Scores of one method on one task.
    public struct Score: Sendable, Equatable, Codable {
        /// Test accuracy (0 when nothing was scored).
        public var accuracy: Double
        /// Test macro-F1 (0 when nothing was scored).
        public var macroF1: Double
        /// F1 of the minority class, on binary tasks whose minority class is rarer than 50 %.
        public var minorityF1: Double?

        enum CodingKeys: String, CodingKey { case accuracy, macroF1 = "macro_f1", minorityF1 = "minority_f1" }
    }

    /// What one task was and how every method scored on it.
    public struct TaskRecord: Sendable, Equatable, Codable {
        /// The task's name.
        public var name: String
        /// Classes k.
        public var k: Int
        /// Labeling functions (copies included).
        public var m: Int
        /// The generating class prior.
        public var prior: [Double]
        /// The least frequent class.
        public var minorityClass: Int
        /// The scenario's one-sided fraction.
        public var oneSidedFraction: Double
        /// The scenario's largest coverage.
        public var maximumCoverage: Double
        /// The scenario's smallest accuracy.
        public var minimumAccuracy: Double
        /// Copied LFs.
        public var duplicatedLFs: Int
        /// Fraction of test rows with at least one vote.
        public var testCoverage: Double
        /// What auto chose (when auto ran).
        public var autoChoice: String?
        /// Auto's agreement with unambiguous majorities on the training rows.
        public var autoAgreement: Double?
        /// Auto's agreement with majorities that lead by two or more votes.
        public var autoStrongAgreement: Double?
        /// Scores by method name.
        public var scores: [String: Score]

        enum CodingKeys: String, CodingKey {
            case name, k, m, prior, minorityClass = "minority_class", oneSidedFraction = "one_sided_fraction"
            case maximumCoverage = "maximum_coverage", minimumAccuracy = "minimum_accuracy"
            case duplicatedLFs = "duplicated_lfs", testCoverage = "test_coverage", autoChoice = "auto_choice"
            case autoAgreement = "auto_agreement", autoStrongAgreement = "auto_strong_agreement", scores
        }
    }

    /// How auto compares with majority vote over the tasks where both ran.
    public struct Gap: Sendable, Equatable, Codable {
        /// Tasks on which auto scored more than 0.01 below majority vote.
        public var tasksBelowMVByMoreThan1pt: Int
        /// Tasks compared.
        public var tasks: Int
        /// The most negative auto − mv difference.
        public var worstGap: Double
        /// The task of the worst gap.
        public var worstTask: String

        enum CodingKeys: String, CodingKey {
            case tasksBelowMVByMoreThan1pt = "tasks_below_mv_by_more_than_1pt", tasks, worstGap = "worst_gap"
            case worstTask = "worst_task"
        }
    }

    /// A whole run.
    public struct Report: Sendable, Equatable, Codable {
        /// The generator's seed.
        public var seed: UInt64
        /// Train rows per task.
        public var trainRows: Int
        /// Test rows per task.
        public var testRows: Int
        /// Dev rows per task.
        public var devRows: Int?
        /// The prior given to the models.
        public var classBalance: Prior
        /// Every task.
        public var tasks: [TaskRecord]
        /// Mean accuracy by method.
        public var meanAccuracy: [String: Double]
        /// Mean macro-F1 by method.
        public var meanMacroF1: [String: Double]
        /// Mean minority-class F1 by method, over binary tasks whose minority class is rarer than 50 %.
        public var meanMinorityF1: [String: Double]
        /// Auto against majority vote in accuracy (when both ran).
        public var autoVsMVAccuracy: Gap?
        /// Auto against majority vote in minority-class F1.
        public var autoVsMVMinorityF1: Gap?
        /// Auto against majority vote in macro-F1.
        public var autoVsMVMacroF1: Gap?

        enum CodingKeys: String, CodingKey {
            case seed, trainRows = "train_rows", testRows = "test_rows", devRows = "dev_rows"
            case classBalance = "class_balance", tasks, meanAccuracy = "mean_accuracy", meanMacroF1 = "mean_macro_f1"
            case meanMinorityF1 = "mean_minority_f1", autoVsMVAccuracy = "auto_vs_mv_accuracy"
            case autoVsMVMinorityF1 = "auto_vs_mv_minority_f1", autoVsMVMacroF1 = "auto_vs_mv_macro_f1"
        }
    }

    /// Draws task number `index` (after the tasks before it) from `generator`; its dev rows, if any, come from a
    /// generator seeded from the run's seed and `index`, so asking for them changes no train or test row.
    ///
    /// - Complexity: O((train + test + dev rows) · m).
    public static func generateTask(index: Int, options: Options, generator: inout SeededGenerator) -> GeneratedTask {
        let (task, scenario) = SyntheticLabelingTask.random(using: &generator)
        let train = task.sample(rows: options.trainRows, using: &generator)
        let test = task.sample(rows: options.testRows, using: &generator)
        var dev: SyntheticLabelingTask.Sample?
        if options.devRows > 0 {
            dev = task.sample(rows: options.devRows, seed: options.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
        }
        return GeneratedTask(
            name: String(format: "t%03d", index), task: task, scenario: scenario, train: train, test: test, dev: dev)
    }

    /// Fits and scores every method on one task.
    ///
    /// - Throws: ``LabelModelsError`` when a model cannot be fitted.
    public static func score(_ generated: GeneratedTask, options: Options) throws -> TaskRecord {
        let task = generated.task
        var scores: [String: Score] = [:]
        var choice: String?
        var agreement: (Double?, Double?) = (nil, nil)
        let imbalancedBinary = task.cardinality == 2 && task.classPrior[task.minorityClass] < 0.5
        let prior: ClassBalance =
            switch options.classBalance {
            case .uniform: .uniform
            case .estimated: .estimated
            case .true: .given(task.classPrior)
            }
        for method in options.methods {
            var model = try LabelModelConfiguration(
                method: method, devMetric: method == .auto ? options.devMetric : nil
            )
            .makeModel()
            var fitOptions = FitOptions(classBalance: prior, seed: 123)
            if let dev = generated.dev, method.usesDevSet {
                fitOptions.devMatrix = dev.matrix
                fitOptions.devLabels = dev.labels
            }
            try model.fit(generated.train.matrix, options: fitOptions)
            let predicted = try model.predict(generated.test.matrix, tieBreak: .rowHash).map(\.rawValue)
            let score = ClassificationScore(
                gold: generated.test.labels, predicted: predicted, cardinality: task.cardinality,
                positiveClass: task.minorityClass)
            scores[method.rawValue] = Score(
                accuracy: score.accuracy ?? 0, macroF1: score.macroF1 ?? 0,
                minorityF1: imbalancedBinary ? score.f1 : nil)
            if let auto = model as? AutoLabelModel {
                choice = auto.choice?.rawValue
                agreement = (auto.agreementWithMajority, auto.agreementWithStrongMajority)
            }
        }
        let test = generated.test.matrix
        let covered = (0..<test.rowCount).filter { test.rowOffsets[$0 + 1] > test.rowOffsets[$0] }.count
        return TaskRecord(
            name: generated.name, k: task.cardinality, m: generated.train.matrix.lfCount, prior: task.classPrior,
            minorityClass: task.minorityClass, oneSidedFraction: generated.scenario.oneSidedFraction,
            maximumCoverage: generated.scenario.maximumCoverage, minimumAccuracy: generated.scenario.minimumAccuracy,
            duplicatedLFs: generated.scenario.duplicatedLFs, testCoverage: Double(covered) / Double(test.rowCount),
            autoChoice: choice, autoAgreement: agreement.0, autoStrongAgreement: agreement.1, scores: scores)
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
        var generator = SeededGenerator(seed: options.seed)
        var records: [TaskRecord] = []
        for index in 0..<options.tasks {
            let generated = generateTask(index: index, options: options, generator: &generator)
            let record = try score(generated, options: options)
            records.append(record)
            try taskFinished(generated, record)
        }
        return Report(
            seed: options.seed, trainRows: options.trainRows, testRows: options.testRows, devRows: options.devRows,
            classBalance: options.classBalance, tasks: records,
            meanAccuracy: means(records) { $0.accuracy }, meanMacroF1: means(records) { $0.macroF1 },
            meanMinorityF1: means(records) { $0.minorityF1 },
            autoVsMVAccuracy: gap(records) { $0.accuracy }, autoVsMVMinorityF1: gap(records) { $0.minorityF1 },
            autoVsMVMacroF1: gap(records) { $0.macroF1 })
    }

    /// Each method's mean of `value` over the tasks where it is defined.
    private static func means(_ records: [TaskRecord], _ value: (Score) -> Double?) -> [String: Double] {
        var sums: [String: [Double]] = [:]
        for record in records {
            for (method, score) in record.scores { if let v = value(score) { sums[method, default: []].append(v) } }
        }
        return sums.mapValues { $0.reduce(0, +) / Double($0.count) }
    }

    /// Auto against majority vote in `value`, over the tasks where both have one.
    private static func gap(_ records: [TaskRecord], _ value: (Score) -> Double?) -> Gap? {
        var result: Gap?
        for record in records {
            guard let auto = record.scores["auto"].flatMap(value), let mv = record.scores["mv"].flatMap(value) else {
                continue
            }
            var current =
                result ?? Gap(tasksBelowMVByMoreThan1pt: 0, tasks: 0, worstGap: .infinity, worstTask: record.name)
            current.tasks += 1
            if auto - mv < -0.01 { current.tasksBelowMVByMoreThan1pt += 1 }
            if auto - mv < current.worstGap {
                current.worstGap = auto - mv
                current.worstTask = record.name
            }
            result = current
        }
        return result
    }
}
