import Foundation
import Tensors

/// Gram matrices of the inputs of an adapter's linear layers, for RegMean merging (Jin et al. 2023, "Dataless Knowledge
/// Fusion by Merging Weights of Language Models").
///
/// For each adapted linear layer, G = XᵀX / n over the n token states entering that layer when the encoder runs with
/// the adapter, in evaluation mode. Query, key and value share their input (the layer's input states); the attention
/// output reads the attention context, the intermediate layer the attention block's normalized output, the output
/// layer the GELU activations. Saved beside the adapter (`gram.safetensors`), so merging needs no data.
public enum LayerInputGram {
    /// The key of a layer's Gram matrix: `encoder.layer.{L}.{module path}`.
    public static func key(layer: Int, target: LoRATarget) -> String { "encoder.layer.\(layer).\(target.modulePath)" }

    /// The Gram matrices of every adapted layer, by ``key(layer:target:)``.
    /// - Parameters:
    ///   - adapter: the trained adapter (applied during the forward pass).
    ///   - model: its base encoder.
    ///   - sequences: a sample of the task's own texts (token ids).
    ///   - batchSize: sequences per forward pass.
    /// - Returns: per adapted layer an `inputs × inputs` tensor XᵀX / n (n = token count).
    /// - Complexity: one forward pass per sequence plus O(n · inputs²) per adapted layer through `cblas_sgemm`.
    public static func compute(
        adapter: LoRAAdapter, model: BertModel, sequences: [[Int32]], batchSize: Int = 16
    ) -> [String: Tensor] {
        var sums: [String: [Double]] = [:]
        var rows = 0
        let targets = adapter.configuration.targets
        for start in stride(from: 0, to: sequences.count, by: max(1, batchSize)) {
            let batch = TokenBatch(Array(sequences[start..<min(sequences.count, start + max(1, batchSize))]))
            var mode = ForwardMode.inference
            mode.record = true
            var traces: [LayerTrace] = []
            _ = model.forward(batch, adapter: adapter, mode: &mode, traces: &traces)
            let n = batch.tokenCount
            rows += n
            for (index, trace) in traces.enumerated() {
                for target in targets where adapter.factors[index][target] != nil {
                    let input: [Float]
                    switch target {
                    case .query, .key, .value: input = trace.input
                    case .attentionOutput: input = trace.context
                    case .intermediate: input = trace.attentionNormOutput
                    case .output: input = trace.activation
                    }
                    let width = input.count / max(1, n)
                    let gram = ArrayMath.product(input, input, m: width, n: width, k: n, transposeA: true)
                    let name = key(layer: index, target: target)
                    var sum = sums[name] ?? [Double](repeating: 0, count: width * width)
                    for i in sum.indices { sum[i] += Double(gram[i]) }
                    sums[name] = sum
                }
            }
        }
        let scale = 1 / Double(max(1, rows))
        return sums.mapValues { sum in
            let width = Int(Double(sum.count).squareRoot())
            return Tensor(shape: [width, width], scalars: sum.map { Float($0 * scale) })
        }
    }
}
