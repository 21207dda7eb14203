import Foundation
import FoundryCore
import FoundryTestSupport
import LabelModels
import Labeling
import Merging
import Testing

@testable import Pipelines

@Suite("Run report sections")
struct ReportSectionTests {
    /// Five rows, three functions: row 0 has 0 vs 1 and 0 vs 2 disagreeing (1 and 2 agree), row 1 has 0 vs 2
    /// disagreeing, row 4 has three agreeing votes.
    static func smallMatrix() throws -> LabelMatrix {
        try LabelMatrix(
            denseVotes: [0, 1, 1, 1, -1, 0, -1, 0, -1, -1, -1, -1, 0, 0, 0], rowCount: 5, lfNames: ["a", "b", "c"],
            classNames: ["HAM", "SPAM"])
    }

    @Test("the conflict matrix counts rows where two functions both vote and disagree, over all rows")
    func conflictMatrixByHand() throws {
        let section = try LabelingFunctionSection.build(matrix: Self.smallMatrix(), gold: nil)
        let expected: [[Double]] = [[0, 0.2, 0.4], [0.2, 0, 0], [0.4, 0, 0]]
        #expect(section.conflicts == expected)
        #expect(section.analysis.lfs.map(\.votes) == [3, 3, 3])
        #expect(section.analysis.hasGoldLabels == false)
    }

    @Test("the conflict matrix agrees with a dense count over every pair on a random matrix")
    func conflictMatrixAgainstDenseReference() throws {
        let matrix = randomLabelMatrix(rows: 400, lfs: 7, cardinality: 3, coverage: 0.4, seed: 9)
        let section = try LabelingFunctionSection.build(matrix: matrix, gold: nil)
        let dense = matrix.denseVotes()
        let m = matrix.lfCount
        for i in 0..<m {
            for j in 0..<m {
                var count = 0
                for row in 0..<matrix.rowCount {
                    let a = dense[row * m + i], b = dense[row * m + j]
                    if i != j && a >= 0 && b >= 0 && a != b { count += 1 }
                }
                #expect(section.conflicts[i][j] == Double(count) / Double(matrix.rowCount))
            }
        }
    }

