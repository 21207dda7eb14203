import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// `foundry bench labelmodel-robustness`: every method on many generated tasks with known labels (``SyntheticTask``).
///
/// The WRENCH folders are few; this checks that Auto stays close to majority vote wherever the task distribution
/// goes, and `--dump` writes the tasks as `.npy` so `scripts/robustness_peers.py` can run snorkel and flyingsquid on
/// the very same matrices.
struct BenchLabelModelRobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodel-robustness",
        abstract:
            "Every label model on generated tasks with known labels; prints scores per task and how far Auto falls below MV."
    )

    @Option(help: "Number of generated tasks.") var tasks: Int = 60
    @Option(help: "Seed of the task generator.") var seed: UInt64 = 1
    @Option(name: .customLong("train-rows"), help: "Rows each model is fitted on.") var trainRows: Int = 5_000
    @Option(name: .customLong("test-rows"), help: "Rows each model is scored on.") var testRows: Int = 1_000
    @Option(
        name: .customLong("dev-rows"),
        help: "Labelled dev rows per task given to auto and wmv (0 = none; the tasks are the same either way).")
    var devRows: Int = 0
    @Option(
        name: .customLong("dev-metric"),
        help: "What ranks auto's candidates on the dev rows: macro-f1 (the default) or accuracy.")
    var devMetric: MomentOptions.DevMetricOption?
    @Option(help: "Comma-separated methods (mv, wmv, ds, moments, triplet, auto).") var methods: String =
        "mv,wmv,ds,moments,triplet,auto"
    @Option(
        name: .customLong("class-balance"),
        help:
            "Class prior the models are given: uniform (snorkel's default), estimated (from the votes) or true (the generating prior)."
    )
    var classBalance: Prior = .uniform
    @Option(help: "Write every task as <name>.{train,test}.{L,y}.npy plus report.json into this folder.") var dump:
        String?
    @Flag(help: "Only the JSON object (otherwise a table and progress also go to stderr).") var json = false

    /// The class prior passed to every model.
    enum Prior: String, ExpressibleByArgument, Codable {
        case uniform, estimated, `true`
    }

    struct Score: Codable { var accuracy: Double, macro_f1: Double, minority_f1: Double? }
    struct TaskRecord: Codable {
        var name: String, k: Int, m: Int, prior: [Double], minority_class: Int
        var one_sided_fraction: Double, maximum_coverage: Double, minimum_accuracy: Double, duplicated_lfs: Int
        var test_coverage: Double, auto_choice: String?
        /// Auto's guard measurements on the training rows (agreement with unambiguous / ≥ 2-vote majorities).
        var auto_agreement: Double?, auto_strong_agreement: Double?
        var scores: [String: Score]
    }
    struct Gap: Codable { var tasks_below_mv_by_more_than_1pt: Int, tasks: Int, worst_gap: Double, worst_task: String }
    struct Report: Codable {
        var seed: UInt64, train_rows: Int, test_rows: Int, dev_rows: Int?, class_balance: Prior
        var tasks: [TaskRecord]
        var mean_accuracy: [String: Double]
        var mean_macro_f1: [String: Double]
        /// Over binary tasks whose minority class is rarer than 50 %.
        var mean_minority_f1: [String: Double]
        var auto_vs_mv_accuracy: Gap?
        var auto_vs_mv_minority_f1: Gap?
        var auto_vs_mv_macro_f1: Gap?
    }

    func validate() throws {
        guard tasks > 0, trainRows > 0, testRows > 0 else {
            throw ValidationError("--tasks, --train-rows and --test-rows must be positive")
        }
        guard devRows >= 0 else { throw ValidationError("--dev-rows must not be negative") }
        for name in methods.split(separator: ",") where LabelModelMethod(rawValue: String(name)) == nil {
            throw ValidationError(
                "unknown method '\(name)' in --methods; expected mv, wmv, ds, moments, triplet or auto")
        }
    }

    func run() throws {
        let chosen = methods.split(separator: ",").map(String.init)
        let folder = dump.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let folder { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        var generator = SeededGenerator(seed: seed)
        var records: [TaskRecord] = []
        for index in 0..<tasks {
            let task = SyntheticTask(
                index: index, trainRows: trainRows, testRows: testRows, devRows: devRows,
                devSeed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index), generator: &generator)
            if let folder { try write(task, to: folder) }
            var scores: [String: Score] = [:]
            var choice: String?
            var agreement: (Double?, Double?) = (nil, nil)
            let imbalancedBinary = task.cardinality == 2 && task.prior[task.minorityClass] < 0.5
            for method in chosen {
                var model = try LabelModelFile.makeModel(method: method)
                if method == "auto", let devMetric {
                    var configuration = AutoLabelModel.Configuration()
                    configuration.devSelectionMetric = devMetric.metric
                    model = AutoLabelModel(configuration: configuration)
                }
                let prior: ClassBalance =
                    switch classBalance {
                    case .uniform: .uniform
                    case .estimated: .estimated
                    case .true: .given(task.prior)
                    }
                var options = FitOptions(classBalance: prior, seed: 123)
                if let dev = task.dev, method == "auto" || method == "wmv" {
                    options.devMatrix = dev
                    options.devLabels = task.devLabels
                }
                try model.fit(task.train, options: options)
                let predicted = try model.predict(task.test, tieBreak: .rowHash).map(\.rawValue)
                let score = ClassificationScore(
                    gold: task.testLabels, predicted: predicted, cardinality: task.cardinality,
                    positiveClass: task.minorityClass)
                scores[method] = Score(
                    accuracy: score.accuracy ?? 0, macro_f1: score.macroF1 ?? 0,
                    minority_f1: imbalancedBinary ? score.f1 : nil)
                if let auto = model as? AutoLabelModel {
                    choice = auto.choice?.rawValue
                    agreement = (auto.agreementWithMajority, auto.agreementWithStrongMajority)
                }
            }
            let covered = (0..<task.test.rowCount).filter { task.test.rowOffsets[$0 + 1] > task.test.rowOffsets[$0] }
                .count
            records.append(
                TaskRecord(
                    name: task.name, k: task.cardinality, m: task.train.lfCount, prior: task.prior,
                    minority_class: task.minorityClass,
                    one_sided_fraction: task.oneSidedFraction, maximum_coverage: task.maximumCoverage,
                    minimum_accuracy: task.minimumAccuracy, duplicated_lfs: task.duplicatedLFs,
                    test_coverage: Double(covered) / Double(task.test.rowCount), auto_choice: choice,
                    auto_agreement: agreement.0, auto_strong_agreement: agreement.1, scores: scores))
            if !json { FileHandle.standardError.write(Data("\(task.name) done\n".utf8)) }
        }
        let report = Report(
            seed: seed, train_rows: trainRows, test_rows: testRows, dev_rows: devRows, class_balance: classBalance,
            tasks: records,
            mean_accuracy: Self.means(records) { $0.accuracy },
            mean_macro_f1: Self.means(records) { $0.macro_f1 },
            mean_minority_f1: Self.means(records) { $0.minority_f1 },
            auto_vs_mv_accuracy: Self.gap(records) { $0.accuracy },
            auto_vs_mv_minority_f1: Self.gap(records) { $0.minority_f1 },
            auto_vs_mv_macro_f1: Self.gap(records) { $0.macro_f1 })
        if let folder {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(report).write(to: folder.appendingPathComponent("report.json"), options: .atomic)
        }
        if !json { printTable(report, methods: chosen) }
        try printJSON(report)
    }

    private func write(_ task: SyntheticTask, to folder: URL) throws {
        func labels(_ values: [Int]) -> NumPyArray {
            NumPyArray(elementType: .int8, shape: [values.count], bytes: values.map { UInt8(truncatingIfNeeded: $0) })
        }
        try task.train.writeNumPy(to: folder.appendingPathComponent("\(task.name).train.L.npy"))
        try task.test.writeNumPy(to: folder.appendingPathComponent("\(task.name).test.L.npy"))
        try labels(task.trainLabels).write(to: folder.appendingPathComponent("\(task.name).train.y.npy"))
        if let dev = task.dev {
            try dev.writeNumPy(to: folder.appendingPathComponent("\(task.name).dev.L.npy"))
            try labels(task.devLabels).write(to: folder.appendingPathComponent("\(task.name).dev.y.npy"))
        }
        try labels(task.testLabels).write(to: folder.appendingPathComponent("\(task.name).test.y.npy"))
    }

    private static func means(_ records: [TaskRecord], _ value: (Score) -> Double?) -> [String: Double] {
        var sums: [String: [Double]] = [:]
        for record in records {
            for (method, score) in record.scores { if let v = value(score) { sums[method, default: []].append(v) } }
        }
        return sums.mapValues { $0.reduce(0, +) / Double($0.count) }
    }

    private static func gap(_ records: [TaskRecord], _ value: (Score) -> Double?) -> Gap? {
        var result: Gap?
        for record in records {
            guard let auto = record.scores["auto"].flatMap(value), let mv = record.scores["mv"].flatMap(value) else {
                continue
            }
            var current =
                result
                ?? Gap(tasks_below_mv_by_more_than_1pt: 0, tasks: 0, worst_gap: .infinity, worst_task: record.name)
            current.tasks += 1
            if auto - mv < -0.01 { current.tasks_below_mv_by_more_than_1pt += 1 }
            if auto - mv < current.worst_gap { current.worst_gap = auto - mv; current.worst_task = record.name }
            result = current
        }
        return result
    }

    /// A readable summary on stderr (stdout carries the JSON).
    private func printTable(_ report: Report, methods: [String]) {
        func print(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        print(
            "task  k  m  prior                   "
                + methods.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined() + "auto's choice")
        for task in report.tasks {
            let prior = task.prior.map { String(format: "%.2f", $0) }.joined(separator: "/")
            let cells = methods.map { String(format: "%-9.3f", task.scores[$0]?.accuracy ?? .nan) }.joined()
            print(
                "\(task.name) \(task.k)  \(String(format: "%-3d", task.m))\(prior.padding(toLength: 24, withPad: " ", startingAt: 0))\(cells)\(task.auto_choice ?? "-")"
            )
        }
        print(
            "mean accuracy: "
                + methods.map { "\($0) \(String(format: "%.4f", report.mean_accuracy[$0] ?? .nan))" }.joined(
                    separator: ", "))
        if let gap = report.auto_vs_mv_accuracy {
            print(
                "auto below mv by > 1 point (accuracy): \(gap.tasks_below_mv_by_more_than_1pt) of \(gap.tasks) tasks; worst \(String(format: "%+.3f", gap.worst_gap)) on \(gap.worst_task)"
            )
        }
    }
}
