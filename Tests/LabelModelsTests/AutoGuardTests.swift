import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// Auto's guard against generative fits that contradict the LFs' consensus.
@Suite struct AutoGuardTests {
    /// A rare positive class (8 %) and 40 two-sided LFs of moderate coverage: snorkel's uniform prior makes the moment
    /// fit explain the class imbalance with distorted LF rates, and it overrules majorities that the LFs agree on.
    static func imbalancedProblem(seed: UInt64) -> SyntheticLabelingProblem {
        var generator = SeededGenerator(seed: seed)
        let coverages = (0..<40).map { _ in 0.02 + 0.58 * generator.nextUnitDouble() }
        let accuracies = (0..<40).map { _ in 0.6 + 0.35 * generator.nextUnitDouble() }
        return SyntheticLabelingProblem(
            rows: 6000, coverages: coverages, accuracies: accuracies, classBalance: [0.92, 0.08], seed: seed)
    }

    @Test("a fit that overrules strong majorities under a wrong prior is distrusted; auto is then plain majority vote")
    func strongMajorityGuard() throws {
        let problem = Self.imbalancedProblem(seed: 12)
        var moments = MomentMatching(), mv = MajorityVote(), auto = AutoLabelModel()
        try moments.fit(problem.matrix)
        try mv.fit(problem.matrix)
        try auto.fit(problem.matrix)
        let gold = problem.trueLabels
        let momentsAccuracy = try #require(try moments.score(problem.matrix, gold: gold).accuracy)
        let mvAccuracy = try #require(try mv.score(problem.matrix, gold: gold).accuracy)
        let autoAccuracy = try #require(try auto.score(problem.matrix, gold: gold).accuracy)
        // The case the guard exists for: the moment fit alone is far behind majority vote…
        #expect(momentsAccuracy < mvAccuracy - 0.05)
        // …it still passes the older check on unambiguous majorities, and is caught on the strong ones.
        #expect(try #require(auto.agreementWithMajority) >= auto.configuration.minimumAgreementWithMajority)
        #expect(try #require(auto.agreementWithStrongMajority) < auto.configuration.minimumAgreementWithStrongMajority)
        #expect(auto.choice == .majorityVote)
        // A distrusted fit does not break ties either: auto predicts exactly what majority vote predicts.
        #expect(try auto.predictProbabilities(problem.matrix) == mv.predictProbabilities(problem.matrix))
        #expect(autoAccuracy == mvAccuracy)
    }

    @Test("auto configurations saved before the strong-majority check decode with its defaults")
    func configurationWithoutStrongMajorityKeysDecodes() throws {
        var configuration = AutoLabelModel.Configuration()
        configuration.minimumAgreementWithMajority = 0.7
        var object = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as? [String: Any])
        #expect(object["minimumAgreementWithStrongMajority"] as? Double == 0.95)
        object["minimumAgreementWithStrongMajority"] = nil
        object["minimumStrongMajorityRows"] = nil
        let decoded = try JSONDecoder().decode(
            AutoLabelModel.Configuration.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.minimumAgreementWithMajority == 0.7)
        #expect(decoded.minimumAgreementWithStrongMajority == AutoLabelModel.Configuration().minimumAgreementWithStrongMajority)
        #expect(decoded.minimumStrongMajorityRows == AutoLabelModel.Configuration().minimumStrongMajorityRows)
        #expect(decoded.moments == configuration.moments)
    }

    @Test("the strong-majority check is skipped when too few rows have a two-vote lead")
    func fewStrongRowsSkipTheCheck() {
        let configuration = AutoLabelModel.Configuration()
        let noisy = AutoLabelModel.MajorityAgreement(unambiguous: 0.9, strong: 0.5, strongRows: 49)
        let measured = AutoLabelModel.MajorityAgreement(unambiguous: 0.9, strong: 0.5, strongRows: 50)
        #expect(noisy.passes(configuration))
        #expect(!measured.passes(configuration))
        #expect(!AutoLabelModel.MajorityAgreement(unambiguous: 0.79, strong: 1, strongRows: 500).passes(configuration))
        #expect(AutoLabelModel.MajorityAgreement(unambiguous: nil, strong: nil, strongRows: 0).passes(configuration))
    }
}
