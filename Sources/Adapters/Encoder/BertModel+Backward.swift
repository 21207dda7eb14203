import Foundation
import FoundryCore
import Tensors

/// The loss of one mini-batch and its gradient with respect to every trainable adapter value.
struct LossAndGradient {
    /// Mean soft cross-entropy over the batch.
    var loss: Double
    /// `count × classes` logits of the forward pass.
    var logits: [Float]
    /// The gradient in ``LoRAAdapter/flattened()`` order.
    var gradient: [Float]
}

extension BertModel {
    /// Forward and backward pass of soft-label cross-entropy `−(1/B) Σ_b Σ_c y_bc log softmax(z_b)_c` through the frozen
    /// encoder; only the LoRA factors and the head receive gradients.
    /// - Parameters:
    ///   - batch: token ids.
    ///   - targets: `count × classes` target probabilities (rows sum to 1).
    ///   - adapter: the trainable adapter.
    ///   - mode: dropout settings and generator (``ForwardMode/record`` is forced on).
    /// - Complexity: about twice a forward pass (no weight gradients for the frozen layers).
    func lossAndGradient(_ batch: TokenBatch, targets: [Float], adapter: LoRAAdapter, mode: inout ForwardMode)
        -> LossAndGradient
    {
        let k = adapter.head.classCount, count = batch.count
        precondition(targets.count == count * k, "targets must be count × classes")
        mode.record = true
        var traces: [LayerTrace] = []
        let hidden = forward(batch, adapter: adapter, mode: &mode, traces: &traces)
        var headTrace = HeadTrace()
        let logits = headForward(hidden, batch: batch, head: adapter.head, mode: &mode, trace: &headTrace)

        var loss = 0.0
        var logitGradient = [Float](repeating: 0, count: count * k)
        for b in 0..<count {
            let row = logits[(b * k)..<((b + 1) * k)]
            let maximum = row.max() ?? 0
            let sum = row.reduce(0.0) { $0 + Double(expf($1 - maximum)) }
            let logSum = Double(maximum) + log(sum)
            for c in 0..<k {
                let logProbability = Double(logits[b * k + c]) - logSum
                loss -= Double(targets[b * k + c]) * logProbability
                logitGradient[b * k + c] = Float((exp(logProbability) - Double(targets[b * k + c])) / Double(count))
            }
        }
        loss /= Double(count)
        let gradient = backward(
            logitGradient: logitGradient, batch: batch, adapter: adapter, traces: traces, headTrace: headTrace,
            hidden: hidden)
        return LossAndGradient(loss: loss, logits: logits, gradient: gradient)
    }

    /// Back-propagates `dL/dlogits` to the adapter's values (in ``LoRAAdapter/flattened()`` order).
    func backward(
        logitGradient dz: [Float], batch: TokenBatch, adapter: LoRAAdapter, traces: [LayerTrace], headTrace: HeadTrace,
        hidden: [Float]
    ) -> [Float] {
        let h = configuration.hiddenSize, count = batch.count, k = adapter.head.classCount
        let head = adapter.head
        // Head.
        let weightGradient = ArrayMath.product(dz, headTrace.features, m: k, n: h, k: count, transposeA: true)
        var biasGradient = [Float](repeating: 0, count: k)
        for b in 0..<count { for c in 0..<k { biasGradient[c] += dz[b * k + c] } }
        var pooledGradient = ArrayMath.product(dz, head.weight.scalars, m: count, n: h, k: k)
        if let mask = headTrace.mask { for i in pooledGradient.indices { pooledGradient[i] *= mask[i] } }
        var dHidden = [Float](repeating: 0, count: batch.tokenCount * h)
        switch head.pooling {
        case .mean:
            for b in 0..<count {
                let scale = 1 / Float(batch.length(b))
                for row in batch.offsets[b]..<batch.offsets[b + 1] {
                    for j in 0..<h { dHidden[row * h + j] = pooledGradient[b * h + j] * scale }
                }
            }
        case .classifierToken:
            var firstGradient = pooledGradient
            if let pooler {
                for i in pooledGradient.indices {
                    let t = headTrace.pooled[i]
                    pooledGradient[i] *= 1 - t * t
                }
                firstGradient = ArrayMath.product(pooledGradient, pooler.weight.scalars, m: count, n: h, k: h)
            }
            for b in 0..<count {
                let row = batch.offsets[b]
                for j in 0..<h { dHidden[row * h + j] = firstGradient[b * h + j] }
            }
        }
        // Layers, top to bottom; stop below the lowest adapted layer.
        let lowest = adapter.factors.firstIndex { !$0.isEmpty } ?? layers.count
        var factorGradients = [[LoRATarget: (down: [Float], up: [Float])]](repeating: [:], count: layers.count)
        var layerIndex = layers.count - 1
        while layerIndex >= lowest {
            dHidden = layerBackward(
                layerIndex, trace: traces[layerIndex], gradient: dHidden, batch: batch, adapter: adapter,
                needInputGradient: layerIndex > lowest, factorGradients: &factorGradients[layerIndex])
            layerIndex -= 1
        }
        var out: [Float] = []
        out.reserveCapacity(adapter.parameterCount)
        for (index, perLayer) in adapter.factors.enumerated() {
            for target in adapter.configuration.targets {
                guard let factor = perLayer[target] else { continue }
                let gradient = factorGradients[index][target]
                out.append(contentsOf: gradient?.down ?? [Float](repeating: 0, count: factor.down.count))
                out.append(contentsOf: gradient?.up ?? [Float](repeating: 0, count: factor.up.count))
            }
        }
        out.append(contentsOf: weightGradient)
        out.append(contentsOf: biasGradient)
        return out
    }

