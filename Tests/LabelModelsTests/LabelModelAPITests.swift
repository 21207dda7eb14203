import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

@Suite struct LabelModelAPITests {
    static let problem = SyntheticLabelingProblem(
        rows: 3_000, coverages: [0.5, 0.6, 0.4, 0.7], accuracies: [0.8, 0.7, 0.9, 0.75], seed: 21)

    @Test(arguments: LabelModelMethod.allCases)
    func persistenceRoundTripsExactly(method: LabelModelMethod) throws {
        var model = try LabelModelConfiguration(method: method).makeModel()
        #expect(ObjectIdentifier(type(of: model)) == ObjectIdentifier(method.modelType))
        try model.fit(Self.problem.matrix, options: FitOptions())
        let directory = TemporaryDirectory()
        let url = directory.file("model.json")
        try LabelModelFile(model).write(to: url)
        let loaded = try LabelModelFile.read(from: url)
        #expect(loaded.method == method)
        #expect(
            try loaded.model.predictProbabilities(Self.problem.matrix)
                == model.predictProbabilities(Self.problem.matrix))
        #expect(loaded.model.lfParameters == model.lfParameters)
        #expect(loaded.model.classBalance == model.classBalance)
    }

    @Test func tieBreakPolicies() {
        let probabilities = Matrix([[0.5, 0.5], [0.2, 0.8], [0.5, 0.5]])
        #expect(
            MajorityVote.hardLabels(probabilities, tieBreak: .abstain, prior: [0.5, 0.5]) == [
                .abstain, .class(1), .abstain,
            ])
        #expect(
            MajorityVote.hardLabels(probabilities, tieBreak: .prior, prior: [0.3, 0.7]) == [
                .class(1), .class(1), .class(1),
            ])
        let a = MajorityVote.hardLabels(probabilities, tieBreak: .random(seed: 5), prior: [])
        #expect(a == MajorityVote.hardLabels(probabilities, tieBreak: .random(seed: 5), prior: []))
        #expect(a[1] == .class(1))
    }

    @Test("rowHash breaks ties exactly as snorkel's probs_to_preds(tie_break_policy=\"random\") and WRENCH do")
    func rowHashMatchesSnorkel() {
        // Rows cycle through a 3-way tie, a 2-way tie of classes 0/1, a 2-way tie of classes 1/2 and a clear winner.
        let patterns: [[Double]] = [[1.0 / 3, 1.0 / 3, 1.0 / 3], [0.5, 0.5, 0], [0.2, 0.4, 0.4], [0.1, 0.3, 0.6]]
        let probabilities = Matrix((0..<24).map { patterns[$0 % 4] })
        // Output of snorkel 0.10 `probs_to_preds` on the same 24 rows.
        let snorkel = [0, 1, 1, 2, 0, 0, 1, 2, 1, 1, 2, 2, 1, 0, 2, 2, 0, 0, 1, 2, 1, 0, 2, 2]
        #expect(MajorityVote.hardLabels(probabilities, tieBreak: .rowHash, prior: []) == snorkel.map { Vote.class($0) })
        // snorkel's tolerance is an absolute 1e-5: a 4e-6 gap is a tie (row 0 hashes to class 0), a 2e-5 gap is not.
        let nearTies = Matrix([
            [0.49999800000799993, 0.500001999992, 0.0], [0.49999000019999595, 0.5000099998000039, 0.0],
        ])
        #expect(MajorityVote.hardLabels(nearTies, tieBreak: .rowHash, prior: []) == [.class(0), .class(1)])
    }

    @Test func expectedAccuracyCreditsTiesByTheirShare() {
        let probabilities = Matrix([[0.5, 0.5], [0.2, 0.8], [1.0 / 3, 2.0 / 3], [0.5, 0.5]])
        // Row 0: gold among 2 tied → 1/2; row 1: right → 1; row 2: wrong → 0; row 3: gold -1 → skipped.
        #expect(ClassificationScore.expectedAccuracy(probabilities: probabilities, gold: [0, 1, 0, -1]) == 0.5)
        #expect(ClassificationScore.expectedAccuracy(probabilities: probabilities, gold: [-1, -1, -1, -1]) == nil)
    }

    @Test("the agreement guard samples large matrices and stays within its standard error of the full count")
    func agreementSampleIsCloseToTheFullCount() throws {
        let problem = SyntheticLabelingProblem(
            rows: 60_000, coverages: [0.5, 0.4, 0.3, 0.6], accuracies: [0.75, 0.7, 0.8, 0.65], seed: 4)
        var model = MomentMatching()
        try model.fit(problem.matrix)
        let sampled = try #require(
            try AutoLabelModel.majorityAgreement(probabilities: model.predictProbabilities, on: problem.matrix)
                .unambiguous)
        // The same quantity over every row.
        let shares = MajorityVote.voteShares(problem.matrix)
        let predicted = try model.predict(problem.matrix)
        var rows = 0, agree = 0
        for row in 0..<problem.matrix.rowCount {
            guard let majority = (0..<2).first(where: { shares[row, $0] == 1 }) else { continue }
            rows += 1
            if predicted[row] == .class(majority) { agree += 1 }
        }
        #expect(abs(sampled - Double(agree) / Double(rows)) < 0.012)  // 3 standard errors of a 20,000-row sample
    }

    @Test func scoreCountsAccuracyF1AndCoverage() {
        let score = ClassificationScore(gold: [1, 1, 0, 0, 1], predicted: [1, 0, 0, -1, 1], cardinality: 2)
        #expect(score.accuracy == 0.75)
        #expect(score.coverage == 0.8)
        #expect(abs((score.f1 ?? 0) - 0.8) < 1e-12)  // tp 2, fp 0, fn 1
        #expect(abs((score.macroF1 ?? 0) - (0.8 + 2.0 / 3.0) / 2) < 1e-12)
    }

    @Test func majorityVoteSplitsTies() throws {
        let matrix = try LabelMatrix(
            denseVotes: [0, 1, -1, 1, 1, 0, -1, -1, -1], rowCount: 3, lfNames: ["a", "b", "c"], classNames: ["0", "1"])
        var mv = MajorityVote()
        try mv.fit(matrix)
        let p = try mv.predictProbabilities(matrix)
        #expect(p == Matrix([[0.5, 0.5], [0, 1], [0.5, 0.5]]))
    }

    @Test func weightedMajorityVoteUsesGivenAccuracies() throws {
        let matrix = try LabelMatrix(
            denseVotes: [0, 1, 1], rowCount: 1, lfNames: ["a", "b", "c"], classNames: ["0", "1"])
        var model = WeightedMajorityVote(configuration: .init(accuracies: [0.99, 0.6, 0.6]))
        try model.fit(matrix)
        // log(0.99/0.01) = 4.6 outweighs 2·log(0.6/0.4) = 0.81.
        #expect(try model.predict(matrix) == [.class(0)])
    }

    @Test func autoUsesADevSetWhenGiven() throws {
        var model = AutoLabelModel()
        let dev = Self.problem.matrix.rows(0..<300)
        try model.fit(
            Self.problem.matrix, options: FitOptions(devMatrix: dev, devLabels: Array(Self.problem.trueLabels[0..<300]))
        )
        #expect(model.choice != nil)
        let accuracy = try #require(try model.score(Self.problem.matrix, gold: Self.problem.trueLabels).accuracy)
        #expect(accuracy > 0.8)
    }

    @Test(.enabled(if: TestData.has("wrench_youtube"), "needs $FOUNDRY_DATA/wrench_youtube"))
    func autoOnYouTubeUsesTheMomentModelItsJudgesAndHeldOutVotesFavour() throws {
        let dataset = try WrenchDataset(directory: try #require(TestData.dataset("wrench_youtube")))
        let train = try dataset.split(.train), test = try dataset.split(.test)
        var mv = MajorityVote(), auto = AutoLabelModel()
        try mv.fit(train.labelMatrix)
        try auto.fit(train.labelMatrix)
        let mvAccuracy = try #require(try mv.score(test.labelMatrix, gold: test.goldLabels).accuracy)
        let autoAccuracy = try #require(try auto.score(test.labelMatrix, gold: test.goldLabels).accuracy)
        // Moments and Dawid–Skene are identifiable (5 one-class LFs per class); four candidates pass the judges, and
        // the moment model predicts held-out LF votes best: 0.864 against MV's 0.840, snorkel's LabelModel's score.
        #expect(auto.choice == .moments, "\(auto.reason ?? "")")
        #expect(abs(autoAccuracy - 0.864) < 1e-9)
        #expect(autoAccuracy > mvAccuracy)
        #expect(auto.reason?.hasPrefix("moments:") == true)
        #expect(auto.reason?.contains("held-out LF votes") == true)
    }
}
