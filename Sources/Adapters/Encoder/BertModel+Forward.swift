import Foundation
import FoundryCore
import Tensors

/// Values a training forward pass keeps for the backward pass of one LoRA branch.
struct LoRATrace {
    /// The branch input after LoRA dropout (nil: identical to the layer input).
    var droppedInput: [Float]?
    /// The dropout multipliers (nil: no dropout).
    var mask: [Float]?
    /// `dropout(x) Aᵀ`, rows × rank.
    var down: [Float]
}

/// Values a training forward pass keeps for the backward pass of one transformer layer.
struct LayerTrace {
    var input: [Float] = []
    var query: [Float] = [], key: [Float] = [], value: [Float] = []
    /// Softmax probabilities before dropout, per sequence and head (`L × L` blocks).
    var probabilities: [Float] = []
    var attentionMask: [Float]?
    var context: [Float] = []
    var attentionOutputMask: [Float]?
    var attentionNormalized: [Float] = [], attentionInverse: [Float] = []
    var attentionNormOutput: [Float] = []
    var preActivation: [Float] = [], activation: [Float] = []
    var outputMask: [Float]?
    var outputNormalized: [Float] = [], outputInverse: [Float] = []
    var lora: [LoRATarget: LoRATrace] = [:]
}

/// Training-time options of a forward pass: dropout from a seeded generator and whether to keep a trace.
struct ForwardMode {
    var hiddenDropout: Float = 0
    var attentionDropout: Float = 0
    var loraDropout: Float = 0
    var generator: SeededGenerator?
    var record = false

    static let inference = ForwardMode()
}

/// One adapter's LoRA update of one linear layer, restricted to the token rows of the adapter's sequences.
struct LoRABranch {
    /// The layer's factors in that adapter.
    var factors: LoRAFactors
    /// The adapter's `alpha / rank`.
    var scaling: Float
    /// The token rows it applies to, as maximal runs of consecutive rows.
    var tokenRuns: [Range<Int>]
}

extension BertModel {
    /// The last hidden states of a packed batch (`tokenCount × hiddenSize`), each sequence with its own adapter.
    ///
    /// The base projections run once over all tokens; each adapter's low-rank update runs as its own pair of products
    /// (`x Aᵀ`, then `· Bᵀ` scaled) over the token rows of its sequences only (in place when those rows are
    /// consecutive, gathered and scattered back otherwise). A sequence gets the same states as in a batch of its own
    /// (up to the last-bit differences BLAS makes between row counts, which the base encoder shows too).
    /// - Parameters:
    ///   - batch: token ids; every sequence must be at most ``BertConfiguration/maxPositions`` long.
    ///   - assignment: one entry per sequence of `batch`; its adapters must fit this model
    ///     (``AdapterAssignment/validate(against:)``).
    /// - Returns: one row per token.
    /// - Complexity: O(L · (n · h² + n · h · i + Σ ℓ² · h)) for n tokens, sequence lengths ℓ, hidden h, intermediate i,
    ///   plus O(L · n_a · h · r_a) per adapter a with n_a tokens and rank r_a.
    public func hiddenStates(_ batch: TokenBatch, assignment: AdapterAssignment) -> Tensor {
        var mode = ForwardMode.inference
        var traces: [LayerTrace] = []
        let hidden = forward(batch, assignment: assignment, mode: &mode, traces: &traces)
        return Tensor(shape: [batch.tokenCount, configuration.hiddenSize], scalars: hidden)
    }

    /// The last hidden states of a packed batch (`tokenCount × hiddenSize`), every sequence with the same adapter.
    /// - Parameters:
    ///   - batch: token ids; every sequence must be at most ``BertConfiguration/maxPositions`` long.
    ///   - adapter: LoRA factors to apply (unmerged), or nil for the base encoder.
    /// - Returns: one row per token.
    /// - Complexity: O(L · (n · h² + n · h · i + Σ ℓ² · h)) for n tokens, sequence lengths ℓ, hidden h, intermediate i.
    public func hiddenStates(_ batch: TokenBatch, adapter: LoRAAdapter? = nil) -> Tensor {
        hiddenStates(batch, assignment: AdapterAssignment(adapter: adapter, sequenceCount: batch.count))
    }