    /// `dx` of `y = x Wᵀ + b + s · (dropout(x) Aᵀ) Bᵀ` given `dy`; accumulates the LoRA factor gradients.
    private func linearBackward(
        _ dy: [Float], rows: Int, weights: LinearWeights, input x: [Float], factors: LoRAFactors?, trace: LoRATrace?,
        scaling: Float, needInputGradient: Bool, gradients: inout (down: [Float], up: [Float])?
    ) -> [Float] {
        let inputs = weights.inputs, outputs = weights.outputs
        var dx = needInputGradient ? ArrayMath.product(dy, weights.weight.scalars, m: rows, n: inputs, k: outputs) : []
        guard let factors, let trace else { return dx }
        let rank = factors.down.rows
        let upGradient = ArrayMath.product(
            dy, trace.down, m: outputs, n: rank, k: rows, transposeA: true, alpha: scaling)
        let downOutputGradient = ArrayMath.product(dy, factors.up.scalars, m: rows, n: rank, k: outputs, alpha: scaling)
        let source = trace.droppedInput ?? x
        let downGradient = ArrayMath.product(downOutputGradient, source, m: rank, n: inputs, k: rows, transposeA: true)
        gradients = (downGradient, upGradient)
        if needInputGradient {
            if let mask = trace.mask {
                var branch = ArrayMath.product(downOutputGradient, factors.down.scalars, m: rows, n: inputs, k: rank)
                Self.multiply(&branch, by: mask, count: rows * inputs)
                Self.add(branch, to: &dx, count: rows * inputs)
            } else {
                ArrayMath.gemm(
                    downOutputGradient, factors.down.scalars, into: &dx, m: rows, n: inputs, k: rank, beta: 1)
            }
        }
        return dx
    }

