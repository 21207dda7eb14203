import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

@testable import Pipelines

/// `ClassPriorEstimator`: each estimator recovers a known prior, the Bayes shift, and bad inputs.
struct ClassPriorEstimatorTests {
    /// Posteriors of a pool drawn from two unit Gaussians at −1 and +1 with P(class 1) = `prior`, computed under the
    /// equal prior (exactly calibrated for a balanced training set): p(1 | x) = 1 / (1 + e^(−2x)).
    static func gaussianPool(prior: Double, rows: Int, seed: UInt64) -> [[Double]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<rows).map { _ in
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let noise = (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
            let isPositive = Double.random(in: 0..<1, using: &generator) < prior
            let x = (isPositive ? 1.0 : -1.0) + noise
            let p = 1 / (1 + Foundation.exp(-2 * x))
            return [1 - p, p]
        }
    }

    @Test func emRecoversTheMixturePriorFromCalibratedPosteriors() {
        let posteriors = Self.gaussianPool(prior: 0.2, rows: 20_000, seed: 3)
        let result = ClassPriorEstimator.adjust(posteriors: posteriors, trainingPrior: [0.5, 0.5])
        // Without adjustment the mean posterior is biased towards 0.5 (about 0.32 here); EM removes the bias.
        let naive = posteriors.reduce(0) { $0 + $1[1] } / Double(posteriors.count)
        #expect(naive > 0.28)
        #expect(abs(result.prior[1] - 0.2) < 0.02)
        #expect(approximatelyEqual(result.prior.reduce(0, +), 1))
        // The returned posteriors are the inputs shifted to the estimated prior.
        let shifted = ClassPriorEstimator.shift(posteriors, from: [0.5, 0.5], to: result.prior)
        #expect(approximatelyEqual(result.posteriors[7], shifted[7]))
    }

    @Test func unmixingInvertsAKnownConfusion() {
        // P(predicted j | class c): class 0 is predicted right 90 % of the time, class 1 80 %. With π = (0.8, 0.2),
        // 1,000 rows are predicted (0.8·0.9 + 0.2·0.2, 0.8·0.1 + 0.2·0.8) · 1,000 = (760, 240).
        let result = ClassPriorEstimator.unmix(
            predictedCounts: [760, 240], confusion: [[9, 1], [2, 8]], maxIterations: 100_000, tolerance: 1e-13)
        #expect(approximatelyEqual(result.prior, [0.8, 0.2], tolerance: 1e-6))
        // Counts outside the confusion's reach end at the floor, still a distribution.
        let edge = ClassPriorEstimator.unmix(predictedCounts: [1_000, 0], confusion: [[9, 1], [2, 8]])
        #expect(
            edge.prior[1] < 0.01 && edge.prior[1] >= 0.001 / 1.001 && approximatelyEqual(edge.prior.reduce(0, +), 1))
    }

    @Test func shiftAppliesBayesRule() {
        // (0.5, 0.5) under (0.5, 0.5) becomes the new prior; (0.2, 0.8) under (0.5, 0.5) to (0.8, 0.2):
        // (0.2·1.6, 0.8·0.4) = (0.32, 0.32) → (0.5, 0.5).
        let shifted = ClassPriorEstimator.shift([[0.5, 0.5], [0.2, 0.8]], from: [0.5, 0.5], to: [0.8, 0.2])
        #expect(approximatelyEqual(shifted[0], [0.8, 0.2]) && approximatelyEqual(shifted[1], [0.5, 0.5]))
    }

    /// Two well-separated clusters in 3 dimensions: 3 exemplars each; a pool of 8 rows of class 0 and 2 of class 1.
    static let exemplars: [[Float]] = [
        [1, 0, 0.1], [0.9, 0.1, 0], [1, 0.1, 0.1], [0, 1, 0.1], [0.1, 0.9, 0], [0, 1, 0],
    ]
    static let labels = [0, 0, 0, 1, 1, 1]
    static let pool: [[Float]] =
        Array(repeating: [0.95, 0.05, 0.05], count: 8) + Array(repeating: [0.05, 0.95, 0.05], count: 2)

    @Test(arguments: ClassPriorEstimator.Method.allCases)
    func everyMethodFindsTheShareOfASeparablePool(method: ClassPriorEstimator.Method) throws {
        var configuration = ClassPriorEstimator.Configuration()
        configuration.method = method
        let estimate = try ClassPriorEstimator(configuration: configuration).estimate(
            exemplars: Self.exemplars, labels: Self.labels, classes: 2, pool: Self.pool)
        #expect(estimate.exemplarShares == [0.5, 0.5])
        switch method {
        case .classifyAndCount:
            #expect(approximatelyEqual(estimate.prior, [0.8, 0.2]))
        case .adjustedCount:
            // Leave-one-out gets every exemplar right; add-½ smoothing makes the rates 3.5/4 and 0.5/4, and
            // 0.875·π₀ + 0.125·(1 − π₀) = 0.8 gives π₀ = 0.9.
            #expect(approximatelyEqual(estimate.prior, [0.9, 0.1], tolerance: 1e-6))
        case .expectationMaximization:
            #expect(abs(estimate.prior[0] - 0.8) < 0.05, "\(estimate.prior)")
        }
        #expect(estimate.posteriors.count == 10 && estimate.posteriors[0][0] > 0.5 && estimate.posteriors[9][1] > 0.5)
    }

    @Test func badInputsThrow() {
        let estimator = ClassPriorEstimator()
        #expect(throws: PipelinesError.self) {
            try estimator.estimate(exemplars: Self.exemplars, labels: Self.labels, classes: 2, pool: [])
        }
        #expect(throws: PipelinesError.self) {
            try estimator.estimate(exemplars: Self.exemplars, labels: [0, 0, 0, 0, 0, 0], classes: 2, pool: Self.pool)
        }
        #expect(throws: PipelinesError.self) {
            try estimator.estimate(exemplars: Self.exemplars, labels: [0, 0, 0, 1, 1, 5], classes: 2, pool: Self.pool)
        }
    }
}
