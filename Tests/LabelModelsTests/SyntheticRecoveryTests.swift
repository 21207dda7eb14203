import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// Recovery of known LF accuracies and class balance on conditionally independent synthetic matrices.
@Suite struct SyntheticRecoveryTests {
    static let coverages = [0.6, 0.5, 0.7, 0.4, 0.55]
    static let accuracies = [0.9, 0.75, 0.8, 0.65, 0.85]

    @Test func tripletRecoversAccuracies() throws {
        let problem = SyntheticLabelingProblem(
            rows: 30_000, coverages: Self.coverages, accuracies: Self.accuracies, seed: 7)
        var model = Triplet()
        try model.fit(problem.matrix)
        for (estimated, truth) in zip(model.lfParameters.compactMap(\.accuracy), Self.accuracies) {
            #expect(abs(estimated - truth) < 0.03, "triplet accuracy \(estimated) vs true \(truth)")
        }
    }

    @Test func tripletRecoversMulticlassAccuracies() throws {
        let problem = SyntheticLabelingProblem(
            rows: 30_000, coverages: Self.coverages, accuracies: Self.accuracies,
            classBalance: [0.25, 0.25, 0.25, 0.25], seed: 8)
        var model = Triplet()
        try model.fit(problem.matrix)
        for (estimated, truth) in zip(model.lfParameters.compactMap(\.accuracy), Self.accuracies) {
            #expect(abs(estimated - truth) < 0.03, "triplet accuracy \(estimated) vs true \(truth)")
        }
    }

    @Test func dawidSkeneRecoversAccuraciesAndClassBalance() throws {
        let problem = SyntheticLabelingProblem(
            rows: 20_000, coverages: Self.coverages, accuracies: Self.accuracies, classBalance: [0.7, 0.3], seed: 9)
        var model = DawidSkene()
        try model.fit(problem.matrix, options: FitOptions(classBalance: .estimated))
        #expect(abs(model.classBalance[0] - 0.7) < 0.02, "class balance \(model.classBalance)")
        for (estimated, truth) in zip(model.lfParameters.compactMap(\.accuracy), Self.accuracies) {
            #expect(abs(estimated - truth) < 0.03, "DS accuracy \(estimated) vs true \(truth)")
        }
        let propensities = model.lfParameters.compactMap(\.propensity)
        for (estimated, truth) in zip(propensities, Self.coverages) { #expect(abs(estimated - truth) < 0.02) }
    }

    @Test func momentMatchingRecoversAccuracies() throws {
        let problem = SyntheticLabelingProblem(
            rows: 20_000, coverages: Self.coverages, accuracies: Self.accuracies, seed: 10)
        var model = MomentMatching(configuration: .init(l2: 0))
        try model.fit(problem.matrix)
        for (estimated, truth) in zip(model.lfParameters.compactMap(\.accuracy), Self.accuracies) {
            #expect(abs(estimated - truth) < 0.04, "moments accuracy \(estimated) vs true \(truth)")
        }
    }

    @Test func generativeModelsBeatMajorityVoteOnSkewedAccuracies() throws {
        // One excellent LF and four weak ones: weighting must beat plain majority vote.
        let accuracies = [0.97, 0.6, 0.6, 0.6, 0.6]
        let problem = SyntheticLabelingProblem(
            rows: 10_000, coverages: [0.9, 0.9, 0.9, 0.9, 0.9], accuracies: accuracies, seed: 11)
        var mv = MajorityVote()
        try mv.fit(problem.matrix)
        let mvAccuracy = try #require(try mv.score(problem.matrix, gold: problem.trueLabels).accuracy)
        for var model in [DawidSkene(), MomentMatching(), Triplet(), AutoLabelModel()] as [any LabelModel] {
            try model.fit(problem.matrix, options: FitOptions())
            let accuracy = try #require(try model.score(problem.matrix, gold: problem.trueLabels).accuracy)
            #expect(accuracy > mvAccuracy + 0.02, "\(type(of: model).methodName): \(accuracy) vs MV \(mvAccuracy)")
        }
    }
}
