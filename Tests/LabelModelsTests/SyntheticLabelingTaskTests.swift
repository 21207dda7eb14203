import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// The one synthetic-task generator: its samples recover the parameters that generated them, its draws are fixed,
/// and it still draws the very tasks `bench labelmodel-robustness` scored before it moved into the library.
@Suite struct SyntheticLabelingTaskTests {
    /// Empirical coverage and accuracy of column `lf` against the hidden labels.
    private func empirical(_ sample: SyntheticLabelingTask.Sample, lf: Int) -> (coverage: Double, accuracy: Double) {
        var votes = 0, right = 0
        sample.matrix.forEachVote { row, column, vote in
            guard column == lf else { return }
            votes += 1
            if vote == sample.labels[row] { right += 1 }
        }
        return (Double(votes) / Double(sample.matrix.rowCount), Double(right) / Double(max(votes, 1)))
    }

    @Test("two-sided and one-sided functions vote with their coverage and accuracy; rows follow the prior")
    func samplesRecoverTheParameters() {
        let task = SyntheticLabelingTask(
            classPrior: [0.2, 0.3, 0.5],
            labelingFunctions: [
                .init(coverage: 0.6, accuracy: 0.9), .init(coverage: 0.3, accuracy: 0.7),
                .init(coverage: 0.2, accuracy: 0.8, votedClass: 0), .init(coverage: 0.4, accuracy: 0.75, votedClass: 2),
            ])
        let sample = task.sample(rows: 40_000, seed: 11)
        #expect(sample.matrix.rowCount == 40_000 && sample.matrix.lfCount == 4 && sample.matrix.cardinality == 3)
        for (c, p) in task.classPrior.enumerated() {
            let share = Double(sample.labels.filter { $0 == c }.count) / 40_000
            #expect(abs(share - p) < 0.01, "class \(c): \(share) vs \(p)")  // 4 standard errors at n = 40,000
        }
        for (lf, parameters) in task.labelingFunctions.enumerated() {
            let (coverage, accuracy) = empirical(sample, lf: lf)
            #expect(abs(coverage - parameters.coverage) < 0.01, "coverage of lf \(lf)")
            #expect(abs(accuracy - parameters.accuracy) < 0.02, "accuracy of lf \(lf)")
        }
        // One-sided functions only ever vote their class.
        sample.matrix.forEachVote { _, lf, vote in
            if lf == 2 { #expect(vote == 0) }
            if lf == 3 { #expect(vote == 2) }
        }
        #expect(task.minorityClass == 0)
    }

    @Test("copies repeat their source column exactly, after the independent functions")
    func copiesAreExactDuplicates() {
        let task = SyntheticLabelingTask(
            classPrior: [0.5, 0.5],
            labelingFunctions: [.init(coverage: 0.5, accuracy: 0.8), .init(coverage: 0.4, accuracy: 0.7)],
            copies: [1, 0, 1])
        let sample = task.sample(rows: 2_000, seed: 3)
        #expect(sample.matrix.lfCount == 5 && task.columnCount == 5)
        for row in 0..<sample.matrix.rowCount {
            #expect(sample.matrix[row, 2] == sample.matrix[row, 1])
            #expect(sample.matrix[row, 3] == sample.matrix[row, 0])
            #expect(sample.matrix[row, 4] == sample.matrix[row, 1])
        }
    }

    @Test("the same seed gives the same sample; accuracy 1/k gives votes independent of the class")
    func samplingIsSeeded() {
        let task = SyntheticLabelingTask(
            classPrior: [0.25, 0.25, 0.25, 0.25],
            labelingFunctions: [SyntheticLabelingTask.LabelingFunction](
                repeating: .init(coverage: 0.5, accuracy: 0.25), count: 3))
        #expect(task.sample(rows: 500, seed: 9) == task.sample(rows: 500, seed: 9))
        #expect(task.sample(rows: 500, seed: 9) != task.sample(rows: 500, seed: 10))
        // Pure noise: every (class, vote) pair is about equally frequent.
        let sample = task.sample(rows: 40_000, seed: 9)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
        sample.matrix.forEachVote { row, _, vote in counts[sample.labels[row]][vote] += 1 }
        let total = Double(counts.joined().reduce(0, +))
        for cell in counts.joined() { #expect(abs(Double(cell) / total - 1.0 / 16) < 0.004) }
    }

    @Test("skipping abstentions samples the same distribution in time proportional to the votes")
    func skippingSamplerMatchesTheDistribution() {
        let accuracies = [0.9, 0.6, 0.75, 0.5, 0.8]
        let task = SyntheticLabelingTask(
            classPrior: [0.7, 0.3], labelingFunctions: accuracies.map { .init(coverage: 0.3, accuracy: $0) })
        var generator = SeededGenerator(seed: 5)
        let sample = task.sampleSkippingAbstentions(rows: 40_000, using: &generator)
        let share = Double(sample.labels.filter { $0 == 0 }.count) / 40_000
        #expect(abs(share - 0.7) < 0.01)
        for (lf, accuracy) in accuracies.enumerated() {
            let (coverage, measured) = empirical(sample, lf: lf)
            #expect(abs(coverage - 0.3) < 0.01, "coverage of lf \(lf)")
            #expect(abs(measured - accuracy) < 0.02, "accuracy of lf \(lf)")
        }
        var again = SeededGenerator(seed: 5)
        #expect(task.sampleSkippingAbstentions(rows: 40_000, using: &again) == sample)
    }

    @Test("random tasks stay inside the documented distribution")
    func randomTasksAreInRange() {
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<50 {
            let (task, scenario) = SyntheticLabelingTask.random(using: &generator)
            #expect([2, 3, 4].contains(task.cardinality))
            #expect([4, 6, 10, 20, 40].contains(task.labelingFunctions.count))
            #expect(abs(task.classPrior.reduce(0, +) - 1) < 1e-12)
            #expect(task.copies.count == scenario.duplicatedLFs && [0, 1, 3].contains(scenario.duplicatedLFs))
            for lf in task.labelingFunctions {
                #expect(lf.coverage >= 0.02 && lf.coverage <= scenario.maximumCoverage)
                #expect(lf.accuracy >= scenario.minimumAccuracy && lf.accuracy <= 0.95)
                if scenario.oneSidedFraction == 0 { #expect(lf.votedClass == nil) }
            }
        }
    }

    /// Tasks t000–t002 of `foundry bench labelmodel-robustness --seed 2` (5,000 train and 1,000 test rows), as the
    /// bench's own generator drew them before it moved into the library (`/work/baseline/out/robust.json`).
    @Test("the robustness bench draws the same tasks as before the generator moved")
    func robustnessTasksAreUnchanged() {
        let options = LabelModelRobustness.Options(seed: 2)
        var generator = SeededGenerator(seed: 2)
        let tasks = (0..<3).map {
            LabelModelRobustness.generateTask(index: $0, options: options, generator: &generator)
        }
        let expected: [(k: Int, m: Int, prior: [Double], scenario: [Double], testCoverage: Double)] = [
            (2, 10, [0.3, 0.7], [0, 0.1, 0.6, 0], 0.477),
            (
                4, 10, [0.49428553924889085, 0.1254839661270042, 0.24860018276636806, 0.13163031185773683],
                [0.5, 0.3, 0.6, 0], 0.796
            ),
            (2, 7, [0.08, 0.92], [0.9, 0.1, 0.5, 1], 0.204),
        ]
        for (generated, expected) in zip(tasks, expected) {
            #expect(generated.task.cardinality == expected.k, "\(generated.name)")
            #expect(generated.train.matrix.lfCount == expected.m, "\(generated.name)")
            #expect(generated.task.classPrior == expected.prior, "\(generated.name)")
            let scenario = generated.scenario
            #expect(
                [
                    scenario.oneSidedFraction, scenario.maximumCoverage, scenario.minimumAccuracy,
                    Double(scenario.duplicatedLFs),
                ] == expected.scenario, "\(generated.name)")
            let test = generated.test.matrix
            let covered = (0..<test.rowCount).filter { !test.votes(inRow: $0).isEmpty }.count
            #expect(Double(covered) / 1_000 == expected.testCoverage, "\(generated.name)")
        }
        #expect(tasks.map(\.name) == ["t000", "t001", "t002"])
    }

    @Test("the test-support problem is this generator with two-sided functions")
    func testSupportProblemUsesTheGenerator() {
        let problem = SyntheticLabelingProblem(
            rows: 1_000, coverages: [0.5, 0.6], accuracies: [0.8, 0.7], classBalance: [0.4, 0.6], seed: 12)
        let sample = problem.task.sample(rows: 1_000, seed: 12)
        #expect(problem.matrix == sample.matrix && problem.trueLabels == sample.labels)
        #expect(problem.task.labelingFunctions.allSatisfy { $0.votedClass == nil })
    }
}
