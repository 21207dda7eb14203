import Foundation
import Tensors

/// Batched evaluation-mode predictions of an encoder with a LoRA adapter and its classification head.
public struct LoRAPredictor: Sendable {
    /// The frozen encoder.
    public let model: BertModel
    /// The adapter (unmerged).
    public let adapter: LoRAAdapter
    /// Sequences per forward pass.
    public var batchSize: Int = 64

    /// Creates a predictor.
    public init(model: BertModel, adapter: LoRAAdapter, batchSize: Int = 64) {
        self.model = model
        self.adapter = adapter
        self.batchSize = max(1, batchSize)
    }

    /// Class probabilities (`count × classes`, softmax of the logits), in input order.
    /// - Complexity: one forward pass per sequence; sequences are grouped by length.
    public func predictProbabilities(_ sequences: [[Int32]]) -> Tensor {
        let k = adapter.head.classCount
        var out = Tensor(shape: [sequences.count, k])
        let order = sequences.indices.sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let chunk = Array(order[start..<min(order.count, start + batchSize)])
            let logits = model.logits(TokenBatch(chunk.map { sequences[$0] }), adapter: adapter)
            for (row, index) in chunk.enumerated() {
                let values = logits.scalars[(row * k)..<((row + 1) * k)]
                let maximum = values.max() ?? 0
                let exps = values.map { expf($0 - maximum) }
                let sum = exps.reduce(0, +)
                for c in 0..<k { out.scalars[index * k + c] = exps[c] / sum }
            }
        }
        return out
    }

    /// The most probable class of each sequence (ties → the lower class).
    public func predictLabels(_ sequences: [[Int32]]) -> [Int] {
        let probabilities = predictProbabilities(sequences)
        let k = adapter.head.classCount
        return (0..<sequences.count).map { row in
            var best = 0
            for c in 1..<k where probabilities.scalars[row * k + c] > probabilities.scalars[row * k + best] { best = c }
            return best
        }
    }
}
