import Foundation
import FoundryCore
import Testing

@testable import Adapters

@Suite struct BackwardPassTests {
    private func adapter(pooling: HeadPooling, dropout: Float) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(
            model: TinyModel.model,
            configuration: .init(
                rank: 2, alpha: 4, dropout: dropout, targets: LoRATarget.allCases, headPooling: pooling, classCount: 3,
                seed: 3))
        var values = adapter.flattened()
        var rng = SeededGenerator(seed: 11)
        for i in values.indices { values[i] += Float(rng.nextGaussian()) * 0.2 }
        adapter.assign(flattened: values)
        return adapter
    }

    private func loss(_ adapter: LoRAAdapter, _ batch: TokenBatch, _ targets: [Float], dropout: Float) -> (
        Double, [Float]
    ) {
        var mode = ForwardMode(
            hiddenDropout: dropout, attentionDropout: dropout, loraDropout: dropout,
            generator: SeededGenerator(seed: 99), record: true)
        let result = TinyModel.model.lossAndGradient(batch, targets: targets, adapter: adapter, mode: &mode)
        return (result.loss, result.gradient)
    }

    /// The analytic gradient of the soft cross-entropy against central finite differences, for every kind of
    /// trainable value (LoRA A and B on all six layer kinds, head weight and bias), both heads, with and without dropout
    /// (the same seed gives the same dropout masks in every evaluation).
    @Test(arguments: [(HeadPooling.mean, Float(0)), (.classifierToken, 0), (.classifierToken, 0.2), (.mean, 0.2)])
    func analyticGradientMatchesFiniteDifferences(pooling: HeadPooling, dropout: Float) throws {
        let adapter = try adapter(pooling: pooling, dropout: dropout)
        let batch = TokenBatch(TinyModel.sequences([6, 3, 9]))
        let targets: [Float] = [0.7, 0.2, 0.1, 0, 1, 0, 0.3, 0.3, 0.4]
        let (_, gradient) = loss(adapter, batch, targets, dropout: dropout)
        let base = adapter.flattened()
        #expect(gradient.count == base.count)
        // Every 7th coordinate plus the last 10 (head): covers A and B of every target in both layers.
        let indices = Array(stride(from: 0, to: base.count, by: 7)) + Array((base.count - 10)..<base.count)
        let step: Float = 1e-2
        var worst: Float = 0
        for i in indices {
            var plus = adapter, minus = adapter
            var values = base
            values[i] += step
            plus.assign(flattened: values)
            values[i] = base[i] - step
            minus.assign(flattened: values)
            let numeric = Float(
                (loss(plus, batch, targets, dropout: dropout).0 - loss(minus, batch, targets, dropout: dropout).0)
                    / Double(2 * step))
            let error = abs(numeric - gradient[i]) / max(1e-2, abs(numeric) + abs(gradient[i]))
            worst = max(worst, error)
        }
        #expect(worst < 2e-2, "worst relative gradient error \(worst)")
        #expect(gradient.contains { abs($0) > 1e-3 })
    }
}