    @Test("gold labels give empirical accuracies; bad gold is refused naming the problem")
    func goldLabels() throws {
        let matrix = try Self.smallMatrix()
        let section = try LabelingFunctionSection.build(matrix: matrix, gold: [0, 1, 0, -1, 0])
        // a votes 0, 1, 0 on rows 0, 1, 4: all correct.
        #expect(section.analysis.lfs[0].correct == 3)
        #expect(section.analysis.lfs[0].empiricalAccuracy == 1)
        #expect(throws: LabelingError.self) { try LabelingFunctionSection.build(matrix: matrix, gold: [0, 1]) }
        #expect(throws: LabelingError.self) {
            try LabelingFunctionSection.build(matrix: matrix, gold: [0, 1, 0, 2, 0])
        }
    }

    @Test("an empty matrix gives zeros, not NaN")
    func emptyMatrix() throws {
        let matrix = try LabelMatrix(denseVotes: [], rowCount: 0, lfNames: ["a", "b"], classNames: ["x", "y"])
        let section = try LabelingFunctionSection.build(matrix: matrix, gold: nil)
        #expect(section.conflicts == [[0, 0], [0, 0]])
    }

    /// Six rows, four bins: rows 2–3 fall in [0.5, 0.75) (mean confidence 0.55, one of two right), rows 0, 1 and 4
    /// in [0.75, 1] (mean 0.9, two of three right; confidence 1 goes to the last bin), row 5 has no gold.
    static let probabilities: [[Double]] = [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.5, 0.5], [0, 1], [0.3, 0.7]]
    static let gold = [0, 0, 1, 1, 1, -1]

    @Test("calibration bins, accuracies and ECE match a hand computation")
    func calibrationByHand() throws {
        let (bins, ece) = try LabelModelSection.calibration(probabilities: Self.probabilities, gold: Self.gold, bins: 4)
        #expect(bins.map(\.count) == [0, 0, 2, 3])
        #expect(bins.map(\.lower) == [0, 0.25, 0.5, 0.75])
        #expect(bins.map(\.upper) == [0.25, 0.5, 0.75, 1])
        #expect(approximatelyEqual(bins[2].meanConfidence, 0.55))
        #expect(bins[2].accuracy == 0.5)
        #expect(approximatelyEqual(bins[3].meanConfidence, 0.9))
        #expect(approximatelyEqual(bins[3].accuracy, 2.0 / 3.0))
        #expect(bins[0].accuracy == 0 && bins[0].meanConfidence == 0)
        // ECE = 2/5·|0.5 − 0.55| + 3/5·|2/3 − 0.9| = 0.02 + 0.14.
        #expect(approximatelyEqual(try #require(ece), 0.16))
    }

    @Test("the model's own hard labels decide correctness when given (a tie resolved to class 1)")
    func calibrationWithPredictedLabels() throws {
        let predicted = [0, 1, 1, 1, 1, 1]
        let (bins, ece) = try LabelModelSection.calibration(
            probabilities: Self.probabilities, gold: Self.gold, predicted: predicted, bins: 4)
        #expect(bins[2].accuracy == 1)
        // 2/5·|1 − 0.55| + 3/5·|2/3 − 0.9| = 0.18 + 0.14.
        #expect(approximatelyEqual(try #require(ece), 0.32))
    }

    @Test("three classes and ten bins: each row in the bin of its top probability")
    func calibrationThreeClasses() throws {
        let probabilities = Matrix([[0.34, 0.33, 0.33], [0.1, 0.05, 0.85], [0.05, 0.9, 0.05], [0.2, 0.45, 0.35]])
        let (bins, ece) = try LabelModelSection.calibration(probabilities: probabilities, gold: [0, 2, 0, 1])
        #expect(bins.count == 10)
        #expect(bins.map(\.count) == [0, 0, 0, 1, 1, 0, 0, 0, 1, 1])
        #expect(bins[3].accuracy == 1 && bins[4].accuracy == 1 && bins[8].accuracy == 1 && bins[9].accuracy == 0)
        // (|1 − .34| + |1 − .45| + |1 − .85| + |0 − .9|) / 4
        #expect(approximatelyEqual(try #require(ece), (0.66 + 0.55 + 0.15 + 0.9) / 4))
    }

    @Test("no gold rows: empty bins and no ECE")
    func calibrationWithoutGold() throws {
        let (bins, ece) = try LabelModelSection.calibration(
            probabilities: Self.probabilities, gold: [Int](repeating: -1, count: 6), bins: 5)
        #expect(bins.allSatisfy { $0.count == 0 })
        #expect(ece == nil)
    }

    @Test("bad calibration input is refused naming the row")
    func calibrationBadInput() throws {
        func reason(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch let error as PipelinesError {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        #expect(
            reason { _ = try LabelModelSection.calibration(probabilities: Self.probabilities, gold: [0, 1]) }
                .contains("2 gold labels for 6 rows"))
        #expect(
            reason {
                _ = try LabelModelSection.calibration(probabilities: Self.probabilities, gold: [0, 0, 5, 1, 1, 1])
            }
            .contains("row 2: gold label 5"))
        var nan = Self.probabilities
        nan[3] = [.nan, 0.5]
        #expect(
            reason { _ = try LabelModelSection.calibration(probabilities: nan, gold: Self.gold) }
                .contains("row 3, class 0"))
        #expect(
            reason { _ = try LabelModelSection.calibration(probabilities: [[0.5, 0.5], [1]], gold: [0, 0]) }
                .contains("row 1 has 1 probabilities"))
        #expect(
            reason {
                _ = try LabelModelSection.calibration(
                    probabilities: Self.probabilities, gold: Self.gold, predicted: [0, 0, 0, 0, 0, 7])
            }.contains("row 5: predicted label 7"))
    }

    @Test("the label-model section scores accuracy and binary F1 by hand")
    func labelModelSection() throws {
        let matrix = Matrix(Self.probabilities)
        let section = try LabelModelSection.build(
            method: "auto", choice: "moments", reason: "because", probabilities: matrix, gold: Self.gold, bins: 4)
        // argmax [0, 1, 1, 0, 1] on the five gold rows: right on rows 0, 2, 4; class 1: TP 2, FP 1, FN 1.
        #expect(section.accuracy == 0.6)
        #expect(approximatelyEqual(try #require(section.f1), 2.0 / 3.0))
        #expect(approximatelyEqual(try #require(section.expectedCalibrationError), 0.16))
        let withoutGold = try LabelModelSection.build(method: "mv", probabilities: matrix, gold: nil)
        #expect(withoutGold.calibration.isEmpty && withoutGold.accuracy == nil)
    }

    @Test("class balance: predicted shares over all rows, gold shares over known gold")
    func classBalance() throws {
        let section = try ClassBalanceSection.build(
            hardLabels: [0, 1, 1, -1, 0, 0], gold: [0, 1, -1, 1, 0, 1], classes: ["A", "B"])
        #expect(section.predicted == [0.5, 2.0 / 6.0])
        #expect(section.gold == [0.4, 0.6])
        let noGold = try ClassBalanceSection.build(hardLabels: [1, 1], gold: nil, classes: ["A", "B"])
        #expect(noGold.predicted == [0, 1] && noGold.gold == nil)
        let unknownGold = try ClassBalanceSection.build(hardLabels: [1], gold: [-1], classes: ["A", "B"])
        #expect(unknownGold.gold == nil)
        #expect(throws: PipelinesError.self) {
            try ClassBalanceSection.build(hardLabels: [0, 2], gold: nil, classes: ["A", "B"])
        }
        #expect(throws: PipelinesError.self) {
            try ClassBalanceSection.build(hardLabels: [0, 1], gold: [0], classes: ["A", "B"])
        }
    }

    @Test("the merge grid averages each pair's sign conflicts per layer, in model order")
    func mergeGrid() throws {
        let tasks = ["a", "b"]
        let report = ConflictReport(
            tasks: tasks, top: 1,
            tensors: [
                ConflictReport.compare(name: "classifier.weight", vectors: [[1, -1], [1, -1]], tasks: tasks, top: 1),
                ConflictReport.compare(
                    name: "encoder.layer.1.attention.self.query.weight", vectors: [[1, 1], [-1, -1]], tasks: tasks,
                    top: 1),
                ConflictReport.compare(
                    name: "encoder.layer.0.attention.self.query.weight", vectors: [[1, 1, -1, 1], [1, -1, -1, -1]],
                    tasks: tasks, top: 1),
                ConflictReport.compare(
                    name: "encoder.layer.0.attention.self.value.weight", vectors: [[1, 1, 1, 1], [1, 1, 1, -1]],
                    tasks: tasks, top: 1),
                ConflictReport.compare(
                    name: "embeddings.word_embeddings.weight", vectors: [[1, 1], [1, -1]], tasks: tasks, top: 1),
            ])
        let grid = MergeConflictGrid(report)
        #expect(grid.layers == ["embeddings.word_embeddings", "encoder.layer.0", "encoder.layer.1", "classifier"])
        #expect(grid.pairs == ["a × b"])
        #expect(grid.values.map { $0[0] } == [0.5, 0.375, 1, 0])
    }

    @Test("a merge grid of three tasks has three pair columns")
    func mergeGridThreeTasks() {
        let grid = MergeConflictGrid(ReportFixtures.mergeSection().conflicts)
        #expect(grid.pairs == ["task-a × task-b", "task-a × task-c", "task-b × task-c"])
        #expect(grid.layers.count == 7)
        #expect(grid.layers.last == "classifier")
        #expect(grid.values.allSatisfy { row in row.allSatisfy { $0 != nil } })
    }
}
