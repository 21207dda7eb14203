import Foundation
import FoundryCore
import Labeling
import Testing

@testable import LabelModels

/// Auto's majority vote with ties broken toward the least-voted class, used when only MV is identifiable and every LF
/// votes one class (``AutoLabelModel/Choice/majorityVoteTiesBySpecificity``).
@Suite struct SpecificityTieBreakTests {
    typealias LF = SyntheticLabelingTask.LabelingFunction

    /// One keyword LF per class over 4 balanced classes: class 0's keyword is broad and imprecise (it fires on 60 % of
    /// the rows, 35 % of its votes right), the others narrow and precise (20 %, 80 %).
    static let broadKeywordTask = SyntheticLabelingTask(
        classPrior: [0.25, 0.25, 0.25, 0.25],
        labelingFunctions: [LF(coverage: 0.6, accuracy: 0.35, votedClass: 0)]
            + (1..<4).map { LF(coverage: 0.2, accuracy: 0.8, votedClass: $0) })

    /// Auto and majority vote fitted to `matrix`, after checking that auto chose the specificity tie-break and says why.
    static func fitBreakingTiesBySpecificity(_ matrix: LabelMatrix) throws -> (AutoLabelModel, MajorityVote) {
        var auto = AutoLabelModel(), mv = MajorityVote()
        try auto.fit(matrix)
        try mv.fit(matrix)
        #expect(auto.choice == .majorityVoteTiesBySpecificity)
        #expect(auto.reason?.hasPrefix("mv+specific-ties: no other model is identifiable here") == true)
        return (auto, mv)
    }

    @Test("one keyword per class, one of them broad: auto breaks MV's ties toward the narrower keyword and gains")
    func tiesGoToTheNarrowerKeyword() throws {
        let sample = Self.broadKeywordTask.sample(rows: 6_000, seed: 11)
        let matrix = sample.matrix
        let (auto, mv) = try Self.fitBreakingTiesBySpecificity(matrix)
        #expect(auto.reason?.contains("every LF votes one class") == true)
        // Class 0 has by far the most votes, so it weighs least.
        let weights = try #require(auto.tieBreakClassWeights)
        #expect(weights.count == 4 && weights.indices.allSatisfy { $0 == 0 || weights[$0] > 2 * weights[0] })

        let shares = try mv.predictProbabilities(matrix), probabilities = try auto.predictProbabilities(matrix)
        let dense = matrix.denseVotes()
        var tiedRows = 0, autoRightOnTies = 0, mvRightOnTies = 0
        let mvLabels = try mv.predict(matrix).map(\.rawValue), autoLabels = try auto.predict(matrix).map(\.rawValue)
        for row in 0..<matrix.rowCount {
            let votes = dense[(row * 4)..<(row * 4 + 4)].filter { $0 >= 0 }
            let counts = (0..<4).map { c in votes.filter { $0 == c }.count }
            let top = counts.max() ?? 0
            let tied = (0..<4).filter { counts[$0] == top }
            if votes.isEmpty || tied.count == 1 {
                // MV decides (or nobody voted): auto's shares are MV's.
                for c in 0..<4 { #expect(probabilities[row, c] == shares[row, c]) }
                continue
            }
            tiedRows += 1
            // The tied share is split by the weights, so the least-voted tied class comes first.
            let expected = try #require(tied.max { weights[$0] < weights[$1] })
            #expect(autoLabels[row] == expected)
            let tiedShare = tied.reduce(0) { $0 + shares[row, $1] }
            #expect(abs(tied.reduce(0) { $0 + probabilities[row, $1] } - tiedShare) < 1e-12)
            if autoLabels[row] == sample.labels[row] { autoRightOnTies += 1 }
            if mvLabels[row] == sample.labels[row] { mvRightOnTies += 1 }
        }
        #expect(tiedRows > 500)
        // On the tied rows the narrow keyword is right far more often than a pseudo-random pick among the tied.
        #expect(Double(autoRightOnTies) > 1.3 * Double(mvRightOnTies))
    }

    @Test("an LF that votes two classes, or a second identifiable family, leaves auto's ties to plain majority vote")
    func onlyForKeywordLFs() throws {
        let functions =
            (0..<5).map { LF(coverage: 0.15, accuracy: 0.75, votedClass: $0) } + [LF(coverage: 0.3, accuracy: 0.7)]
        let task = SyntheticLabelingTask(classPrior: [Double](repeating: 0.2, count: 5), labelingFunctions: functions)
        let matrix = task.sample(rows: 4_000, seed: 5).matrix
        var auto = AutoLabelModel(), mv = MajorityVote()
        try auto.fit(matrix)
        try mv.fit(matrix)
        #expect(auto.choice == .majorityVote)
        #expect(auto.tieBreakClassWeights == nil)
        #expect(try auto.predictProbabilities(matrix) == mv.predictProbabilities(matrix))
        #expect(AutoLabelModel.specificityWeights(matrix) == nil)
        // Three keywords per class make the moment model identifiable: the specificity rule is not what decides.
        let identifiable = IdentifiabilityTests.keywords(k: 3, perClass: 3)
        var second = AutoLabelModel()
        try second.fit(identifiable)
        #expect(second.choice != .majorityVoteTiesBySpecificity && second.tieBreakClassWeights == nil)
    }

    @Test("with a dev set the specificity tie-break is a challenger: plain majority vote is the incumbent to beat")
    func devSetJudgesTheTieBreak() throws {
        let train = Self.broadKeywordTask.sample(rows: 6_000, seed: 11)
        let dev = Self.broadKeywordTask.sample(rows: 800, seed: 12)
        var auto = AutoLabelModel(), mv = MajorityVote()
        try auto.fit(train.matrix, options: FitOptions(devMatrix: dev.matrix, devLabels: dev.labels))
        try mv.fit(train.matrix)
        let reason = try #require(auto.reason)
        #expect(reason.contains("beats auto's choice without gold labels (mv)"), "\(reason)")
        // Something beats plain MV on 800 dev rows here (the tied rows are a third of them), and it predicts as scored:
        // the weights travel with the specificity tie-break and with nothing else.
        let choice = try #require(auto.choice)
        #expect(choice != .majorityVote)
        #expect((auto.tieBreakClassWeights != nil) == (choice == .majorityVoteTiesBySpecificity))
        let test = Self.broadKeywordTask.sample(rows: 4_000, seed: 13)
        let autoAccuracy = try #require(try auto.score(test.matrix, gold: test.labels).accuracy)
        let mvAccuracy = try #require(try mv.score(test.matrix, gold: test.labels).accuracy)
        #expect(autoAccuracy > mvAccuracy)
    }

    @Test("a saved auto model with the specificity tie-break loads and predicts as fitted; older files still load")
    func persistence() throws {
        let matrix = Self.broadKeywordTask.sample(rows: 2_000, seed: 3).matrix
        var auto = AutoLabelModel()
        try auto.fit(matrix)
        #expect(auto.choice == .majorityVoteTiesBySpecificity)
        let data = try JSONEncoder().encode(auto)
        let loaded = try JSONDecoder().decode(AutoLabelModel.self, from: data)
        #expect(loaded == auto)
        #expect(try loaded.predictProbabilities(matrix) == auto.predictProbabilities(matrix))
        // A file without the weights (as written before they existed) cannot predict this choice: a clear error.
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["tieBreakClassWeights"] = nil
        let stripped = try JSONDecoder().decode(
            AutoLabelModel.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(throws: LabelModelsError.self) { try stripped.predictProbabilities(matrix) }
    }
}
