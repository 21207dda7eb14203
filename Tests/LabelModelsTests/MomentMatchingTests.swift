import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

@Suite struct MomentMatchingTests {
    /// snorkel 0.10 `LabelModel._loss_mu(l2=0)` on this L and μ, computed with
    /// `LabelModel(cardinality=2).fit(L, n_epochs=1)` then `lm.mu = Parameter(mu)` (float32): 0.3266749382019043.
    @Test func lossAgreesWithSnorkel() throws {
        let dense = [0, 0, 1, 1, 1, 1, 0, -1, 0, 1, 1, -1, 0, 0, 0, -1, 1, 1, 0, 1, 0, 1, -1, 1]
        let matrix = try LabelMatrix(denseVotes: dense, rowCount: 8, lfNames: ["a", "b", "c"], classNames: ["0", "1"])
        let stats = LabelStatistics(matrix)
        let overlap = try #require(stats.overlapCounts).map { $0 / 8 }
        let mu: [Double] = [0.6, 0.1, 0.2, 0.5, 0.55, 0.15, 0.1, 0.6, 0.4, 0.2, 0.25, 0.45].map { Double(Float($0)) }
        let (loss, _) = MomentMatching.objective(
            mu: mu, overlap: overlap, mask: MomentMatching.mask(m: 3, k: 2, dependencies: []), prior: [0.5, 0.5],
            start: mu,
            l2: 0, d: 6, k: 2)
        #expect(abs(loss - 0.3266749382019043) < 1e-6)
    }