    private func layerBackward(
        _ index: Int, trace: LayerTrace, gradient dOut: [Float], batch: TokenBatch, adapter: LoRAAdapter,
        needInputGradient: Bool, factorGradients: inout [LoRATarget: (down: [Float], up: [Float])]
    ) -> [Float] {
        let layer = layers[index]
        let n = batch.tokenCount, h = configuration.hiddenSize, inner = configuration.intermediateSize
        let factors = adapter.factors[index]
        let scaling = adapter.configuration.scaling
        func back(_ target: LoRATarget, _ dy: [Float], input: [Float], needInput: Bool) -> [Float] {
            var gradients: (down: [Float], up: [Float])?
            let dx = linearBackward(
                dy, rows: n, weights: layer[target], input: input, factors: factors[target], trace: trace.lora[target],
                scaling: scaling, needInputGradient: needInput, gradients: &gradients)
            if let gradients { factorGradients[target] = gradients }
            return dx
        }
        // Output layer norm: x2 = LN(dropout(output(gelu(pre))) + x1).
        var dSum2 = [Float](repeating: 0, count: n * h)
        layerNormBackward(
            dOut, normalized: trace.outputNormalized, inverse: trace.outputInverse, gain: layer.outputNorm.gain,
            rows: n, into: &dSum2)
        var dX1 = dSum2
        var dOutput = dSum2
        if let mask = trace.outputMask { Self.multiply(&dOutput, by: mask, count: n * h) }
        var dActivation = back(.output, dOutput, input: trace.activation, needInput: true)
        trace.preActivation.withUnsafeBufferPointer { pb in
            dActivation.withUnsafeMutableBufferPointer { db in
                guard let pp = pb.baseAddress, let dp = db.baseAddress else { return }
                Kernels.geluBackward(input: pp, gradient: dp, count: n * inner)
            }
        }
        let dFromIntermediate = back(.intermediate, dActivation, input: trace.attentionNormOutput, needInput: true)
        Self.add(dFromIntermediate, to: &dX1, count: n * h)
        // Attention layer norm: x1 = LN(dropout(attentionOutput(context)) + x0).
        var dSum1 = [Float](repeating: 0, count: n * h)
        layerNormBackward(
            dX1, normalized: trace.attentionNormalized, inverse: trace.attentionInverse, gain: layer.attentionNorm.gain,
            rows: n, into: &dSum1)
        var dAttended = dSum1
        if let mask = trace.attentionOutputMask { Self.multiply(&dAttended, by: mask, count: n * h) }
        let dContext = back(.attentionOutput, dAttended, input: trace.context, needInput: true)
        let (dQuery, dKey, dValue) = attentionBackward(trace: trace, contextGradient: dContext, batch: batch)
        let needProjectionInputs = needInputGradient
        var dX0 = needInputGradient ? dSum1 : []
        for (target, gradient) in [(LoRATarget.query, dQuery), (.key, dKey), (.value, dValue)] {
            if !needProjectionInputs && factors[target] == nil { continue }
            let dx = back(target, gradient, input: trace.input, needInput: needProjectionInputs)
            if needProjectionInputs { Self.add(dx, to: &dX0, count: n * h) }
        }
        return dX0
    }

    private func layerNormBackward(
        _ dy: [Float], normalized: [Float], inverse: [Float], gain: [Float], rows: Int, into dx: inout [Float]
    ) {
        let h = configuration.hiddenSize
        dy.withUnsafeBufferPointer { db in
            normalized.withUnsafeBufferPointer { nb in
                inverse.withUnsafeBufferPointer { ib in
                    dx.withUnsafeMutableBufferPointer { xb in
                        guard let dp = db.baseAddress, let np = nb.baseAddress, let ip = ib.baseAddress,
                            let xp = xb.baseAddress
                        else { return }
                        Kernels.layerNormBackward(
                            gradient: dp, normalized: np, inverseDeviation: ip, rows: rows, width: h, gain: gain,
                            into: xp)
                    }
                }
            }
        }
    }

