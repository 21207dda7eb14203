import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// `foundry bench labelmodels`: ``LabelModelEvaluation/evaluateAll(root:options:methods:repeats:progress:)``, every
/// method on every WRENCH folder under a directory; with `--generated N`, ``GeneratedTaskBenchmark/run(options:taskFinished:)``
/// on N tasks generated from shapes of real tasks instead.
struct BenchLabelModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodels",
        abstract:
            "Every label model on every WRENCH folder (with train.json and test.json) under --data, or on generated tasks (--generated N).",
        discussion: """
            With --generated N the methods run on N tasks drawn from the shapes of `SyntheticLabelingTask.Shape.standard` \
            (round-robin; --shape restricts them to one), fitted on the task's rows and scored on --test-rows fresh rows; \
            the JSON holds per shape and overall each method's mean accuracy (and minority-class F1 on imbalanced binary \
            tasks), auto's difference to majority vote (mean, 5th percentile, worst) and how often auto chose each model.
            """)

    @Option(help: "A folder whose subfolders are WRENCH datasets (default: $FOUNDRY_DATA or ../shared/datasets).")
    var data: String?
    @Option(name: .customLong("class-balance"), help: "uniform, valid, estimated, or a known prior as p0,p1,….")
    var classBalance: LabelModelEvaluation.ClassBalanceChoice = .uniform
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Option(name: .customLong("repeat"), help: "Repetitions per (dataset, method); timings are medians.")
    var repetitions: Int = 3
    @OptionGroup var moments: MomentOptions
    @Flag(help: "Give auto and wmv each folder's valid split as a dev set (the other methods run without gold labels).")
    var dev = false
    @Option(help: "Run on this many generated tasks instead of the WRENCH folders.")
    var generated: Int?
    @Option(
        help:
            "With --generated: only this shape (\(SyntheticLabelingTask.Shape.standard.map(\.name).joined(separator: ", ")))."
    )
    var shape: String?
    @Option(help: "With --generated: the seed of the task generator.")
    var seed: UInt64 = 17
    @Option(name: .customLong("test-rows"), help: "With --generated: rows each model is scored on.")
    var testRows: Int = 4_000
    @Option(help: "With --generated: comma-separated methods (mv is always run).")
    var methods: String = LabelModelMethod.allCases.map(\.rawValue).joined(separator: ",")
    @Option(
        help: "With --generated: write every task as <name>.{train,test}.{L,y}.npy plus report.json into this folder.")
    var dump: String?
    @Flag(
        help:
            "Also score every candidate auto weighed without a dev set (auto_candidates: the expected gains its judges gave it and its test score)."
    )
    var candidates = false
    @Flag(help: "Print only the JSON object (otherwise progress also goes to stderr).")
    var json = false

    func validate() throws {
        if moments.devMetric != nil, !dev {
            throw ValidationError("--dev-metric ranks auto's models on a dev set: add --dev")
        }
        guard let generated else {
            if shape != nil || dump != nil {
                throw ValidationError("--shape and --dump go with --generated")
            }
            return
        }
        guard generated > 0, testRows > 0 else { throw ValidationError("--generated and --test-rows must be positive") }
        if dev || moments.devMetric != nil || moments.hasSettings || data != nil || classBalance != .uniform {
            throw ValidationError(
                "--generated runs every method with its defaults on generated tasks: --data, --dev, --class-balance and moment settings do not apply"
            )
        }
        _ = try generatedOptions(count: generated)
    }

    /// The options of a `--generated` run.
    func generatedOptions(count: Int) throws -> GeneratedTaskBenchmark.Options {
        var shapes = SyntheticLabelingTask.Shape.standard
        if let shape {
            guard let named = SyntheticLabelingTask.Shape.named(shape) else {
                throw ValidationError(
                    "--shape: unknown shape '\(shape)'; expected one of "
                        + SyntheticLabelingTask.Shape.standard.map(\.name).joined(separator: ", "))
            }
            shapes = [named]
        }
        var chosen = try methods.split(separator: ",").map { name in
            do { return try LabelModelMethod(name: String(name)) } catch let error as LabelModelsError {
                throw ValidationError("\(error.description) (in --methods)")
            }
        }
        if !chosen.contains(.mv) { chosen.insert(.mv, at: 0) }
        var options = GeneratedTaskBenchmark.Options(
            tasks: count, shapes: shapes, seed: seed, testRows: testRows, methods: chosen)
        options.scoresAutoCandidates = candidates
        return options
    }

    func run() throws {
        // One record, printed in one place, whichever benchmark ran.
        let record: BenchLabelModelsRecord
        if let generated {
            record = .generated(try runGenerated(options: generatedOptions(count: generated)))
        } else {
            let report = try runFolders()
            if candidates {
                let results = try LabelModelEvaluation.scoreAutoCandidates(root: dataRoot, options: evaluationOptions())
                record = .foldersWithCandidates(report, results)
            } else {
                record = .folders(report)
            }
        }
        try printBenchJSON(record)
    }

    private func runFolders() throws -> LabelModelEvaluation.Report {
        let root = dataRoot
        let options = try evaluationOptions()
        return try withSplitHints {
            try LabelModelEvaluation.evaluateAll(root: root, options: options, repeats: repetitions) { result in
                guard !json else { return }
                let score = LabelModelEvaluation.benchmarkScore(result)
                printToStandardError(
                    "\(result.dataset) \(result.method.rawValue): \(String(format: "%.4f", score)) (fit \(String(format: "%.4f", result.fitSeconds)) s)"
                        + (result.reason.map { " — auto: \($0)" } ?? ""))
            }
        }
    }

    private var dataRoot: URL {
        URL(fileURLWithPath: data ?? ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "../shared/datasets")
    }

    /// --l2, --dependencies and --prediction-floor configure moments and auto; the other methods run as they are.
    private func evaluationOptions() throws -> LabelModelEvaluation.Options {
        LabelModelEvaluation.Options(
            model: try moments.configuration(.auto), classBalance: classBalance, seed: 123,
            tieBreak: tieBreak.policy(seed: 123), useDevSet: dev)
    }

    private func runGenerated(options: GeneratedTaskBenchmark.Options) throws -> GeneratedTaskBenchmark.Report {
        let folder = dump.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let folder { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        let report = try GeneratedTaskBenchmark.run(options: options) { task, record in
            if let folder { try write(task, to: folder) }
            if !json {
                let auto = record.scores["auto"].map { String(format: " auto %.3f", $0.accuracy) } ?? ""
                let mv = record.scores["mv"].map { String(format: " mv %.3f", $0.accuracy) } ?? ""
                printToStandardError(
                    "\(task.name) k=\(record.k) m=\(record.m) n=\(record.trainRows)\(mv)\(auto) \(record.autoChoice ?? "")"
                        + (record.autoReason.map { " — \($0)" } ?? ""))
            }
        }
        if let folder {
            try AtomicFile.write(
                FoundryJSON.encoder().encode(report), to: folder.appendingPathComponent("report.json"))
        }
        if !json { printTable(report, methods: options.methods.map(\.rawValue)) }
        return report
    }

    private func write(_ task: GeneratedTaskBenchmark.GeneratedTask, to folder: URL) throws {
        func labels(_ values: [Int]) -> NumPyArray {
            NumPyArray(elementType: .int8, shape: [values.count], bytes: values.map { UInt8(truncatingIfNeeded: $0) })
        }
        try task.train.matrix.writeNumPy(to: folder.appendingPathComponent("\(task.name).train.L.npy"))
        try task.test.matrix.writeNumPy(to: folder.appendingPathComponent("\(task.name).test.L.npy"))
        try labels(task.train.labels).write(to: folder.appendingPathComponent("\(task.name).train.y.npy"))
        try labels(task.test.labels).write(to: folder.appendingPathComponent("\(task.name).test.y.npy"))
    }

    /// The per-shape table on stderr (stdout carries the JSON).
    private func printTable(_ report: GeneratedTaskBenchmark.Report, methods: [String]) {
        printToStandardError(
            "shape            tasks  " + methods.map { $0.padding(toLength: 8, withPad: " ", startingAt: 0) }.joined()
                + "auto−mv mean  p5      worst   ≥mv−0.5  <mv−3")
        for summary in report.shapes + [report.overall] {
            let cells = methods.map { String(format: "%-8.3f", summary.meanAccuracy[$0] ?? .nan) }.joined()
            let gap =
                summary.autoVsMV.map {
                    String(
                        format: "%+.4f       %+.3f  %+.3f  %5.1f %%  %d", $0.meanDifference, $0.fifthPercentile,
                        $0.worst,
                        100 * $0.shareWithinHalfPoint, $0.tasksBelowThreePoints)
                } ?? "—"
            printToStandardError(
                summary.shape.padding(toLength: 17, withPad: " ", startingAt: 0)
                    + String(format: "%-7d", summary.tasks) + cells + gap)
        }
        let choices = report.overall.autoChoices.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }
        printToStandardError("auto's choices: " + choices.joined(separator: ", "))
    }
}

/// What `bench labelmodels` prints: the folders' report, or the generated tasks' report.
enum BenchLabelModelsRecord: Encodable {
    case folders(LabelModelEvaluation.Report)
    case generated(GeneratedTaskBenchmark.Report)
    case foldersWithCandidates(LabelModelEvaluation.Report, [LabelModelEvaluation.CandidateResult])

    func encode(to encoder: Encoder) throws {
        switch self {
        case let .folders(report): try report.encode(to: encoder)
        case let .generated(report): try report.encode(to: encoder)
        case let .foldersWithCandidates(report, candidates):
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: CandidateKeys.self)
            try container.encode(candidates, forKey: .autoCandidates)
        }
    }

    private enum CandidateKeys: String, CodingKey { case autoCandidates }
}