    /// Mean-pooled sentence embeddings (all tokens including `[CLS]`/`[SEP]`), `count × hiddenSize`, each sequence with
    /// its own adapter (see ``hiddenStates(_:assignment:)``).
    public func meanPooled(_ batch: TokenBatch, assignment: AdapterAssignment) -> Tensor {
        let hidden = hiddenStates(batch, assignment: assignment)
        return Tensor(
            shape: [batch.count, configuration.hiddenSize],
            scalars: Self.meanPool(hidden.scalars, batch: batch, width: configuration.hiddenSize))
    }

    /// Mean-pooled sentence embeddings (all tokens including `[CLS]`/`[SEP]`), `count × hiddenSize`, every sequence
    /// with `adapter` (nil: the base encoder).
    public func meanPooled(_ batch: TokenBatch, adapter: LoRAAdapter? = nil) -> Tensor {
        meanPooled(batch, assignment: AdapterAssignment(adapter: adapter, sequenceCount: batch.count))
    }

    /// The mean over each sequence's token rows, for `sequences` (default: all) in that order.
    static func meanPool(_ hidden: [Float], batch: TokenBatch, width: Int, sequences: [Int]? = nil) -> [Float] {
        let selected = sequences ?? Array(0..<batch.count)
        var out = [Float](repeating: 0, count: selected.count * width)
        hidden.withUnsafeBufferPointer { h in
            out.withUnsafeMutableBufferPointer { o in
                for (slot, b) in selected.enumerated() {
                    let inv = 1 / Float(batch.length(b))
                    for row in batch.offsets[b]..<batch.offsets[b + 1] {
                        for j in 0..<width { o[slot * width + j] += h[row * width + j] }
                    }
                    for j in 0..<width { o[slot * width + j] *= inv }
                }
            }
        }
        return out
    }

