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

    /// Classification logits of each sequence with its own adapter and that adapter's head, in evaluation mode.
    ///
    /// One forward pass serves all adapters (see ``hiddenStates(_:assignment:)``); each adapter's head then
    /// classifies its sequences. The base encoder has no head, so every sequence needs an adapter: a batch that mixes
    /// classification with plain embeddings calls ``hiddenStates(_:assignment:)`` or ``meanPooled(_:assignment:)``.
    /// - Parameters:
    ///   - batch: token ids.
    ///   - assignment: one adapter per sequence of `batch`; the adapters must fit this model
    ///     (``AdapterAssignment/validate(against:)``).
    /// - Returns: per sequence, in batch order, the logits of its adapter's classes (heads may differ in class count).
    /// - Throws: ``AdaptersError/invalidInput(reason:)`` naming the first sequence without an adapter.
    public func logits(_ batch: TokenBatch, assignment: AdapterAssignment) throws -> [[Float]] {
        if let missing = assignment.adapterIndices.firstIndex(where: { $0 == nil }) {
            throw AdaptersError.invalidInput(
                reason: "sequence \(missing) has no adapter; classification needs each sequence's adapter and head")
        }
        var mode = ForwardMode.inference
        var traces: [LayerTrace] = []
        let hidden = forward(batch, assignment: assignment, mode: &mode, traces: &traces)
        var out = [[Float]](repeating: [], count: batch.count)
        for group in assignment.groups(in: batch) {
            let head = assignment.adapters[group.adapterIndex].head
            let k = head.classCount
            var trace = HeadTrace()
            let logits = headForward(
                hidden, batch: batch, sequences: group.sequences, head: head, mode: &mode, trace: &trace)
            for (slot, sequence) in group.sequences.enumerated() {
                out[sequence] = Array(logits[(slot * k)..<((slot + 1) * k)])
            }
        }
        return out
    }

    /// Pools the hidden states of `sequences` (default: all, in batch order) and applies the classifier.
    /// - Returns: `sequences.count × classes` logits.
    func headForward(
        _ hidden: [Float], batch: TokenBatch, sequences: [Int]? = nil, head: ClassificationHead,
        mode: inout ForwardMode, trace: inout HeadTrace
    ) -> [Float] {
        let h = configuration.hiddenSize, k = head.classCount
        let selected = sequences ?? Array(0..<batch.count)
        let count = selected.count
        var pooled: [Float]
        switch head.pooling {
        case .mean:
            pooled = Self.meanPool(hidden, batch: batch, width: h, sequences: selected)
        case .classifierToken:
            var first = [Float](repeating: 0, count: count * h)
            for (slot, b) in selected.enumerated() {
                let row = batch.offsets[b]
                first.replaceSubrange((slot * h)..<((slot + 1) * h), with: hidden[(row * h)..<((row + 1) * h)])
            }
            if let pooler {
                var trace: LoRATrace?
                var plain = ForwardMode.inference
                pooled = linear(first, rows: count, pooler, branches: [], mode: &plain, trace: &trace)
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