    /// Gradients of the attention inputs (query, key, value) given the context gradient.
    private func attentionBackward(trace: LayerTrace, contextGradient: [Float], batch: TokenBatch) -> (
        [Float], [Float], [Float]
    ) {
        let h = configuration.hiddenSize, heads = configuration.headCount, d = configuration.headSize
        let scale = 1 / Float(d).squareRoot()
        let blockOffsets = probabilityOffsets(batch)
        var dQuery = [Float](repeating: 0, count: batch.tokenCount * h)
        var dKey = dQuery, dValue = dQuery
        let maskValues = trace.attentionMask ?? []
        trace.query.withUnsafeBufferPointer { qb in
            trace.key.withUnsafeBufferPointer { kb in
                trace.value.withUnsafeBufferPointer { vb in
                    trace.probabilities.withUnsafeBufferPointer { pb in
                        maskValues.withUnsafeBufferPointer { mb in
                            contextGradient.withUnsafeBufferPointer { cb in
                                dQuery.withUnsafeMutableBufferPointer { dqb in
                                    dKey.withUnsafeMutableBufferPointer { dkb in
                                        dValue.withUnsafeMutableBufferPointer { dvb in
                                            guard let qp = qb.baseAddress, let kp = kb.baseAddress,
                                                let vp = vb.baseAddress,
                                                let pp = pb.baseAddress, let cp = cb.baseAddress,
                                                let dqp = dqb.baseAddress,
                                                let dkp = dkb.baseAddress, let dvp = dvb.baseAddress
                                            else { return }
                                            let shared = BackwardPointers(
                                                query: qp, key: kp, value: vp, probabilities: pp,
                                                mask: maskValues.isEmpty ? nil : mb.baseAddress,
                                                contextGradient: cp, queryGradient: dqp, keyGradient: dkp,
                                                valueGradient: dvp)
                                            // One task per sequence (its heads in turn), on Foundry's loop threads.
                                            ParallelChunks.forEach(count: batch.count, chunkSize: 1) { b, _ in
                                                let length = batch.length(b)
                                                var scratch = [Float](repeating: 0, count: 2 * length * length)
                                                scratch.withUnsafeMutableBufferPointer { sb in
                                                    guard let sp = sb.baseAddress else { return }
                                                    for head in 0..<heads {
                                                        Self.attentionBlockBackward(
                                                            shared, offset: blockOffsets[b] + head * length * length,
                                                            column: batch.offsets[b] * h + head * d, length: length,
                                                            width: h, headSize: d, scale: scale, scratch: sp)
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dQuery, dKey, dValue)
    }

    /// One (sequence, head) block of the attention's backward pass; `scratch` holds `2 · length²` values.
    private static func attentionBlockBackward(
        _ s: BackwardPointers, offset: Int, column: Int, length: Int, width h: Int, headSize d: Int, scale: Float,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let size = length * length
        let p = s.probabilities + offset
        // The probabilities the forward pass multiplied with the values (after dropout).
        let used = scratch, dp = scratch + size
        used.update(from: p, count: size)
        if let mask = s.mask { Kernels.multiply(used, by: mask + offset, count: size) }
        // dP̃ = dC Vᵀ; dV = P̃ᵀ dC.
        BLAS.gemm(
            transposeA: false, transposeB: true, m: length, n: length, k: d, alpha: 1,
            a: s.contextGradient + column, lda: h, b: s.value + column, ldb: h, beta: 0, c: dp, ldc: length)
        BLAS.gemm(
            transposeA: true, transposeB: false, m: length, n: d, k: length, alpha: 1,
            a: used, lda: length, b: s.contextGradient + column, ldb: h, beta: 0, c: s.valueGradient + column,
            ldc: h)
        // Through dropout and softmax: dS = P ⊙ (dP − rowsum(dP ⊙ P)).
        if let mask = s.mask { Kernels.multiply(dp, by: mask + offset, count: size) }
        Kernels.softmaxBackwardRows(probabilities: p, gradient: dp, rows: length, width: length)
        // dQ = scale · dS K; dK = scale · dSᵀ Q.
        BLAS.gemm(
            transposeA: false, transposeB: false, m: length, n: d, k: length, alpha: scale,
            a: dp, lda: length, b: s.key + column, ldb: h, beta: 0, c: s.queryGradient + column, ldc: h)
        BLAS.gemm(
            transposeA: true, transposeB: false, m: length, n: d, k: length, alpha: scale,
            a: dp, lda: length, b: s.query + column, ldb: h, beta: 0, c: s.keyGradient + column, ldc: h)
    }
}

/// Raw pointers handed to concurrent attention-backward tasks.
///
/// Invariant (`@unchecked Sendable`): the buffers outlive the `concurrentPerform` call; inputs are only read;
/// each task writes only its own (sequence rows × head columns) region of the three gradient buffers.
struct BackwardPointers: @unchecked Sendable {
    let query: UnsafePointer<Float>
    let key: UnsafePointer<Float>
    let value: UnsafePointer<Float>
    let probabilities: UnsafePointer<Float>
    let mask: UnsafePointer<Float>?
    let contextGradient: UnsafePointer<Float>
    let queryGradient: UnsafeMutablePointer<Float>
    let keyGradient: UnsafeMutablePointer<Float>
    let valueGradient: UnsafeMutablePointer<Float>
}
