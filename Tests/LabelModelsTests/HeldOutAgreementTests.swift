import Foundation
import FoundryCore
import Labeling
import Testing

@testable import LabelModels

/// ``HeldOutAgreement``: folds hide an LF (or a correlated group) on the rows where it votes and others vote too, and
/// a more accurate model agrees more often with the hidden votes.
@Suite struct HeldOutAgreementTests {
    @Test("each fold hides its LFs' votes only on rows where another LF votes; a group is hidden whole")
    func foldsHideVotes() throws {
        // Rows: [0, 0, -1], [1, -1, -1] (only lf0 votes), [-1, 1, 1], [0, 1, 0].
        let matrix = try LabelMatrix(
            denseVotes: [0, 0, -1, 1, -1, -1, -1, 1, 1, 0, 1, 0], rowCount: 4,
            lfNames: ["a", "b", "c"], classNames: ["x", "y"])
        let single = HeldOutAgreement(matrix, groups: [])
        // lf0 votes on rows 0, 1, 3; row 1 has no other vote, so it is skipped.
        #expect(single.folds.count == 3)
        #expect(single.folds[0].hidden.map(\.classIndex) == [0, 0] && single.folds[0].masked.rowCount == 2)
        #expect(single.folds[0].masked.votes(inRow: 0).map(\.lf) == [1])
        #expect(single.voteCount == 2 + 3 + 2)
        let grouped = HeldOutAgreement(matrix, groups: [[1, 2]])
        // The group {b, c} votes on rows 0, 2, 3; on row 2 only the group votes, so it is skipped; both of row 3's
        // group votes are hidden together.
        #expect(grouped.folds.count == 2)
        #expect(grouped.folds[0].hidden.map(\.classIndex) == [0, 1, 0] && grouped.folds[0].masked.rowCount == 2)
        #expect(grouped.folds[0].masked.votes(inRow: 1).map(\.lf) == [0])
    }

    @Test("on conditionally independent LFs, the model with the true parameters agrees more with hidden votes than MV")
    func accurateModelAgreesMore() throws {
        // One 0.95-accurate LF among four 0.6 ones: weighting it (moments recovers the parameters) beats MV on the
        // gold labels, and the held-out agreement, computed without gold labels, ranks them the same way.
        let functions = [0.95, 0.6, 0.6, 0.6, 0.6].map {
            SyntheticLabelingTask.LabelingFunction(coverage: 0.9, accuracy: $0)
        }
        let task = SyntheticLabelingTask(classPrior: [0.5, 0.5], labelingFunctions: functions)
        let sample = task.sample(rows: 4_000, seed: 5)
        var moments = MomentMatching(), mv = MajorityVote()
        try moments.fit(sample.matrix)
        try mv.fit(sample.matrix)
        let gold = try #require(try moments.score(sample.matrix, gold: sample.labels).accuracy)
        let mvGold = try #require(try mv.score(sample.matrix, gold: sample.labels).accuracy)
        #expect(gold > mvGold + 0.05)
        let agreement = HeldOutAgreement(sample.matrix, groups: [])
        let d = HeldOutAgreement.difference(
            try agreement.credits { try moments.predictProbabilities($0) },
            try agreement.credits { try mv.predictProbabilities($0) })
        #expect(d.mean > 3 * d.standardError && d.mean > 0.01)
        // A model compared with itself differs by exactly nothing.
        let same = try agreement.credits { try mv.predictProbabilities($0) }
        #expect(HeldOutAgreement.difference(same, same).mean == 0)
    }

    @Test(
        "scoring auto's candidates: the chosen candidate scores what auto scores, and only identifiable ones are admissible"
    )
    func candidateScores() throws {
        var options = GeneratedTaskBenchmark.Options(
            tasks: 4, shapes: [.crowd], seed: 3, testRows: 500, methods: [.mv, .auto])
        options.scoresAutoCandidates = true
        let report = try GeneratedTaskBenchmark.run(options: options)
        for task in report.tasks {
            let candidates = try #require(task.autoCandidates)
            #expect(!candidates.isEmpty)
            #expect(candidates.allSatisfy { $0.identifiable || !$0.admissible })
            if let chosen = candidates.first(where: { $0.choice == task.autoChoice && $0.identifiable }) {
                #expect(chosen.score.accuracy == task.scores["auto"]?.accuracy)
            }
        }
        options.scoresAutoCandidates = false
        #expect(try GeneratedTaskBenchmark.run(options: options).tasks.allSatisfy { $0.autoCandidates == nil })
    }
}
