import Foundation
import FoundryCore
import Labeling
import Testing

@testable import LabelModels

/// The generated-task suite: tasks drawn reproducibly per shape, and auto-against-MV summaries computed as stated.
@Suite struct GeneratedTaskBenchmarkTests {
    /// A record with only what the summaries read.
    static func record(
        _ name: String, shape: String = "s", mv: Double, auto: Double, minorityF1: (Double, Double)? = nil
    )
        -> GeneratedTaskBenchmark.TaskRecord
    {
        GeneratedTaskBenchmark.TaskRecord(
            name: name, shape: shape, k: 2, m: 3, trainRows: 10, prior: [0.5, 0.5], minorityClass: 1, imbalance: 1,
            oneClassLFs: 0, multiClassLFs: 3, nearChanceLFs: 0, echoes: 0, tieRate: 0.1, uncoveredRate: 0.2,
            scores: [
                "mv": .init(accuracy: mv, macroF1: mv, minorityF1: minorityF1?.0),
                "auto": .init(accuracy: auto, macroF1: auto, minorityF1: minorityF1?.1),
            ],
            autoChoice: auto == mv ? "mv" : "ds", autoReason: "r")
    }

    @Test("auto − MV: mean, nearest-rank 5th percentile, worst, share within half a point, count below 3 points")
    func comparison() throws {
        // Differences (points): −4, −1, −0.4, 0 × 16, +2.
        var records = [
            Self.record("a", mv: 0.70, auto: 0.66), Self.record("b", mv: 0.50, auto: 0.49),
            Self.record("c", mv: 0.60, auto: 0.596), Self.record("d", mv: 0.40, auto: 0.42),
        ]
        records += (0..<16).map { Self.record("z\($0)", mv: 0.5, auto: 0.5) }
        let result = try #require(GeneratedTaskBenchmark.comparison(records) { $0.accuracy })
        #expect(result.tasks == 20)
        #expect(abs(result.meanDifference - (-0.04 - 0.01 - 0.004 + 0.02) / 20) < 1e-12)
        #expect(abs(result.worst - -0.04) < 1e-12 && result.worstTask == "a")
        #expect(abs(result.fifthPercentile - -0.04) < 1e-12)  // rank ⌈0.05 · 20⌉ = 1
        #expect(result.shareWithinHalfPoint == 18.0 / 20 && result.tasksBelowThreePoints == 1)
        // Minority-class F1 is compared over the records that have one only.
        #expect(GeneratedTaskBenchmark.comparison(records) { $0.minorityF1 } == nil)
        let summary = GeneratedTaskBenchmark.summary("all", records)
        #expect(summary.autoChoices == ["mv": 16, "ds": 4])
        #expect(abs((summary.meanAccuracy["mv"] ?? 0) - (0.70 + 0.50 + 0.60 + 0.40 + 8) / 20) < 1e-12)
        #expect(summary.imbalancedBinaryTasks == 0 && abs(summary.meanTieRate - 0.1) < 1e-12)
    }

    @Test("task i of a shape is the same whether the run covers one shape or all of them, and differs between indices")
    func reproducibleTasks() {
        let shape = SyntheticLabelingTask.Shape.crowd
        let a = GeneratedTaskBenchmark.generateTask(shape: shape, index: 1, seed: 9, testRows: 50)
        let b = GeneratedTaskBenchmark.generateTask(shape: shape, index: 1, seed: 9, testRows: 50)
        let c = GeneratedTaskBenchmark.generateTask(shape: shape, index: 2, seed: 9, testRows: 50)
        #expect(a.name == "crowd-001" && a.train.matrix == b.train.matrix && a.test.labels == b.test.labels)
        #expect(a.train.matrix != c.train.matrix)
        #expect(shape.classes.contains(a.task.cardinality) && shape.rows.contains(a.draw.rows))
    }

    @Test("the standard shapes cover the ranges the suite promises")
    func shapesCoverTheRanges() {
        let shapes = SyntheticLabelingTask.Shape.standard
        #expect(shapes.map(\.classes.lowerBound).min() == 2 && shapes.map(\.classes.upperBound).max() == 10)
        #expect(shapes.map(\.imbalance.upperBound).max() == 20)
        #expect(shapes.map(\.rows.lowerBound).min() == 200 && shapes.map(\.rows.upperBound).max() == 100_000)
        #expect(shapes.map(\.uncovered.upperBound).max() == 0.3)
        #expect(shapes.contains { $0.oneClassLFsPerClass.lowerBound >= 1 && $0.multiClassLFs.upperBound == 0 })
        #expect(shapes.contains { $0.oneClassLFsPerClass.upperBound == 0 })
        #expect(
            shapes.contains { $0.clusters.upperBound > 0 } && shapes.contains { $0.nearChanceShare.upperBound >= 0.3 })
    }

    @Test("a task drawn with two LFs scores the methods that need three as absent instead of stopping the run")
    func tooFewLabelingFunctions() throws {
        let task = SyntheticLabelingTask(
            classPrior: [0.5, 0.5],
            labelingFunctions: [.init(coverage: 0.5, accuracy: 0.8), .init(coverage: 0.5, accuracy: 0.7)])
        var generated = GeneratedTaskBenchmark.generateTask(shape: .crowd, index: 0, seed: 1, testRows: 10)
        generated.task = task
        generated.train = task.sample(rows: 300, seed: 1)
        generated.test = task.sample(rows: 200, seed: 2)
        let record = try GeneratedTaskBenchmark.score(generated, options: .init(tasks: 1, testRows: 200))
        #expect(Set(record.scores.keys) == ["mv", "wmv", "ds", "auto"])
        #expect(record.autoChoice == "mv" && record.m == 2)
    }

    @Test("options with no tasks, shapes or methods are refused")
    func badOptions() {
        #expect(throws: LabelModelsError.self) { try GeneratedTaskBenchmark.Options(tasks: 0).validate() }
        #expect(throws: LabelModelsError.self) { try GeneratedTaskBenchmark.Options(shapes: []).validate() }
        #expect(throws: LabelModelsError.self) { try GeneratedTaskBenchmark.Options(methods: []).validate() }
    }
}
