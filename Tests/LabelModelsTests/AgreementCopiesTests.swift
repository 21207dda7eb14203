import Foundation
import FoundryCore
import Labeling
import Testing

@testable import LabelModels

/// Copies in agreement (``Identifiability/agreementCopies``): two workers who agree with each other far more than
/// their agreement with everyone else explains, as when one repeats the other's answers.
@Suite struct AgreementCopiesTests {
    typealias LF = SyntheticLabelingTask.LabelingFunction

    /// A 5-class crowd task: six independent workers 55 % accurate on half the rows; with `echo`, worker 6 is below
    /// chance (15 %) on 85 % of the rows and worker 7 repeats worker 6's answer on 80 % of rows (else works alone,
    /// equally badly); without, workers 6 and 7 are independent and as good as the rest.
    static func crowdTask(echo: Bool) -> SyntheticLabelingTask {
        var workers = (0..<6).map { _ in LF(coverage: 0.5, accuracy: 0.55) }
        if echo {
            workers.append(LF(coverage: 0.85, accuracy: 0.15))
            workers.append(
                LF(coverage: 0.85, accuracy: 0.15, echo: SyntheticLabelingTask.Echo(source: 6, fidelity: 0.8)))
        } else {
            workers += [LF(coverage: 0.85, accuracy: 0.55), LF(coverage: 0.85, accuracy: 0.55)]
        }
        return SyntheticLabelingTask(classPrior: [Double](repeating: 0.2, count: 5), labelingFunctions: workers)
    }

    /// 600 rows of ``crowdTask(echo:)``.
    static func crowd(echo: Bool) -> LabelMatrix { crowdTask(echo: echo).sample(rows: 600, seed: 9).matrix }

    @Test("a below-chance worker and its echo are found and merged into one source; the pair working alone is not")
    func echoOfABadWorkerIsFound() throws {
        let echoed = Identifiability.analyze(Self.crowd(echo: true))
        #expect(echoed.agreementCopies == [[6, 7]])
        #expect(echoed.groups == [[6, 7]])
        let independent = Identifiability.analyze(Self.crowd(echo: false))
        #expect(independent.agreementCopies.isEmpty && independent.groups.isEmpty)
    }

    @Test("weighted MV told of the copied pair no longer lets the two vouch for each other")
    func weightedMajorityVoteLeavesThePairOut() throws {
        let matrix = Self.crowd(echo: true)
        var plain = WeightedMajorityVote()
        var informed = WeightedMajorityVote(configuration: .init(copiedPairs: [[6, 7]]))
        try plain.fit(matrix)
        try informed.fit(matrix)
        let before = plain.lfParameters.compactMap(\.accuracy), after = informed.lfParameters.compactMap(\.accuracy)
        try #require(before.count == 8 && after.count == 8)
        // Each of the pair agrees with the other on most rows, so they looked as good as the 55 % workers…
        let honest = before[0..<6]
        #expect(before[6] >= (honest.min() ?? 1) && before[7] >= (honest.min() ?? 1), "\(before)")
        // …judged by the other workers alone, both are at chance or below (clamped just above 1/k = 0.2)…
        #expect(after[6] < 0.21 && after[7] < 0.21, "\(after)")
        // …and the other workers' estimates are untouched.
        #expect(Array(after[0..<6]) == Array(honest))
    }

    @Test("two accurate workers agree with each other and with the rest: not copies in agreement")
    func accuratePairIsNotACopy() throws {
        var workers = (0..<6).map { _ in LF(coverage: 0.5, accuracy: 0.45) }
        workers += [LF(coverage: 0.85, accuracy: 0.95), LF(coverage: 0.85, accuracy: 0.95)]
        let matrix = SyntheticLabelingTask(
            classPrior: [Double](repeating: 0.2, count: 5), labelingFunctions: workers
        ).sample(rows: 600, seed: 4).matrix
        #expect(Identifiability.analyze(matrix).agreementCopies.isEmpty)
    }

    @Test("on the echoed crowd task auto does not let the copied pair overrule majorities")
    func autoDoesNotFollowTheCopies() throws {
        let sample = Self.crowdTask(echo: true).sample(rows: 600, seed: 9)
        var auto = AutoLabelModel(), mv = MajorityVote()
        try auto.fit(sample.matrix)
        try mv.fit(sample.matrix)
        let autoAccuracy = try #require(try auto.score(sample.matrix, gold: sample.labels).accuracy)
        let mvAccuracy = try #require(try mv.score(sample.matrix, gold: sample.labels).accuracy)
        #expect(auto.identifiability?.agreementCopies == [[6, 7]])
        #expect(autoAccuracy >= mvAccuracy - 0.005, "auto \(autoAccuracy), mv \(mvAccuracy): \(auto.reason ?? "")")
    }
}
