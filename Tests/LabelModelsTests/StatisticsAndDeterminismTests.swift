import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

@Suite struct StatisticsAndDeterminismTests {
    @Test func shardStatisticsAddUpAndFitTheSame() throws {
        let problem = SyntheticLabelingProblem(
            rows: 9_000, coverages: [0.5, 0.6, 0.4, 0.7], accuracies: [0.8, 0.7, 0.9, 0.75], seed: 3)
        let whole = LabelStatistics(problem.matrix)
        let merged = LabelStatistics(problem.matrix.rows(0..<4_000)).merged(
            with: LabelStatistics(problem.matrix.rows(4_000..<9_000)))
        #expect(merged == whole)
        var fromWhole = MomentMatching(), fromShards = MomentMatching()
        try fromWhole.fit(statistics: whole, lfNames: problem.matrix.lfNames, options: FitOptions())
        try fromShards.fit(statistics: merged, lfNames: problem.matrix.lfNames, options: FitOptions())
        #expect(fromWhole == fromShards)
        var tripletWhole = Triplet(), tripletShards = Triplet()
        try tripletWhole.fit(statistics: whole, lfNames: problem.matrix.lfNames, options: FitOptions())
        try tripletShards.fit(statistics: merged, lfNames: problem.matrix.lfNames, options: FitOptions())
        #expect(tripletWhole == tripletShards)
    }

    @Test func statisticsCountVotesAndPairs() {
        let matrix = try? LabelMatrix(
            denseVotes: [0, 0, -1, 1, 0, 1], rowCount: 2, lfNames: ["a", "b", "c"], classNames: ["x", "y"])
        guard let matrix else { Issue.record("matrix"); return }
        let stats = LabelStatistics(matrix)
        #expect(stats.voteCounts == [1, 1, 2, 0, 0, 1])  // a: x once, y once; b: x twice; c: y once
        #expect(stats.pairCoVotes[0 * 3 + 1] == 2)  // a & b co-vote twice
        #expect(stats.pairAgreements[0 * 3 + 1] == 1)  // agree once
        #expect(stats.pairCoVotes[0 * 3 + 2] == 1)
        #expect(stats.coveredRows == 2)
    }

    /// Both counting paths (8-bit cells flushed every 255 rows for small tables; 32-bit cells for large ones)
    /// against a plain count over the dense votes.
    @Test(arguments: [(lfs: 10, classes: 3), (lfs: 200, classes: 2)])
    func overlapCountsMatchANaiveCount(shape: (lfs: Int, classes: Int)) throws {
        let matrix = randomLabelMatrix(rows: 1_000, lfs: shape.lfs, cardinality: shape.classes, coverage: 0.3, seed: 8)
        let statistics = LabelStatistics(matrix)
        let overlap = try #require(statistics.overlapCounts)
        let d = shape.lfs * shape.classes
        var expected = [Double](repeating: 0, count: d * d)
        for row in 0..<matrix.rowCount {
            let cells = matrix.votes(inRow: row).map { $0.lf * shape.classes + $0.classIndex }
            for a in cells { for b in cells { expected[a * d + b] += 1 } }
        }
        #expect(overlap == expected)
        #expect(
            statistics.coveredRows == Double((0..<matrix.rowCount).filter { !matrix.votes(inRow: $0).isEmpty }.count))
    }

    @Test func predictionsAreIdenticalWhateverTheThreadCount() throws {
        let problem = SyntheticLabelingProblem(
            rows: 50_000, coverages: [0.5, 0.6, 0.4, 0.7], accuracies: [0.8, 0.7, 0.9, 0.75], seed: 4)
        var model = DawidSkene()
        try model.fit(problem.matrix)
        let posterior = try #require(model.posterior)
        let single = try posterior.probabilities(problem.matrix, maxThreads: 1)
        let parallel = try posterior.probabilities(problem.matrix)
        #expect(single == parallel)
        var again = DawidSkene()
        try again.fit(problem.matrix)
        #expect(again == model)
        #expect(MajorityVote.voteShares(problem.matrix, maxThreads: 1) == MajorityVote.voteShares(problem.matrix))
    }

    @Test func probabilitiesAreDistributions() throws {
        let problem = SyntheticLabelingProblem(
            rows: 2_000, coverages: [0.5, 0.6, 0.4], accuracies: [0.8, 0.7, 0.9], classBalance: [0.2, 0.3, 0.5], seed: 5
        )
        for var model in [
            MajorityVote(), WeightedMajorityVote(), DawidSkene(), MomentMatching(), Triplet(), AutoLabelModel(),
        ] as [any LabelModel] {
            try model.fit(problem.matrix, options: FitOptions())
            let p = try model.predictProbabilities(problem.matrix)
            #expect(p.rows == 2_000 && p.columns == 3)
            for row in 0..<p.rows {
                let sum = p.row(row).reduce(0, +)
                #expect(abs(sum - 1) < 1e-9)
            }
        }
    }
}
