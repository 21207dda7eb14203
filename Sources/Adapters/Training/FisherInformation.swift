import Foundation
import Tensors

/// The diagonal Fisher information of an adapter's trainable values (used by Fisher-weighted merging,
/// Matena & Raffel 2022, "Merging Models with Fisher-Weighted Averaging").
///
/// `F_i = (1/N) Σ_x Σ_c p(c|x) · (∂ log p(c|x) / ∂θ_i)²`: the expectation over the model's own predictive
/// distribution (not the empirical Fisher), computed exactly for each example with one forward pass and one
/// backward pass per class, in evaluation mode.
public enum FisherInformation {
    /// The diagonal Fisher information in ``LoRAAdapter/flattened()`` order.
    /// - Parameters:
    ///   - adapter: the trained adapter.
    ///   - model: its base encoder.
    ///   - sequences: the sample of inputs (token ids).
    /// - Returns: one non-negative value per trainable value.
    /// - Complexity: N forward passes and N · classes backward passes of single sequences.
    public static func diagonal(adapter: LoRAAdapter, model: BertModel, sequences: [[Int32]]) -> [Float] {
        var fisher = [Double](repeating: 0, count: adapter.parameterCount)
        let k = adapter.head.classCount
        for sequence in sequences {
            let batch = TokenBatch([sequence])
            var mode = ForwardMode.inference
            mode.record = true
            var traces: [LayerTrace] = []
            let hidden = model.forward(batch, adapter: adapter, mode: &mode, traces: &traces)
            var headTrace = HeadTrace()
            let logits = model.headForward(hidden, batch: batch, head: adapter.head, mode: &mode, trace: &headTrace)
            let maximum = logits.max() ?? 0
            let exps = logits.map { Double(expf($0 - maximum)) }
            let sum = exps.reduce(0, +)
            let probabilities = exps.map { $0 / sum }
            for c in 0..<k where probabilities[c] > 1e-8 {
                // ∂(−log p_c)/∂z = p − e_c; the square is the same for ±.
                var dz = probabilities.map { Float($0) }
                dz[c] -= 1
                let gradient = model.backward(
                    logitGradient: dz, batch: batch, adapter: adapter, traces: traces, headTrace: headTrace,
                    hidden: hidden)
                for i in gradient.indices { fisher[i] += probabilities[c] * Double(gradient[i]) * Double(gradient[i]) }
            }
        }
        let scale = 1 / Double(max(1, sequences.count))
        return fisher.map { Float($0 * scale) }
    }

    /// The Fisher values as tensors under the adapter's PEFT key names (for `fisher.safetensors` beside the adapter).
    public static func namedTensors(_ values: [Float], adapter: LoRAAdapter) -> [String: Tensor] {
        var shaped = adapter
        shaped.assign(flattened: values)
        return shaped.peftTensors
    }
}
