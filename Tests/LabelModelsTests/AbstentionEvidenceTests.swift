import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// Abstentions as evidence: when LFs fire at class-dependent rates, silence says something about the label.
@Suite struct AbstentionEvidenceTests {
    /// 20 % positives; three LFs vote 1 on 60 % of positives (3 % of negatives), two vote 0 on 30 % of negatives
    /// (2 % of positives), otherwise they abstain — so a row without votes is most likely negative.
    static func rarePositives(rows: Int = 6_000, seed: UInt64 = 11) throws -> (matrix: LabelMatrix, truth: [Int]) {
        var generator = SeededGenerator(seed: seed)
        var votes: [Int] = [], truth: [Int] = []
        for _ in 0..<rows {
            let y = generator.nextUnitDouble() < 0.2 ? 1 : 0
            truth.append(y)
            for _ in 0..<3 { votes.append(generator.nextUnitDouble() < (y == 1 ? 0.6 : 0.03) ? 1 : -1) }
            for _ in 0..<2 { votes.append(generator.nextUnitDouble() < (y == 0 ? 0.3 : 0.02) ? 0 : -1) }
        }
        let matrix = try LabelMatrix(
            denseVotes: votes, rowCount: rows, lfNames: ["pos_a", "pos_b", "pos_c", "neg_a", "neg_b"],
            classNames: ["neg", "pos"])
        return (matrix, truth)
    }

    @Test func silentRowsLeanToTheClassThatRarelyDrawsVotes() throws {
        let problem = try Self.rarePositives()
        var model = MomentMatching()
        try model.fit(problem.matrix)
        let silent = try LabelMatrix(
            denseVotes: [-1, -1, -1, -1, -1], rowCount: 1, lfNames: problem.matrix.lfNames, classNames: ["neg", "pos"])
        let plain = try model.predictProbabilities(silent)
        #expect(plain[0, 0] == plain[0, 1])  // snorkel's posterior: a coin flip under a uniform prior
        let aware = try #require(model.predictingWithAbstentions())
        let leaning = try aware.predictProbabilities(silent)
        #expect(leaning[0, 0] > 0.55)  // 0.56: μ is fitted under the uniform prior it was given (truth: 0.8 / 0.2)
        #expect(abs(leaning[0, 0] + leaning[0, 1] - 1) < 1e-12)
        // Same parameters, only the posterior differs.
        #expect(aware.conditionalProbabilities == model.conditionalProbabilities)
        #expect(aware.lfParameters == model.lfParameters)
        // Over the whole matrix it is far more accurate than the abstain-blind posterior (0.918 vs 0.735 here).
        let awareAccuracy = try #require(try aware.score(problem.matrix, gold: problem.truth).accuracy)
        let plainAccuracy = try #require(try model.score(problem.matrix, gold: problem.truth).accuracy)
        #expect(awareAccuracy > plainAccuracy + 0.1, "aware \(awareAccuracy), plain \(plainAccuracy)")
    }

    @Test func anUnfittedModelHasNoAbstentionVariant() {
        #expect(MomentMatching().predictingWithAbstentions() == nil)
    }

    @Test(
        "auto on the Spouse test LFs (rare positives, 72 % of rows without votes) finds the abstention-aware fit",
        .enabled(if: TestData.has("spouse_snorkel_lfs_test"), "needs $FOUNDRY_DATA/spouse_snorkel_lfs_test"))
    func autoOnSpouse() throws {
        let split = try WrenchDataset(directory: try #require(TestData.dataset("spouse_snorkel_lfs_test"))).split(.test)
        // Transductive, as the folder has only a test split: fit on its LFs, score against its gold labels.
        var auto = AutoLabelModel(), mv = MajorityVote()
        try auto.fit(split.labelMatrix)
        try mv.fit(split.labelMatrix)
        // The plain posterior is distrusted, the abstention-aware one trusted; it is used alone or breaking MV's ties.
        #expect(auto.agreementWithAbstentions != nil)
        #expect(
            [.momentsWithAbstentions, .momentsWithAbstentionsAndMajorityVote, .majorityVoteTiesByMoments].contains(
                try #require(auto.choice)), "\(auto.reason ?? "")")
        let autoF1 = try #require(try auto.score(split.labelMatrix, gold: split.goldLabels).f1)
        let mvF1 = try #require(try mv.score(split.labelMatrix, gold: split.goldLabels).f1)
        #expect(mvF1 < 0.25)  // 0.208, snorkel's MajorityLabelVoter figure
        #expect(autoF1 > 0.4)  // 0.452 here; flyingsquid 0.468, snorkel LabelModel 0.204
    }
}
