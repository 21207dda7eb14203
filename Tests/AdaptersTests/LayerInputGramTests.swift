import Adapters
import FoundryCore
import Tensors
import Testing

@Suite("Layer input Gram matrices")
struct LayerInputGramTests {
    @Test("layer 1's Gram equals XᵀX/n of the first layer's output with the adapter applied")
    func gramMatchesTheStatesEnteringTheLayer() throws {
        let model = BertModel(
            randomWithConfiguration: BertConfiguration(
                vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32,
                maxPositions: 24),
            seed: 3)
        var adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2, targets: [.query, .value]))
        var generator = SeededGenerator(seed: 9)
        for layer in adapter.factors.indices {
            for target in [LoRATarget.query, .value] {
                adapter.factors[layer][target]?.up.scalars = (0..<32).map { _ in Float(generator.nextGaussian()) * 0.3 }
            }
        }
        let sequences: [[Int32]] = [[1, 5, 7, 2], [1, 9, 3, 4, 6, 2], [1, 8, 2]]
        let grams = LayerInputGram.compute(adapter: adapter, model: model, sequences: sequences, batchSize: 2)
        #expect(grams.count == 4)
        let query = try #require(grams[LayerInputGram.key(layer: 1, target: .query)])
        let value = try #require(grams[LayerInputGram.key(layer: 1, target: .value)])
        #expect(query == value)

        var firstLayer = model
        firstLayer.layers = [model.layers[0]]
        let truncated = LoRAAdapter(
            configuration: adapter.configuration, factors: [adapter.factors[0]], head: adapter.head)
        let states = firstLayer.hiddenStates(TokenBatch(sequences), adapter: truncated)
        let n = states.rows, width = states.columns
        var worst = 0.0
        for r in 0..<width {
            for c in 0..<width {
                var sum = 0.0
                for row in 0..<n { sum += Double(states[row, c]) * Double(states[row, r]) }
                worst = max(worst, abs(sum / Double(n) - Double(query[r, c])))
            }
        }
        #expect(worst < 1e-5, "largest difference \(worst)")
        // Without the adapter the states entering layer 1 differ: the Gram really sees the adapter.
        let plain = firstLayer.hiddenStates(TokenBatch(sequences))
        #expect(plain != states)
    }
}
