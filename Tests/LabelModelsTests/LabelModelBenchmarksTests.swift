import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// The robustness and scale benchmarks as library flows: their scores against an independent recomputation, their
/// JSON keys, and the options they refuse.
@Suite struct LabelModelBenchmarksTests {
    @Test("robustness scores each task's methods as a fit by hand does, and its gap is auto minus mv")
    func robustnessScoresMatchAFitByHand() throws {
        let options = LabelModelRobustness.Options(
            tasks: 3, seed: 5, trainRows: 600, testRows: 300, methods: [.mv, .auto], classBalance: .true)
        var generated: [LabelModelRobustness.GeneratedTask] = []
        let report = try LabelModelRobustness.run(options: options) { task, _ in generated.append(task) }
        #expect(report.tasks.map(\.name) == ["t000", "t001", "t002"] && generated.count == 3)
        for (task, record) in zip(generated, report.tasks) {
            var mv = MajorityVote()
            try mv.fit(task.train.matrix, options: FitOptions(classBalance: .given(task.task.classPrior)))
            let score = try mv.score(
                task.test.matrix, gold: task.test.labels, positiveClass: task.task.minorityClass)
            #expect(record.scores["mv"]?.accuracy == score.accuracy ?? 0, "\(record.name)")
            #expect(record.scores["mv"]?.macroF1 == score.macroF1 ?? 0, "\(record.name)")
            #expect(record.k == task.task.cardinality && record.prior == task.task.classPrior)
            #expect(record.autoChoice != nil && record.autoAgreement != nil)
        }
        let gap = try #require(report.autoVsMVAccuracy)
        let differences = report.tasks.map { ($0.scores["auto"]?.accuracy ?? 0) - ($0.scores["mv"]?.accuracy ?? 0) }
        #expect(gap.tasks == 3 && gap.worstGap == differences.min())
        #expect(gap.tasksBelowMVByMoreThan1pt == differences.filter { $0 < -0.01 }.count)
        #expect(report.meanAccuracy["mv"] == report.tasks.compactMap { $0.scores["mv"]?.accuracy }.reduce(0, +) / 3)
    }

    @Test("dev rows leave every task's train and test rows as they were")
    func devRowsChangeNoTask() throws {
        var plain = SeededGenerator(seed: 8), withDev = SeededGenerator(seed: 8)
        let options = LabelModelRobustness.Options(seed: 8, trainRows: 300, testRows: 100)
        var devOptions = options
        devOptions.devRows = 50
        for index in 0..<4 {
            let a = LabelModelRobustness.generateTask(index: index, options: options, generator: &plain)
            let b = LabelModelRobustness.generateTask(index: index, options: devOptions, generator: &withDev)
            #expect(a.train == b.train && a.test == b.test && a.task == b.task)
            #expect(a.dev == nil && b.dev?.matrix.rowCount == 50)
        }
    }

    @Test("the robustness report's JSON keys are the bench's, nil fields left out")
    func robustnessReportKeys() throws {
        let report = try LabelModelRobustness.run(
            options: .init(tasks: 1, seed: 3, trainRows: 200, testRows: 100, methods: [.mv]))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(FoundryJSON.string(report).utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "seed", "train_rows", "test_rows", "dev_rows", "class_balance", "tasks", "mean_accuracy",
                "mean_macro_f1", "mean_minority_f1",
            ])  // no auto, so no auto_vs_mv_* gaps
        let task = try #require((object["tasks"] as? [[String: Any]])?.first)
        #expect(
            Set(task.keys) == [
                "name", "k", "m", "prior", "minority_class", "one_sided_fraction", "maximum_coverage",
                "minimum_accuracy", "duplicated_lfs", "test_coverage", "scores",
            ])
        let score = try #require((task["scores"] as? [String: [String: Any]])?["mv"])
        #expect(Set(score.keys).isSubset(of: ["accuracy", "macro_f1", "minority_f1"]) && score["macro_f1"] != nil)
    }

    @Test("robustness refuses empty runs, negative dev rows and a dev metric without dev rows")
    func robustnessRefusesBadOptions() {
        for options in [
            LabelModelRobustness.Options(tasks: 0), LabelModelRobustness.Options(testRows: 0),
            LabelModelRobustness.Options(devRows: -1), LabelModelRobustness.Options(devMetric: .accuracy),
            LabelModelRobustness.Options(methods: []),
        ] {
            #expect(throws: LabelModelsError.self) { try LabelModelRobustness.run(options: options) }
        }
    }

    @Test("the scale bench recovers the hidden labels and the LF accuracies of a wide problem")
    func scaleRecoversTheProblem() throws {
        let record = try LabelModelScale.run(
            options: .init(rows: 4_000, lfs: 40, classes: 5, coverage: 0.2, method: .ds, seed: 3))
        #expect(record.rows == 4_000 && record.lfs == 40 && record.classes == 5 && record.method == .ds)
        #expect(abs(Double(record.votes) / (4_000 * 40) - 0.2) < 0.01)
        #expect((record.accuracyVsHidden ?? 0) > 0.9)
        #expect((record.meanAbsLFAccuracyError ?? 1) < 0.05)
        #expect(record.choice == nil && record.peakRSSMiB == nil)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(FoundryJSON.string(record).utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "rows", "lfs", "classes", "votes", "method", "generate_seconds", "fit_seconds", "predict_seconds",
                "accuracy_vs_hidden", "mean_abs_lf_accuracy_error",
            ])
        for options in [
            LabelModelScale.Options(rows: 0), LabelModelScale.Options(lfs: 2), LabelModelScale.Options(classes: 1),
            LabelModelScale.Options(coverage: 1),
        ] {
            #expect(throws: LabelModelsError.self) { try LabelModelScale.run(options: options) }
        }
    }
}
