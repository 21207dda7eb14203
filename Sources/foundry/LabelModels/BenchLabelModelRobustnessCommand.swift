import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// `foundry bench labelmodel-robustness`: ``LabelModelRobustness/run(options:taskFinished:)``, every method on many
/// generated tasks with known labels.
///
/// `--dump` writes the tasks as `.npy` so `scripts/robustness_peers.py` can run snorkel and flyingsquid on the very
/// same matrices.
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
        help: "What ranks auto's candidates on the dev rows: macro-f1 (the default) or accuracy. Needs --dev-rows.")
    var devMetric: AutoLabelModel.DevSelectionMetric?
    @Option(help: "Comma-separated methods (mv, wmv, ds, moments, triplet, auto).") var methods: String =
        "mv,wmv,ds,moments,triplet,auto"
    @Option(
        name: .customLong("class-balance"),
        help:
            "Class prior the models are given: uniform (snorkel's default), estimated (from the votes) or true (the generating prior)."
    )
    var classBalance: LabelModelRobustness.Prior = .uniform
    @Option(help: "Write every task as <name>.{train,test}.{L,y}.npy plus report.json into this folder.") var dump:
        String?
    @Flag(help: "Only the JSON object (otherwise a table and progress also go to stderr).") var json = false

    /// The typed options.
    func options() throws -> LabelModelRobustness.Options {
        let chosen = try methods.split(separator: ",").map { name in
            do { return try LabelModelMethod(name: String(name)) } catch let error as LabelModelsError {
                throw ValidationError("\(error.description) (in --methods)")
            }
        }
        return LabelModelRobustness.Options(
            tasks: tasks, seed: seed, trainRows: trainRows, testRows: testRows, devRows: devRows, devMetric: devMetric,
            methods: chosen, classBalance: classBalance)
    }

    func validate() throws {
        guard tasks > 0, trainRows > 0, testRows > 0 else {
            throw ValidationError("--tasks, --train-rows and --test-rows must be positive")
        }
        guard devRows >= 0 else { throw ValidationError("--dev-rows must not be negative") }
        guard devMetric == nil || devRows > 0 else {
            throw ValidationError("--dev-metric ranks auto's models on dev rows: add --dev-rows")
        }
        _ = try options()
    }

    func run() throws {
        let options = try options()
        let folder = dump.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let folder { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let report = try LabelModelRobustness.run(options: options) { task, _ in
            if let folder { try write(task, to: folder) }
            if !json { printToStandardError("\(task.name) done") }
        }
        if let folder {
            try AtomicFile.write(
                FoundryJSON.encoder().encode(report), to: folder.appendingPathComponent("report.json"))
        }
        if !json { printTable(report, methods: options.methods.map(\.rawValue)) }
        try printBenchJSON(report)
    }

    private func write(_ task: LabelModelRobustness.GeneratedTask, to folder: URL) throws {
        func labels(_ values: [Int]) -> NumPyArray {
            NumPyArray(elementType: .int8, shape: [values.count], bytes: values.map { UInt8(truncatingIfNeeded: $0) })
        }
        try task.train.matrix.writeNumPy(to: folder.appendingPathComponent("\(task.name).train.L.npy"))
        try task.test.matrix.writeNumPy(to: folder.appendingPathComponent("\(task.name).test.L.npy"))
        try labels(task.train.labels).write(to: folder.appendingPathComponent("\(task.name).train.y.npy"))
        if let dev = task.dev {
            try dev.matrix.writeNumPy(to: folder.appendingPathComponent("\(task.name).dev.L.npy"))
            try labels(dev.labels).write(to: folder.appendingPathComponent("\(task.name).dev.y.npy"))
        }
        try labels(task.test.labels).write(to: folder.appendingPathComponent("\(task.name).test.y.npy"))
    }

    /// A readable summary on stderr (stdout carries the JSON).
    private func printTable(_ report: LabelModelRobustness.Report, methods: [String]) {
        printToStandardError(
            "task  k  m  prior                   "
                + methods.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined() + "auto's choice")
        for task in report.tasks {
            let prior = task.prior.map { String(format: "%.2f", $0) }.joined(separator: "/")
            let cells = methods.map { String(format: "%-9.3f", task.scores[$0]?.accuracy ?? .nan) }.joined()
            printToStandardError(
                "\(task.name) \(task.k)  \(String(format: "%-3d", task.m))\(prior.padding(toLength: 24, withPad: " ", startingAt: 0))\(cells)\(task.autoChoice ?? "-")"
            )
        }
        printToStandardError(
            "mean accuracy: "
                + methods.map { "\($0) \(String(format: "%.4f", report.meanAccuracy[$0] ?? .nan))" }.joined(
                    separator: ", "))
        if let gap = report.autoVsMVAccuracy {
            printToStandardError(
                "auto below mv by > 1 point (accuracy): \(gap.tasksBelowMVByMoreThan1pt) of \(gap.tasks) tasks; worst \(String(format: "%+.3f", gap.worstGap)) on \(gap.worstTask)"
            )
        }
    }
}

extension LabelModelRobustness.Prior: ExpressibleByArgument {}
