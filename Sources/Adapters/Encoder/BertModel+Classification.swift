import Foundation
import FoundryCore
import Tensors

/// Values the head's forward pass keeps for its backward pass.
struct HeadTrace {
    /// The pooled representation (`count × hidden`): the mean state, or `tanh(pooler([CLS]))`.
    var pooled: [Float] = []
    /// Dropout multipliers on `pooled` (nil: none).
    var mask: [Float]?
    /// The classifier input (`pooled` after dropout).
    var features: [Float] = []
}

extension BertModel {
    /// Classification logits (`count × classes`) of the encoder with a LoRA adapter and its head, in evaluation mode.
    /// - Parameters:
    ///   - batch: token ids.
    ///   - adapter: the adapter; it must fit this model (``LoRAAdapter/validate(against:path:)``).
    ///   - applyLoRA: false evaluates the base encoder with the adapter's head (PEFT's "adapter disabled"; useful after merging).
    public func logits(_ batch: TokenBatch, adapter: LoRAAdapter, applyLoRA: Bool = true) -> Tensor {
        var mode = ForwardMode.inference
        var traces: [LayerTrace] = []
        let hidden = forward(batch, adapter: applyLoRA ? adapter : nil, mode: &mode, traces: &traces)
        var trace = HeadTrace()
        let logits = headForward(hidden, batch: batch, head: adapter.head, mode: &mode, trace: &trace)
        return Tensor(shape: [batch.count, adapter.head.classCount], scalars: logits)
    }

    /// Pools the hidden states and applies the classifier.
    func headForward(
        _ hidden: [Float], batch: TokenBatch, head: ClassificationHead, mode: inout ForwardMode, trace: inout HeadTrace
    ) -> [Float] {
        let h = configuration.hiddenSize, count = batch.count, k = head.classCount
        var pooled: [Float]
        switch head.pooling {
        case .mean:
            pooled = Self.meanPool(hidden, batch: batch, width: h)
        case .classifierToken:
            var first = [Float](repeating: 0, count: count * h)
            for b in 0..<count {
                let row = batch.offsets[b]
                first.replaceSubrange((b * h)..<((b + 1) * h), with: hidden[(row * h)..<((row + 1) * h)])
            }
            if let pooler {
                var trace: LoRATrace?
                var plain = ForwardMode.inference
                pooled = linear(first, rows: count, pooler, factors: nil, scaling: 0, mode: &plain, trace: &trace)
                for i in pooled.indices { pooled[i] = tanhf(pooled[i]) }
            } else {
                pooled = first
            }
        }
        var features = pooled
        var mask: [Float]?
        if mode.hiddenDropout > 0, var generator = mode.generator {
            let m = Kernels.dropoutMask(count: features.count, probability: mode.hiddenDropout, generator: &generator)
            mode.generator = generator
            for i in features.indices { features[i] *= m[i] }
            mask = m
        }
        var logits = [Float](repeating: 0, count: count * k)
        for b in 0..<count { logits.replaceSubrange((b * k)..<((b + 1) * k), with: head.bias) }
        ArrayMath.gemm(features, head.weight.scalars, into: &logits, m: count, n: k, k: h, transposeB: true, beta: 1)
        if mode.record { trace = HeadTrace(pooled: pooled, mask: mask, features: features) }
        return logits
    }
}