    /// The embedding layer output (word + position + token type 0, then layer norm).
    func embed(_ batch: TokenBatch) -> [Float] {
        let h = configuration.hiddenSize
        var sum = [Float](repeating: 0, count: batch.tokenCount * h)
        wordEmbeddings.scalars.withUnsafeBufferPointer { words in
            positionEmbeddings.scalars.withUnsafeBufferPointer { positions in
                tokenTypeEmbeddings.scalars.withUnsafeBufferPointer { types in
                    sum.withUnsafeMutableBufferPointer { out in
                        for b in 0..<batch.count {
                            for (position, row) in (batch.offsets[b]..<batch.offsets[b + 1]).enumerated() {
                                let id = Int(batch.ids[row])
                                precondition(id >= 0 && id < configuration.vocabularySize, "token id out of range")
                                precondition(
                                    position < configuration.maxPositions,
                                    "sequence longer than max_position_embeddings")
                                for j in 0..<h {
                                    out[row * h + j] = words[id * h + j] + positions[position * h + j] + types[j]
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: sum.count)
        sum.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                guard let s = s.baseAddress, let o = o.baseAddress else { return }
                Kernels.layerNorm(
                    s, rows: batch.tokenCount, width: h, norm: embeddingNorm, epsilon: configuration.layerNormEpsilon,
                    output: o, normalized: nil, inverseDeviation: nil)
            }
        }
        return out
    }

    /// Runs embeddings and every layer with one adapter (or none) for the whole batch.
    func forward(_ batch: TokenBatch, adapter: LoRAAdapter?, mode: inout ForwardMode, traces: inout [LayerTrace])
        -> [Float]
    {
        forward(
            batch, assignment: AdapterAssignment(adapter: adapter, sequenceCount: batch.count), mode: &mode,
            traces: &traces)
    }

    /// Runs embeddings and every layer; keeps per-layer traces when `mode.record` is set (which needs at most one
    /// adapter covering the whole batch: the backward pass trains one adapter).
    func forward(
        _ batch: TokenBatch, assignment: AdapterAssignment, mode: inout ForwardMode, traces: inout [LayerTrace]
    ) -> [Float] {
        let groups = assignment.groups(in: batch)
        precondition(
            assignment.adapters.allSatisfy { $0.factors.count == layers.count },
            "adapter does not fit the model (check it with validate(against:) first)")
        precondition(
            !mode.record || groups.isEmpty || (groups.count == 1 && groups[0].tokenRuns == [0..<batch.tokenCount]),
            "a recorded (training) forward pass takes one adapter for the whole batch")
        var x = embed(batch)
        if mode.hiddenDropout > 0, var generator = mode.generator {
            let mask = Kernels.dropoutMask(count: x.count, probability: mode.hiddenDropout, generator: &generator)
            mode.generator = generator
            for i in x.indices { x[i] *= mask[i] }
        }
        traces = []
        for (index, layer) in layers.enumerated() {
            var trace = LayerTrace()
            let branches = { (target: LoRATarget) -> [LoRABranch] in
                groups.compactMap { group in
                    let adapter = assignment.adapters[group.adapterIndex]
                    return adapter.factors[index][target].map {
                        LoRABranch(factors: $0, scaling: adapter.configuration.scaling, tokenRuns: group.tokenRuns)
                    }
                }
            }
            x = layerForward(layer, branches: branches, input: x, batch: batch, mode: &mode, trace: &trace)
            if mode.record { traces.append(trace) }
        }
        return x
    }

    /// `x Wᵀ + b`, plus for each branch `scaling · (dropout(x) Aᵀ) Bᵀ` on the branch's rows, for `rows` rows.
    ///
    /// The trace of the LoRA branch is recorded only for a single branch covering all rows (training).
    func linear(
        _ x: [Float], rows: Int, _ weights: LinearWeights, branches: [LoRABranch], mode: inout ForwardMode,
        trace: inout LoRATrace?
    ) -> [Float] {
        let inputs = weights.inputs, outputs = weights.outputs
        var y = [Float](repeating: 0, count: rows * outputs)
        y.withUnsafeMutableBufferPointer { yb in
            guard let yp = yb.baseAddress else { return }
            for r in 0..<rows { (yp + r * outputs).update(from: weights.bias, count: outputs) }
            x.withUnsafeBufferPointer { xb in
                weights.weight.scalars.withUnsafeBufferPointer { wb in
                    guard let xp = xb.baseAddress, let wp = wb.baseAddress else { return }
                    BLAS.gemm(
                        transposeA: false, transposeB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: xp,
                        lda: inputs, b: wp, ldb: inputs, beta: 1, c: yp, ldc: outputs)
                }
            }
        }
        for branch in branches {
            if branch.tokenRuns.count == 1, let run = branch.tokenRuns.first {
                // Consecutive rows: work on them in place.
                let branchTrace = addLoRA(
                    branch, input: x[(run.lowerBound * inputs)..<(run.upperBound * inputs)], rows: run.count,
                    inputs: inputs, outputs: outputs, into: &y, at: run.lowerBound * outputs, mode: &mode)
                if mode.record { trace = branchTrace }
            } else {
                // Scattered rows: gather input and output rows into blocks, update, scatter the output back.
                let count = branch.tokenRuns.reduce(0) { $0 + $1.count }
                var gatheredInput: [Float] = []
                var gatheredOutput: [Float] = []
                gatheredInput.reserveCapacity(count * inputs)
                gatheredOutput.reserveCapacity(count * outputs)
                for run in branch.tokenRuns {
                    gatheredInput.append(contentsOf: x[(run.lowerBound * inputs)..<(run.upperBound * inputs)])
                    gatheredOutput.append(contentsOf: y[(run.lowerBound * outputs)..<(run.upperBound * outputs)])
                }
                _ = addLoRA(
                    branch, input: gatheredInput[...], rows: count, inputs: inputs, outputs: outputs,
                    into: &gatheredOutput, at: 0, mode: &mode)
                var position = 0
                for run in branch.tokenRuns {
                    let width = run.count * outputs
                    y.replaceSubrange(
                        (run.lowerBound * outputs)..<(run.upperBound * outputs),
                        with: gatheredOutput[position..<(position + width)])
                    position += width
                }
            }
        }
        return y
    }

    /// Adds `scaling · (dropout(x) Aᵀ) Bᵀ` for `rows` input rows to the `rows × outputs` block of `y` starting at
    /// value `offset`; returns what the backward pass needs.
    private func addLoRA(
        _ branch: LoRABranch, input x: ArraySlice<Float>, rows: Int, inputs: Int, outputs: Int, into y: inout [Float],
        at offset: Int, mode: inout ForwardMode
    ) -> LoRATrace {
        let factors = branch.factors
        let rank = factors.down.rows
        precondition(
            factors.down.columns == inputs && factors.up.rows == outputs && factors.up.columns == rank,
            "LoRA factors do not fit the layer (check the adapter with validate(against:) first)")
        var droppedInput: [Float]?
        var mask: [Float]?
        if mode.loraDropout > 0, var generator = mode.generator {
            let m = Kernels.dropoutMask(count: x.count, probability: mode.loraDropout, generator: &generator)
            mode.generator = generator
            droppedInput = zip(x, m).map { $0 * $1 }
            mask = m
        }
        var down = [Float](repeating: 0, count: rows * rank)
        func downProjection(_ source: UnsafeBufferPointer<Float>) {
            factors.down.scalars.withUnsafeBufferPointer { ab in
                down.withUnsafeMutableBufferPointer { db in
                    guard let xp = source.baseAddress, let ap = ab.baseAddress, let dp = db.baseAddress else { return }
                    BLAS.gemm(
                        transposeA: false, transposeB: true, m: rows, n: rank, k: inputs, alpha: 1, a: xp, lda: inputs,
                        b: ap, ldb: inputs, beta: 0, c: dp, ldc: rank)
                }
            }
        }
        if let droppedInput {
            droppedInput.withUnsafeBufferPointer(downProjection)
        } else {
            x.withUnsafeBufferPointer(downProjection)
        }
        down.withUnsafeBufferPointer { db in
            factors.up.scalars.withUnsafeBufferPointer { bb in
                y.withUnsafeMutableBufferPointer { yb in
                    guard let dp = db.baseAddress, let bp = bb.baseAddress, let yp = yb.baseAddress else { return }
                    BLAS.gemm(
                        transposeA: false, transposeB: true, m: rows, n: outputs, k: rank, alpha: branch.scaling,
                        a: dp, lda: rank, b: bp, ldb: rank, beta: 1, c: yp + offset, ldc: outputs)
                }
            }
        }
        return LoRATrace(droppedInput: droppedInput, mask: mask, down: down)
    }

    private func layerForward(
        _ layer: BertLayerWeights, branches: (LoRATarget) -> [LoRABranch], input x: [Float], batch: TokenBatch,
        mode: inout ForwardMode, trace: inout LayerTrace
    ) -> [Float] {
        let n = batch.tokenCount, inner = configuration.intermediateSize
        func project(_ target: LoRATarget, _ input: [Float]) -> [Float] {
            var loraTrace: LoRATrace?
            let out = linear(
                input, rows: n, layer[target], branches: branches(target), mode: &mode, trace: &loraTrace)
            if let loraTrace { trace.lora[target] = loraTrace }
            return out
        }
        let q = project(.query, x), k = project(.key, x), v = project(.value, x)
        var probabilities: [Float] = []
        var attentionMask: [Float]?
        let context = attention(
            query: q, key: k, value: v, batch: batch, mode: &mode, probabilities: &probabilities,
            dropoutMask: &attentionMask)
        var attended = project(.attentionOutput, context)
        let (x1, attentionOutputMask, normalized1, inverse1) = addAndNormalize(
            &attended, residual: x, rows: n, layer.attentionNorm, mode: &mode)

        let pre = project(.intermediate, x1)
        var activation = pre
        activation.withUnsafeMutableBufferPointer { a in
            guard let ap = a.baseAddress else { return }
            Kernels.gelu(ap, count: n * inner)
        }
        var out = project(.output, activation)
        let (x2, outputMask, normalized2, inverse2) = addAndNormalize(
            &out, residual: x1, rows: n, layer.outputNorm, mode: &mode)

        if mode.record {
            trace.input = x
            trace.query = q
            trace.key = k
            trace.value = v
            trace.probabilities = probabilities
            trace.attentionMask = attentionMask
            trace.context = context
            trace.attentionOutputMask = attentionOutputMask
            trace.attentionNormalized = normalized1
            trace.attentionInverse = inverse1
            trace.attentionNormOutput = x1
            trace.preActivation = pre
            trace.activation = activation
            trace.outputMask = outputMask
            trace.outputNormalized = normalized2
            trace.outputInverse = inverse2
        }
        return x2
    }

    /// The tail of the attention and feed-forward blocks: hidden dropout on `values` (training), plus the residual,
    /// then layer norm; `values` is used as scratch. Returns the output, the dropout mask, and (when recording) the
    /// normalized values and the reciprocal deviations for the backward pass.
    private func addAndNormalize(
        _ values: inout [Float], residual: [Float], rows n: Int, _ norm: LayerNormWeights, mode: inout ForwardMode
    ) -> (output: [Float], mask: [Float]?, normalized: [Float], inverse: [Float]) {
        let h = configuration.hiddenSize
        var mask: [Float]?
        if mode.hiddenDropout > 0, var generator = mode.generator {
            let drawn = Kernels.dropoutMask(count: values.count, probability: mode.hiddenDropout, generator: &generator)
            mode.generator = generator
            for i in values.indices { values[i] *= drawn[i] }
            mask = drawn
        }
        for i in values.indices { values[i] += residual[i] }
        var output = [Float](repeating: 0, count: n * h)
        var normalized = mode.record ? [Float](repeating: 0, count: n * h) : []
        var inverse = mode.record ? [Float](repeating: 0, count: n) : []
        normalize(
            values, rows: n, norm, configuration.layerNormEpsilon, into: &output, normalized: &normalized,
            inverse: &inverse, record: mode.record)
        return (output, mask, normalized, inverse)
    }

    private func normalize(
        _ x: [Float], rows: Int, _ norm: LayerNormWeights, _ eps: Float, into out: inout [Float],
        normalized: inout [Float], inverse: inout [Float], record: Bool
    ) {
        let h = configuration.hiddenSize
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                normalized.withUnsafeMutableBufferPointer { nb in
                    inverse.withUnsafeMutableBufferPointer { ib in
                        guard let xp = xb.baseAddress, let op = ob.baseAddress else { return }
                        Kernels.layerNorm(
                            xp, rows: rows, width: h, norm: norm, epsilon: eps, output: op,
                            normalized: record ? nb.baseAddress : nil, inverseDeviation: record ? ib.baseAddress : nil)
                    }
                }
            }
        }
    }

    /// Offsets of each sequence's `heads × L × L` probability block.
    func probabilityOffsets(_ batch: TokenBatch) -> [Int] {
        var offsets = [0]
        for b in 0..<batch.count {
            offsets.append((offsets.last ?? 0) + configuration.headCount * batch.length(b) * batch.length(b))
        }
        return offsets
    }

    /// Multi-head scaled dot-product attention within each packed sequence.
    private func attention(
        query: [Float], key: [Float], value: [Float], batch: TokenBatch, mode: inout ForwardMode,
        probabilities: inout [Float], dropoutMask: inout [Float]?
    ) -> [Float] {
        let h = configuration.hiddenSize, heads = configuration.headCount, d = configuration.headSize
        let scale = 1 / Float(d).squareRoot()
        let blockOffsets = probabilityOffsets(batch)
        var probs = [Float](repeating: 0, count: blockOffsets.last ?? 0)
        var context = [Float](repeating: 0, count: batch.tokenCount * h)
        var mask: [Float]?
        if mode.attentionDropout > 0, var generator = mode.generator {
            mask = Kernels.dropoutMask(count: probs.count, probability: mode.attentionDropout, generator: &generator)
            mode.generator = generator
        }
        let maskValues = mask ?? []
        query.withUnsafeBufferPointer { qb in
            key.withUnsafeBufferPointer { kb in
                value.withUnsafeBufferPointer { vb in
                    maskValues.withUnsafeBufferPointer { mb in
                        probs.withUnsafeMutableBufferPointer { pb in
                            context.withUnsafeMutableBufferPointer { cb in
                                guard let qp = qb.baseAddress, let kp = kb.baseAddress, let vp = vb.baseAddress,
                                    let pp = pb.baseAddress, let cp = cb.baseAddress
                                else { return }
                                let shared = SharedPointers(
                                    query: qp, key: kp, value: vp, probabilities: pp, context: cp,
                                    mask: maskValues.isEmpty ? nil : mb.baseAddress)
                                // One task per (sequence, head); tasks write disjoint blocks of probs and context.
                                DispatchQueue.concurrentPerform(iterations: batch.count * heads) { task in
                                    let b = task / heads, head = task % heads
                                    let start = batch.offsets[b], length = batch.length(b)
                                    let offset = blockOffsets[b] + head * length * length
                                    let p = shared.probabilities + offset
                                    let column = start * h + head * d
                                    BLAS.gemm(
                                        transposeA: false, transposeB: true, m: length, n: length, k: d, alpha: scale,
                                        a: shared.query + column, lda: h, b: shared.key + column, ldb: h, beta: 0, c: p,
                                        ldc: length)
                                    Kernels.softmaxRows(p, rows: length, width: length, stride: length)
                                    if let maskBase = shared.mask {
                                        var dropped = [Float](repeating: 0, count: length * length)
                                        for i in 0..<(length * length) { dropped[i] = p[i] * maskBase[offset + i] }
                                        dropped.withUnsafeBufferPointer { db in
                                            guard let dp = db.baseAddress else { return }
                                            BLAS.gemm(
                                                transposeA: false, transposeB: false, m: length, n: d, k: length,
                                                alpha: 1,
                                                a: dp, lda: length, b: shared.value + column, ldb: h, beta: 0,
                                                c: shared.context + column, ldc: h)
                                        }
                                    } else {
                                        BLAS.gemm(
                                            transposeA: false, transposeB: false, m: length, n: d, k: length, alpha: 1,
                                            a: p, lda: length, b: shared.value + column, ldb: h, beta: 0,
                                            c: shared.context + column, ldc: h)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if mode.record {
            probabilities = probs
            dropoutMask = mask
        }
        return context
    }
}

/// Raw pointers handed to concurrent attention tasks.
///
/// Invariant (`@unchecked Sendable`): the buffers outlive the `concurrentPerform` call that uses them, the
/// inputs are only read, and each task writes a disjoint region of `probabilities` and `context`.
struct SharedPointers: @unchecked Sendable {
    let query: UnsafePointer<Float>
    let key: UnsafePointer<Float>
    let value: UnsafePointer<Float>
    let probabilities: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let mask: UnsafePointer<Float>?
}
