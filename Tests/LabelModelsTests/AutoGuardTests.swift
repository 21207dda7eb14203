import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// Auto's guard against generative fits that contradict the LFs' consensus.
@Suite struct AutoGuardTests {
    /// 40 two-sided LFs with coverage ~ U(0.02, `maximumCoverage`) and accuracy ~ U(`minimumAccuracy`, 0.95) over a class
    /// that is 8 % of the rows.
    static func rarePositiveProblem(maximumCoverage: Double, minimumAccuracy: Double, seed: UInt64)
        -> SyntheticLabelingProblem
    {
        var generator = SeededGenerator(seed: seed)
        let coverages = (0..<40).map { _ in 0.02 + (maximumCoverage - 0.02) * generator.nextUnitDouble() }
        let accuracies = (0..<40).map { _ in minimumAccuracy + (0.95 - minimumAccuracy) * generator.nextUnitDouble() }
        return SyntheticLabelingProblem(
            rows: 6000, coverages: coverages, accuracies: accuracies, classBalance: [0.92, 0.08], seed: seed)
    }

    @Test("a fit that overrules strong majorities under a wrong prior is distrusted; auto is then plain majority vote")
    func strongMajorityGuard() throws {
        // Snorkel's uniform prior makes the moment fit explain the imbalance with distorted LF rates; it then overrules
        // majorities that the LFs agree on.
        let problem = Self.rarePositiveProblem(maximumCoverage: 0.6, minimumAccuracy: 0.6, seed: 12)
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
        for key in [
            "minimumAgreementWithStrongMajority", "minimumStrongMajorityRows",
            "minimumAgreementWithOneSidedStrongMajority",
            "oneSidedOverruleShare", "devSelectionMetric",
        ] {
            object[key] = nil
        }
        let decoded = try JSONDecoder().decode(
            AutoLabelModel.Configuration.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.minimumAgreementWithMajority == 0.7)
        #expect(
            decoded.minimumAgreementWithStrongMajority
                == AutoLabelModel.Configuration().minimumAgreementWithStrongMajority)
        #expect(decoded.minimumStrongMajorityRows == AutoLabelModel.Configuration().minimumStrongMajorityRows)
        #expect(
            decoded.minimumAgreementWithOneSidedStrongMajority
                == AutoLabelModel.Configuration().minimumAgreementWithOneSidedStrongMajority)
        #expect(decoded.oneSidedOverruleShare == AutoLabelModel.Configuration().oneSidedOverruleShare)
        #expect(decoded.devSelectionMetric == AutoLabelModel.Configuration().devSelectionMetric)
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

    @Test("overrules of strong majorities that all favour one class are held to the stricter minimum")
    func oneSidedOverrules() {
        let configuration = AutoLabelModel.Configuration()
        func agreement(_ strong: Double, towardOneClass share: Double) -> AutoLabelModel.MajorityAgreement {
            AutoLabelModel.MajorityAgreement(
                unambiguous: 0.9, strong: strong, strongRows: 500, overrulesTowardOneClass: share)
        }
        #expect(!agreement(0.97, towardOneClass: 0.95).passes(configuration))  // one-sided: needs 0.98
        #expect(agreement(0.97, towardOneClass: 0.6).passes(configuration))  // both ways: 0.95 suffices
        #expect(agreement(0.985, towardOneClass: 1).passes(configuration))
        #expect(!agreement(0.94, towardOneClass: 0.5).passes(configuration))
    }

    @Test("a dominant two-sided LF overruling weak majorities stays trusted: its overrules go both ways")
    func dominantLFStaysTrusted() throws {
        let problem = SyntheticLabelingProblem(
            rows: 10_000, coverages: [0.9, 0.9, 0.9, 0.9, 0.9], accuracies: [0.97, 0.6, 0.6, 0.6, 0.6], seed: 11)
        var auto = AutoLabelModel()
        try auto.fit(problem.matrix)
        let strong = try #require(auto.agreementWithStrongMajority)
        #expect(strong < auto.configuration.minimumAgreementWithOneSidedStrongMajority)  // 0.963 here
        #expect(try #require(auto.strongMajorityOverrulesTowardOneClass) < auto.configuration.oneSidedOverruleShare)
        // Trusted, the moment fit is a candidate and a judge of the others.
        let reason = try #require(auto.reason)
        #expect(!reason.contains("moments disagrees with majority votes") && reason.contains("(moments,"), "\(reason)")
    }

    @Test("given a skewed true prior, the moment fit recovers the LFs instead of their mirror image, and auto keeps it")
    func knownSkewedPrior() throws {
        let problem = Self.rarePositiveProblem(maximumCoverage: 0.3, minimumAccuracy: 0.5, seed: 45)
        let options = FitOptions(classBalance: .given([0.92, 0.08]))
        var moments = MomentMatching(), mv = MajorityVote(), auto = AutoLabelModel()
        try moments.fit(problem.matrix, options: options)
        try mv.fit(problem.matrix, options: options)
        try auto.fit(problem.matrix, options: options)
        let gold = problem.trueLabels
        let momentsAccuracy = try #require(try moments.score(problem.matrix, gold: gold).accuracy)
        let mvAccuracy = try #require(try mv.score(problem.matrix, gold: gold).accuracy)
        let autoAccuracy = try #require(try auto.score(problem.matrix, gold: gold).accuracy)
        // The prior-consistent start: the fit lands on the LFs' real accuracies (it used to start rare-class rates above 1
        // in total and settle on the mirror solution, scoring under 10 %).
        #expect(momentsAccuracy > mvAccuracy + 0.03)
        var errors: [Double] = []
        for (j, parameters) in moments.lfParameters.enumerated() {
            errors.append(abs((parameters.accuracy ?? 0) - problem.accuracies[j]))
        }
        #expect(errors.reduce(0, +) / Double(errors.count) < 0.05)
        // The guard compares prior-free decisions with MV, so a known prior overruling lone rare-class votes is not
        // mistaken for a bad fit.
        #expect(auto.choice != .majorityVote)
        #expect(autoAccuracy > mvAccuracy + 0.03)
    }

    @Test("removing a prior from a posterior leaves likelihood-only decisions; a uniform prior changes nothing")
    func removingPrior() {
        let posterior = VotePosterior.oneCoin(accuracies: [0.8, 0.7, 0.9], prior: [0.9, 0.1])
        let freed = posterior.removingPrior([0.9, 0.1])
        #expect(abs(freed.bias[0] - freed.bias[1]) < 1e-12)
        #expect(freed.weights == posterior.weights)
        let uniform = VotePosterior.oneCoin(accuracies: [0.8, 0.7, 0.9], prior: [0.5, 0.5])
        #expect(uniform.removingPrior([0.5, 0.5]) == uniform)
    }
}
