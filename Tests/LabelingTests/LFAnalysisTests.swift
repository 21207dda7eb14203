import Foundation
import FoundryTestSupport
import Testing

@testable import Labeling

struct LFAnalysisTests {
    @Test func definitionsOnASmallMatrix() throws {
        // snorkel's docstring example: L = [[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]]
        let matrix = try LabelMatrix(
            denseVotes: [-1, 0, 0, -1, -1, -1, 1, 0, -1, -1, 0, -1, 0, 0, 0], rowCount: 5,
            lfNames: ["a", "b", "c"], classNames: ["x", "y"])
        let analysis = try LFAnalysis(matrix, goldLabels: [0, 1, 1, -1, 0])
        #expect(analysis.lfs.map(\.polarity) == [[0, 1], [0], [0]])
        #expect(approximatelyEqual(analysis.lfs.map(\.coverage), [0.4, 0.8, 0.4]))
        #expect(approximatelyEqual(analysis.lfs.map(\.overlaps), [0.4, 0.6, 0.4]))
        #expect(approximatelyEqual(analysis.lfs.map(\.conflicts), [0.2, 0.2, 0.0]))
        #expect(analysis.lfs.map(\.correct) == [2, 2, 2])
        #expect(analysis.lfs.map(\.incorrect) == [0, 1, 0])  // row 3 has no gold label: not counted
        // Empirical accuracy counts a vote on an unlabeled row as wrong (snorkel): b = ½(0/4 + 1)
        #expect(approximatelyEqual(analysis.lfs.compactMap(\.empiricalAccuracy), [1.0, 0.5, 1.0]))
        #expect(approximatelyEqual(analysis.coverage, 0.8))
        #expect(approximatelyEqual(analysis.overlap, 0.6))
        #expect(approximatelyEqual(analysis.conflict, 0.2))
        let table = analysis.table()
        #expect(table.contains("emp. acc.") && table.contains("[x, y]"))
        let decoded = try JSONDecoder().decode(LFAnalysis.self, from: Data(try analysis.json().utf8))
        #expect(decoded == analysis)
    }

    @Test func withoutGoldAndBadGold() throws {
        let matrix = try LabelMatrix(
            denseVotes: [0, -1, -1, -1], rowCount: 2, lfNames: ["a", "b"], classNames: ["x", "y"])
        let analysis = try LFAnalysis(matrix)
        #expect(analysis.hasGoldLabels == false)
        #expect(analysis.lfs[1].polarity.isEmpty && analysis.lfs[1].coverage == 0)
        #expect(!analysis.table().contains("correct"))
        #expect(throws: LabelingError.self) { try LFAnalysis(matrix, goldLabels: [0]) }
        #expect(throws: LabelingError.self) { try LFAnalysis(matrix, goldLabels: [0, 2]) }
    }

    /// snorkel 0.10 `LFAnalysis(L).lf_summary(Y)` on wrench_youtube/train.json (1,586 rows), computed with
    /// ~/.foundry-peers/bin/python; the numbers are copied here as fixed expected values.
    @Test(.enabled(if: TestData.has("wrench_youtube")))
    func matchesSnorkelOnWrenchYoutubeTrain() throws {
        let split = try WrenchDataset(directory: try #require(TestData.dataset("wrench_youtube"))).split(.train)
        let analysis = try LFAnalysis(split.labelMatrix, goldLabels: split.goldLabels)
        #expect(analysis.lfs.map(\.polarity) == [[1], [1], [1], [1], [0], [1], [0], [0], [0], [0]])
        let coverage = [
            0.19861286254728877, 0.1273644388398487, 0.11916771752837327, 0.11223203026481715, 0.14186633039092056,
            0.233921815889029, 0.2257250945775536, 0.08259773013871374, 0.03530895334174023, 0.3575031525851198,
        ]
        let overlaps = [
            0.18600252206809584, 0.10781841109709962, 0.1021437578814628, 0.10970996216897856, 0.1116015132408575,
            0.1330390920554855, 0.14438839848675913, 0.0605296343001261, 0.03215636822194199, 0.26166456494325346,
        ]
        let conflicts = [
            0.11034047919293821, 0.06809583858764187, 0.0832282471626734, 0.05737704918032787, 0.043505674653215635,
            0.08638083228247162, 0.07440100882723834, 0.025220680958385876, 0.005044136191677175, 0.1601513240857503,
        ]
        let accuracy = [
            0.8698412698412699, 0.9851485148514851, 0.9417989417989419, 0.9831460674157304, 0.7333333333333334,
            1.0, 0.664804469273743, 0.7251908396946565, 0.8392857142857143, 0.5731922398589065,
        ]
        #expect(approximatelyEqual(analysis.lfs.map(\.coverage), coverage, tolerance: 1e-12))
        #expect(approximatelyEqual(analysis.lfs.map(\.overlaps), overlaps, tolerance: 1e-12))
        #expect(approximatelyEqual(analysis.lfs.map(\.conflicts), conflicts, tolerance: 1e-12))
        #expect(analysis.lfs.map(\.correct) == [274, 199, 178, 175, 165, 371, 238, 95, 47, 325])
        #expect(analysis.lfs.map(\.incorrect) == [41, 3, 11, 3, 60, 0, 120, 36, 9, 242])
        #expect(approximatelyEqual(analysis.lfs.compactMap(\.empiricalAccuracy), accuracy, tolerance: 1e-12))
        #expect(approximatelyEqual(analysis.coverage, 0.8770491803278688, tolerance: 1e-12))
        #expect(approximatelyEqual(analysis.overlap, 0.4918032786885246, tolerance: 1e-12))
        #expect(approximatelyEqual(analysis.conflict, 0.2648171500630517, tolerance: 1e-12))
    }
}

struct LFAnalysisRecoveryTests {
    /// On a synthetic problem with known coverages and accuracies, the analysis recovers them.
    @Test func recoversKnownCoveragesAndAccuracies() throws {
        let problem = SyntheticLabelingProblem(
            rows: 20_000, coverages: [0.9, 0.5, 0.2, 0.05], accuracies: [0.95, 0.8, 0.6, 0.7],
            classBalance: [0.3, 0.3, 0.4], seed: 42)
        let analysis = try LFAnalysis(problem.matrix, goldLabels: problem.trueLabels)
        for (lf, summary) in analysis.lfs.enumerated() {
            #expect(abs(summary.coverage - problem.coverages[lf]) < 0.01, "coverage of lf \(lf)")
            let accuracy = try #require(summary.empiricalAccuracy)
            #expect(abs(accuracy - problem.accuracies[lf]) < 0.03, "accuracy of lf \(lf)")
            #expect(summary.polarity == [0, 1, 2])
        }
        #expect(abs(analysis.coverage - (1 - 0.1 * 0.5 * 0.8 * 0.95)) < 0.01)
    }
}