    @Test func analyticGradientMatchesFiniteDifferences() throws {
        let problem = SyntheticLabelingProblem(
            rows: 500, coverages: [0.5, 0.6, 0.7], accuracies: [0.8, 0.7, 0.9], classBalance: [0.3, 0.3, 0.4], seed: 12)
        let stats = LabelStatistics(problem.matrix)
        let overlap = try #require(stats.overlapCounts).map { $0 / 500 }
        var generator = SeededGenerator(seed: 1)
        let mu = (0..<(9 * 3)).map { _ in 0.1 + 0.5 * generator.nextUnitDouble() }
        let start = mu.map { $0 * 0.9 }
        let mask = MomentMatching.mask(m: 3, k: 3, dependencies: [[0, 2]])
        let f = { (x: [Double]) in
            MomentMatching.objective(
                mu: x, overlap: overlap, mask: mask, prior: [0.3, 0.3, 0.4], start: start, l2: 0.3, d: 9, k: 3)
        }
        let (_, gradient) = f(mu)
        for i in stride(from: 0, to: mu.count, by: 4) {
            var plus = mu, minus = mu
            plus[i] += 1e-6
            minus[i] -= 1e-6
            let numeric = (f(plus).value - f(minus).value) / 2e-6
            #expect(
                abs(numeric - gradient[i]) < 1e-6 * max(1, abs(numeric)), "entry \(i): \(numeric) vs \(gradient[i])")
        }
    }

    @Test func declaredDependenciesMaskTheirBlocks() {
        let mask = MomentMatching.mask(m: 3, k: 2, dependencies: [[0, 1]])
        let d = 6
        #expect(mask[0 * d + 2] == false && mask[2 * d + 0] == false)  // LF0 × LF1 masked both ways
        #expect(mask[0 * d + 4] == true)  // LF0 × LF2 kept
        #expect(mask[0 * d + 1] == false)  // own block
    }

    @Test func dependentDuplicateLFsAreNotDoubleCounted() throws {
        // LF 3 copies LF 0 (a perfectly correlated pair). Declaring the dependency keeps LF 0's estimate near the truth.
        let base = SyntheticLabelingProblem(
            rows: 20_000, coverages: [0.6, 0.6, 0.6], accuracies: [0.7, 0.85, 0.8], seed: 13)
        var builder = LabelMatrix.Builder(lfNames: ["a", "b", "c", "a_copy"], classNames: ["0", "1"])
        for row in 0..<base.matrix.rowCount {
            var copy: Int?
            for (lf, c) in base.matrix.votes(inRow: row) {
                builder.appendVote(lf: lf, classIndex: c)
                if lf == 0 { copy = c }
            }
            if let copy { builder.appendVote(lf: 3, classIndex: copy) }
            builder.finishRow()
        }
        let matrix = builder.build()
        var declared = MomentMatching(configuration: .init(l2: 0, dependencies: [[0, 3]]))
        try declared.fit(matrix)
        let estimate = try #require(declared.lfParameters[0].accuracy)
        #expect(abs(estimate - 0.7) < 0.05, "with the dependency declared: \(estimate)")
    }

    @Test func hungarianFindsTheOptimalAssignment() {
        // Costs with a unique optimum 0→1, 1→2, 2→0 (total 1 + 2 + 3 = 6).
        let cost: [Double] = [9, 1, 9, 9, 9, 2, 3, 9, 9]
        #expect(HungarianAssignment.solve(cost: cost, size: 3) == [1, 2, 0])
    }

    @Test func symmetryBreakingPrefersAccurateLFs() {
        // μ with swapped columns (LFs look worse than random) is flipped back.
        let m = 3, k = 2
        var mu = [Double](repeating: 0, count: m * k * k)
        for j in 0..<m {
            mu[(j * k + 0) * k + 0] = 0.1; mu[(j * k + 0) * k + 1] = 0.8
            mu[(j * k + 1) * k + 0] = 0.8; mu[(j * k + 1) * k + 1] = 0.1
        }
        let fixed = MomentMatching.breakSymmetry(mu: mu, prior: [0.5, 0.5], m: m, k: k)
        #expect(fixed[0] == 0.8 && fixed[1] == 0.1)
    }

    @Test("the prediction floor is snorkel's 0.01, capped at half of each vote's own rate")
    func predictionFloorIsCappedByTheVoteRate() {
        // Two rows (j, l) of μ for k = 2: a common vote (rate 0.3) and a rare one (rate 0.004).
        let mu = [1e-4, 0.6, 1e-4, 0.008]
        let floored = MomentMatching.floored(mu, propensities: [0.3, 0.004], floor: 0.01, k: 2)
        #expect(floored == [0.01, 0.6, 0.002, 0.008])  // rare vote: floor ½·0.004, its signal (4×) survives
        #expect(MomentMatching.floored(mu, propensities: [0.3, 0.004], floor: 0, k: 2) == mu)
    }

    @Test("a model file written before predictionFloor existed still decodes, and predicts as saved")
    func configurationWithoutPredictionFloorDecodes() throws {
        let json =
            #"{"l2": 0.1, "tolerance": 1e-10, "maxIterations": 20000, "dependencies": [], "abstainAware": false}"#
        let configuration = try JSONDecoder().decode(MomentMatching.Configuration.self, from: Data(json.utf8))
        #expect(configuration.predictionFloor == 0)
        #expect(configuration.l2 == 0.1)
        #expect(MomentMatching.Configuration().predictionFloor == 0.01)
    }

    @Test(
        "on WRENCH YouTube, moments reproduces snorkel LabelModel's test accuracy (0.864, ties as snorkel breaks them)",
        .enabled(if: TestData.has("wrench_youtube"), "needs $FOUNDRY_DATA/wrench_youtube"))
    func youTubeMatchesSnorkelLabelModel() throws {
        let dataset = try WrenchDataset(directory: try #require(TestData.dataset("wrench_youtube")))
        let train = try dataset.split(.train), test = try dataset.split(.test)
        var model = MomentMatching()
        try model.fit(train.labelMatrix)
        // snorkel 0.10 LabelModel(cardinality=2).fit(L_train, n_epochs=500, lr=0.01, l2=0, seed=123), predict tie_break "random".
        #expect(try model.score(test.labelMatrix, gold: test.goldLabels).accuracy == 0.864)
    }
}
