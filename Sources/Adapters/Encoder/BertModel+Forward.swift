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
    /// Workers for the pass's own parallel loops (nil: ``ComputeThreads/loopThreadCount``); 1 when the caller already
    /// runs one pass per core.
    var loopThreads: Int?

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
        var workspace = EncoderWorkspace()
        return hiddenStates(batch, assignment: assignment, workspace: &workspace)
    }

    /// ``hiddenStates(_:assignment:)`` with scratch buffers kept across calls (for a loop over batches).
    func hiddenStates(
        _ batch: TokenBatch, assignment: AdapterAssignment, workspace: inout EncoderWorkspace, loopThreads: Int? = nil
    ) -> Tensor {
        var mode = ForwardMode.inference
        mode.loopThreads = loopThreads
        var traces: [LayerTrace] = []
        let hidden = forward(batch, assignment: assignment, mode: &mode, traces: &traces, workspace: &workspace)
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
        var workspace = EncoderWorkspace()
        return meanPooled(batch, assignment: assignment, workspace: &workspace)
    }

    /// ``meanPooled(_:assignment:)`` with scratch buffers kept across calls (for a loop over batches).
    func meanPooled(
        _ batch: TokenBatch, assignment: AdapterAssignment, workspace: inout EncoderWorkspace, loopThreads: Int? = nil
    ) -> Tensor {
        let hidden = hiddenStates(batch, assignment: assignment, workspace: &workspace, loopThreads: loopThreads)
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
                guard let h = h.baseAddress, let o = o.baseAddress else { return }
                for (slot, b) in selected.enumerated() {
                    let inv = 1 / Float(batch.length(b))
                    let sum = o + slot * width
                    for row in batch.offsets[b]..<batch.offsets[b + 1] {
                        Kernels.add(h + row * width, to: sum, count: width)
                    }
                    for j in 0..<width { sum[j] *= inv }
                }
            }
        }
        return out
    }

    /// The embedding layer output (word + position + token type 0, then layer norm).
    func embed(_ batch: TokenBatch) -> [Float] {
        var sum: [Float] = []
        return embed(batch, scratch: &sum)
    }

    /// The embedding layer output; `sum` is scratch (grown when too small).
    func embed(_ batch: TokenBatch, scratch sum: inout [Float]) -> [Float] {
        let h = configuration.hiddenSize
        EncoderWorkspace.reserve(&sum, batch.tokenCount * h)
        wordEmbeddings.scalars.withUnsafeBufferPointer { words in
            positionEmbeddings.scalars.withUnsafeBufferPointer { positions in
                tokenTypeEmbeddings.scalars.withUnsafeBufferPointer { types in
                    sum.withUnsafeMutableBufferPointer { out in
                        guard let words = words.baseAddress, let positions = positions.baseAddress,
                            let types = types.baseAddress, let out = out.baseAddress
                        else { return }
                        for b in 0..<batch.count {
                            for (position, row) in (batch.offsets[b]..<batch.offsets[b + 1]).enumerated() {
                                let id = Int(batch.ids[row])
                                precondition(id >= 0 && id < configuration.vocabularySize, "token id out of range")
                                precondition(
                                    position < configuration.maxPositions,
                                    "sequence longer than max_position_embeddings")
                                let target = out + row * h
                                target.update(from: words + id * h, count: h)
                                Kernels.add(positions + position * h, to: target, count: h)
                                Kernels.add(types, to: target, count: h)
                            }
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: batch.tokenCount * h)
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
        var workspace = EncoderWorkspace()
        return forward(batch, assignment: assignment, mode: &mode, traces: &traces, workspace: &workspace)
    }

    /// ``forward(_:assignment:mode:traces:)`` with scratch buffers that outlive the call: an inference pass
    /// allocates only its output once the workspace has grown to the batch; a recorded pass gives each layer fresh
    /// buffers, which become its trace.
    func forward(
        _ batch: TokenBatch, assignment: AdapterAssignment, mode: inout ForwardMode, traces: inout [LayerTrace],
        workspace: inout EncoderWorkspace
    ) -> [Float] {
        let groups = assignment.groups(in: batch)
        precondition(
            assignment.adapters.allSatisfy { $0.factors.count == layers.count },
            "adapter does not fit the model (check it with validate(against:) first)")
        precondition(
            !mode.record || groups.isEmpty || (groups.count == 1 && groups[0].tokenRuns == [0..<batch.tokenCount]),
            "a recorded (training) forward pass takes one adapter for the whole batch")
        let count = batch.tokenCount * configuration.hiddenSize
        var x = embed(batch, scratch: &workspace.embeddingSum)
        if mode.hiddenDropout > 0, var generator = mode.generator {
            let mask = Kernels.dropoutMask(count: count, probability: mode.hiddenDropout, generator: &generator)
            mode.generator = generator
            Self.multiply(&x, by: mask, count: count)
        }
        traces = []
        var next = workspace.next
        workspace.next = []
        EncoderWorkspace.reserve(&next, count)
        // Stacked projections when the caller prepared them (a workspace that serves many batches).
        let stacked = mode.record || workspace.attentionInputs.isEmpty ? nil : workspace.attentionInputs
        precondition(
            stacked.map { $0.count == layers.count && zip($0, layers).allSatisfy(EncoderWorkspace.stacks) } ?? true,
            "an encoder workspace serves one model")
        for (index, layer) in layers.enumerated() {
            let branches = { (target: LoRATarget) -> [LoRABranch] in
                groups.compactMap { group in
                    let adapter = assignment.adapters[group.adapterIndex]
                    return adapter.factors[index][target].map {
                        LoRABranch(factors: $0, scaling: adapter.configuration.scaling, tokenRuns: group.tokenRuns)
                    }
                }
            }
            var trace = LayerTrace()
            if mode.record {
                var buffers = LayerBuffers()
                layerForward(
                    layer, fusedInputs: nil, branches: branches, input: x, output: &next, batch: batch, mode: &mode,
                    buffers: &buffers, trace: &trace)
                traces.append(trace)
                // The trace holds the input: the next layer writes into a new array.
                x = next
                next = [Float](repeating: 0, count: count)
            } else {
                layerForward(
                    layer, fusedInputs: stacked?[index] ?? nil, branches: branches, input: x, output: &next,
                    batch: batch, mode: &mode, buffers: &workspace.layer, trace: &trace)
                swap(&x, &next)
            }
        }
        workspace.next = next
        if x.count > count { x.removeLast(x.count - count) }
        return x
    }

    /// `x Wᵀ + b`, plus for each branch `scaling · (dropout(x) Aᵀ) Bᵀ` on the branch's rows, for `rows` rows.
    ///
    /// The trace of the LoRA branch is recorded only for a single branch covering all rows (training).
    func linear(
        _ x: [Float], rows: Int, _ weights: LinearWeights, branches: [LoRABranch], mode: inout ForwardMode,
        trace: inout LoRATrace?
    ) -> [Float] {
        var y: [Float] = []
        linear(x, rows: rows, weights, branches: branches, mode: &mode, trace: &trace, into: &y)
        return y
    }

    /// ``linear(_:rows:_:branches:mode:trace:)`` into `y`, whose first `rows × outputs` values it overwrites (grown
    /// when too small).
    func linear(
        _ x: [Float], rows: Int, _ weights: LinearWeights, branches: [LoRABranch], mode: inout ForwardMode,
        trace: inout LoRATrace?, into y: inout [Float]
    ) {
        let inputs = weights.inputs, outputs = weights.outputs
        EncoderWorkspace.reserve(&y, rows * outputs)
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
        addBranches(branches, x, rows: rows, inputs: inputs, outputs: outputs, mode: &mode, trace: &trace, into: &y)
    }

    /// Adds each branch's `scaling · (dropout(x) Aᵀ) Bᵀ` to its rows of `y` (`rows × outputs`, row distance
    /// `outputs`); records the trace of a single branch covering all rows when `mode.record` is set.
    func addBranches(
        _ branches: [LoRABranch], _ x: [Float], rows: Int, inputs: Int, outputs: Int, mode: inout ForwardMode,
        trace: inout LoRATrace?, into y: inout [Float]
    ) {
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

    /// One transformer layer: `x1 = LN(dropout(attention(x) Wₒᵀ) + x)`, `output = LN(dropout(GELU(x1 Wᵢᵀ) Wₒᵤₜᵀ) + x1)`,
    /// each projection with its LoRA branches; `buffers` is scratch (and, when recording, becomes the trace).
    ///
    /// With `fusedInputs` (the query, key and value weights stacked, inference only) the three projections run as one
    /// product into `buffers.queryKeyValue` (`n × 3h`), their LoRA updates added to its column blocks.
    private func layerForward(
        _ layer: BertLayerWeights, fusedInputs: LinearWeights?, branches: (LoRATarget) -> [LoRABranch],
        input x: [Float], output: inout [Float], batch: TokenBatch, mode: inout ForwardMode,
        buffers: inout LayerBuffers, trace: inout LayerTrace
    ) {
        let n = batch.tokenCount, inner = configuration.intermediateSize, h = configuration.hiddenSize
        func project(_ target: LoRATarget, _ input: [Float], into out: inout [Float]) {
            var loraTrace: LoRATrace?
            linear(
                input, rows: n, layer[target], branches: branches(target), mode: &mode, trace: &loraTrace, into: &out)
            if let loraTrace { trace.lora[target] = loraTrace }
        }
        if let fusedInputs, !mode.record {
            var noTrace: LoRATrace?
            linear(x, rows: n, fusedInputs, branches: [], mode: &mode, trace: &noTrace, into: &buffers.queryKeyValue)
            for (block, target) in [LoRATarget.query, .key, .value].enumerated() {
                let targetBranches = branches(target)
                guard !targetBranches.isEmpty else { continue }
                EncoderWorkspace.reserve(&buffers.update, n * h)
                buffers.update.withUnsafeMutableBufferPointer { u in u.baseAddress?.update(repeating: 0, count: n * h) }
                addBranches(
                    targetBranches, x, rows: n, inputs: h, outputs: h, mode: &mode, trace: &noTrace,
                    into: &buffers.update)
                buffers.update.withUnsafeBufferPointer { u in
                    buffers.queryKeyValue.withUnsafeMutableBufferPointer { f in
                        guard let up = u.baseAddress, let fp = f.baseAddress else { return }
                        for row in 0..<n { Kernels.add(up + row * h, to: fp + row * 3 * h + block * h, count: h) }
                    }
                }
            }
        } else {
            project(.query, x, into: &buffers.query)
            project(.key, x, into: &buffers.key)
            project(.value, x, into: &buffers.value)
        }
        var attentionMask: [Float]?
        attention(
            batch: batch, fused: fusedInputs != nil && !mode.record, mode: &mode, buffers: &buffers,
            dropoutMask: &attentionMask)
        project(.attentionOutput, buffers.context, into: &buffers.attended)
        let attentionOutputMask = addAndNormalize(
            &buffers.attended, residual: x, rows: n, layer.attentionNorm, mode: &mode,
            output: &buffers.attentionNormOutput, normalized: &buffers.attentionNormalized,
            inverse: &buffers.attentionInverse)

        project(.intermediate, buffers.attentionNormOutput, into: &buffers.preActivation)
        if mode.record {
            buffers.activation = Array(buffers.preActivation.prefix(n * inner))
            Self.gelu(&buffers.activation, count: n * inner, maxThreads: mode.loopThreads)
            project(.output, buffers.activation, into: &buffers.output)
        } else {
            // Inference keeps no pre-activation: GELU in place.
            Self.gelu(&buffers.preActivation, count: n * inner, maxThreads: mode.loopThreads)
            project(.output, buffers.preActivation, into: &buffers.output)
        }
        let outputMask = addAndNormalize(
            &buffers.output, residual: buffers.attentionNormOutput, rows: n, layer.outputNorm, mode: &mode,
            output: &output, normalized: &buffers.outputNormalized, inverse: &buffers.outputInverse)

        if mode.record {
            trace.input = x
            trace.query = buffers.query
            trace.key = buffers.key
            trace.value = buffers.value
            trace.probabilities = buffers.probabilities
            trace.attentionMask = attentionMask
            trace.context = buffers.context
            trace.attentionOutputMask = attentionOutputMask
            trace.attentionNormalized = buffers.attentionNormalized
            trace.attentionInverse = buffers.attentionInverse
            trace.attentionNormOutput = buffers.attentionNormOutput
            trace.preActivation = buffers.preActivation
            trace.activation = buffers.activation
            trace.outputMask = outputMask
            trace.outputNormalized = buffers.outputNormalized
            trace.outputInverse = buffers.outputInverse
        }
    }

    /// GELU in place on the first `count` values, in parallel chunks on at most `maxThreads` workers.
    static func gelu(_ values: inout [Float], count: Int, maxThreads: Int? = nil) {
        values.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            ParallelChunks.forEach(count: count, chunkSize: 16_384, maxThreads: maxThreads) { _, range in
                Kernels.gelu(base + range.lowerBound, count: range.count)
            }
        }
    }

    /// `values[i] *= mask[i]` for the first `count` values.
    static func multiply(_ values: inout [Float], by mask: [Float], count: Int) {
        values.withUnsafeMutableBufferPointer { v in
            mask.withUnsafeBufferPointer { m in
                guard let vp = v.baseAddress, let mp = m.baseAddress else { return }
                Kernels.multiply(vp, by: mp, count: count)
            }
        }
    }

    /// `values[i] += addend[i]` for the first `count` values.
    static func add(_ addend: [Float], to values: inout [Float], count: Int) {
        values.withUnsafeMutableBufferPointer { v in
            addend.withUnsafeBufferPointer { a in
                guard let vp = v.baseAddress, let ap = a.baseAddress else { return }
                Kernels.add(ap, to: vp, count: count)
            }
        }
    }

    /// The tail of the attention and feed-forward blocks: hidden dropout on `values` (training), plus the residual,
    /// then layer norm into `output`, in parallel over rows; `values` is used as scratch. Returns the dropout mask;
    /// when recording, `normalized` and `inverse` receive the normalized values and the reciprocal deviations for
    /// the backward pass.
    private func addAndNormalize(
        _ values: inout [Float], residual: [Float], rows n: Int, _ norm: LayerNormWeights, mode: inout ForwardMode,
        output: inout [Float], normalized: inout [Float], inverse: inout [Float]
    ) -> [Float]? {
        let h = configuration.hiddenSize, epsilon = configuration.layerNormEpsilon
        var mask: [Float]?
        if mode.hiddenDropout > 0, var generator = mode.generator {
            let drawn = Kernels.dropoutMask(count: n * h, probability: mode.hiddenDropout, generator: &generator)
            mode.generator = generator
            Self.multiply(&values, by: drawn, count: n * h)
            mask = drawn
        }
        EncoderWorkspace.reserve(&output, n * h)
        let record = mode.record, loopThreads = mode.loopThreads
        if record {
            EncoderWorkspace.reserve(&normalized, n * h)
            EncoderWorkspace.reserve(&inverse, n)
        }
        values.withUnsafeBufferPointer { vb in
            residual.withUnsafeBufferPointer { rb in
                output.withUnsafeMutableBufferPointer { ob in
                    normalized.withUnsafeMutableBufferPointer { nb in
                        inverse.withUnsafeMutableBufferPointer { ib in
                            guard let vp = vb.baseAddress, let rp = rb.baseAddress, let op = ob.baseAddress else {
                                return
                            }
                            let np = record ? nb.baseAddress : nil, ip = record ? ib.baseAddress : nil
                            ParallelChunks.forEach(count: n, chunkSize: 64, maxThreads: loopThreads) { _, rows in
                                let start = rows.lowerBound
                                Kernels.layerNorm(
                                    vp + start * h, residual: rp + start * h, rows: rows.count, width: h, norm: norm,
                                    epsilon: epsilon, output: op + start * h, normalized: np.map { $0 + start * h },
                                    inverseDeviation: ip.map { $0 + start })
                            }
                        }
                    }
                }
            }
        }
        return mask
    }

    /// The longest sequence whose attention runs without BLAS (``Kernels/attentionHead(query:key:value:rowStride:length:headSize:scale:probabilities:keyScratch:context:contextStride:)``):
    /// below it, a BLAS call's packing and dispatch cost more than the products.
    static let directAttentionLength = 128

    /// Offsets of each sequence's `heads × L × L` probability block.
    func probabilityOffsets(_ batch: TokenBatch) -> [Int] {
        var offsets = [0]
        for b in 0..<batch.count {
            offsets.append((offsets.last ?? 0) + configuration.headCount * batch.length(b) * batch.length(b))
        }
        return offsets
    }

    /// Multi-head scaled dot-product attention within each packed sequence: `buffers.context` from `buffers.query`,
    /// `.key` and `.value` (or, when `fused`, from the column blocks of `buffers.queryKeyValue`), the softmax
    /// probabilities (before dropout) in `buffers.probabilities`.
    ///
    /// One task per sequence runs its heads (scores through `sgemm`, softmax, dropout, products with the values);
    /// tasks write disjoint blocks, and run on Foundry's loop threads.
    private func attention(
        batch: TokenBatch, fused: Bool, mode: inout ForwardMode, buffers: inout LayerBuffers,
        dropoutMask: inout [Float]?
    ) {
        let h = configuration.hiddenSize, heads = configuration.headCount, d = configuration.headSize
        let scale = 1 / Float(d).squareRoot()
        let blockOffsets = probabilityOffsets(batch)
        let total = blockOffsets.last ?? 0
        EncoderWorkspace.reserve(&buffers.probabilities, total)
        EncoderWorkspace.reserve(&buffers.context, batch.tokenCount * h)
        var mask: [Float]?
        if mode.attentionDropout > 0, var generator = mode.generator {
            mask = Kernels.dropoutMask(count: total, probability: mode.attentionDropout, generator: &generator)
            mode.generator = generator
            // The products with the values use the dropped probabilities; the trace keeps them undropped.
            EncoderWorkspace.reserve(&buffers.dropped, total)
        }
        let maskValues = mask ?? []
        let loopThreads = mode.loopThreads
        // Where the projections are: three `n × h` buffers, or the blocks of one `n × 3h` buffer.
        let rowStride = fused ? 3 * h : h
        let (keyOffset, valueOffset) = fused ? (h, 2 * h) : (0, 0)
        let empty: [Float] = []
        (fused ? buffers.queryKeyValue : buffers.query).withUnsafeBufferPointer { qb in
            (fused ? empty : buffers.key).withUnsafeBufferPointer { kb in
                (fused ? empty : buffers.value).withUnsafeBufferPointer { vb in
                    maskValues.withUnsafeBufferPointer { mb in
                        buffers.probabilities.withUnsafeMutableBufferPointer { pb in
                            buffers.dropped.withUnsafeMutableBufferPointer { db in
                                buffers.context.withUnsafeMutableBufferPointer { cb in
                                    guard let qp = qb.baseAddress, let pp = pb.baseAddress, let cp = cb.baseAddress,
                                        let kp = fused ? qp + keyOffset : kb.baseAddress,
                                        let vp = fused ? qp + valueOffset : vb.baseAddress
                                    else { return }
                                    let mp = maskValues.isEmpty ? nil : mb.baseAddress
                                    let dp = maskValues.isEmpty ? nil : db.baseAddress
                                    // Without attention dropout, short sequences skip BLAS (see Kernels.attentionHead).
                                    let direct = mp == nil && d % 8 == 0
                                    ParallelChunks.forEach(
                                        count: batch.count, chunkSize: 1, maxThreads: loopThreads
                                    ) { b, _ in
                                        let start = batch.offsets[b], length = batch.length(b)
                                        if direct && length <= Self.directAttentionLength {
                                            let rounded = (length + 7) / 8 * 8
                                            withUnsafeTemporaryAllocation(of: Float.self, capacity: d * rounded) {
                                                guard let scratch = $0.baseAddress else { return }
                                                for head in 0..<heads {
                                                    let column = start * rowStride + head * d
                                                    Kernels.attentionHead(
                                                        query: qp + column, key: kp + column, value: vp + column,
                                                        rowStride: rowStride, length: length, headSize: d,
                                                        scale: scale,
                                                        probabilities: pp + blockOffsets[b] + head * length * length,
                                                        keyScratch: scratch, context: cp + start * h + head * d,
                                                        contextStride: h)
                                                }
                                            }
                                            return
                                        }
                                        for head in 0..<heads {
                                            let offset = blockOffsets[b] + head * length * length
                                            let p = pp + offset
                                            let column = start * rowStride + head * d
                                            BLAS.gemm(
                                                transposeA: false, transposeB: true, m: length, n: length, k: d,
                                                alpha: scale, a: qp + column, lda: rowStride, b: kp + column,
                                                ldb: rowStride,
                                                beta: 0, c: p, ldc: length)
                                            Kernels.softmaxRows(p, rows: length, width: length, stride: length)
                                            var used = UnsafePointer(p)
                                            if let mp, let dp {
                                                let dropped = dp + offset
                                                dropped.update(from: p, count: length * length)
                                                Kernels.multiply(dropped, by: mp + offset, count: length * length)
                                                used = UnsafePointer(dropped)
                                            }
                                            BLAS.gemm(
                                                transposeA: false, transposeB: false, m: length, n: d, k: length,
                                                alpha: 1, a: used, lda: length, b: vp + column, ldb: rowStride,
                                                beta: 0, c: cp + start * h + head * d, ldc: h)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if mode.record { dropoutMask = mask }
    }
}

/// Scratch buffers of one layer's forward pass. A recorded (training) pass fills fresh ones per layer and keeps them
/// as the layer's trace; an inference pass reuses one set for every layer and batch. Buffers may be longer than a
/// batch needs: every use names its count.
struct LayerBuffers {
    var query: [Float] = [], key: [Float] = [], value: [Float] = []
    /// The fused projections (inference), `n × 3h`, and a LoRA update of one of them, `n × h`.
    var queryKeyValue: [Float] = [], update: [Float] = []
    var probabilities: [Float] = [], dropped: [Float] = [], context: [Float] = []
    var attended: [Float] = [], attentionNormOutput: [Float] = []
    var attentionNormalized: [Float] = [], attentionInverse: [Float] = []
    var preActivation: [Float] = [], activation: [Float] = [], output: [Float] = []
    var outputNormalized: [Float] = [], outputInverse: [Float] = []
}

/// The buffers an inference forward pass reuses across layers and batches (see
/// ``SentenceEncoder/embed(_:batchSize:normalize:assignment:progress:)``).
///
/// A workspace serves one model: it keeps that model's query, key and value weights stacked per layer.
struct EncoderWorkspace {
    var layer = LayerBuffers()
    var embeddingSum: [Float] = []
    var next: [Float] = []
    /// Per layer, the query, key and value projections stacked into one `3h × h` layer (``prepareAttentionInputs(for:)``);
    /// empty: the projections run one by one.
    var attentionInputs: [LinearWeights?] = []

    /// Stacks each layer's query, key and value weights and biases (once per workspace), so that an inference pass
    /// computes the three projections as one product: one pass over the layer input instead of three, and a wider
    /// product, which BLAS runs closer to its peak.
    mutating func prepareAttentionInputs(for layers: [BertLayerWeights]) {
        attentionInputs = layers.map { layer in
            let parts = [layer.query, layer.key, layer.value]
            let inputs = layer.query.inputs
            guard parts.allSatisfy({ $0.inputs == inputs && $0.outputs == inputs }) else { return nil }
            var weight: [Float] = []
            weight.reserveCapacity(parts.reduce(0) { $0 + $1.weight.scalars.count })
            for part in parts { weight.append(contentsOf: part.weight.scalars) }
            return LinearWeights(
                weight: Tensor(shape: [weight.count / inputs, inputs], scalars: weight),
                bias: parts.flatMap(\.bias))
        }
    }

    /// Whether `fused` holds `layer`'s query, key and value (compared by their biases: a cheap check that a workspace
    /// is used with the model it was prepared for).
    static func stacks(_ fused: LinearWeights?, _ layer: BertLayerWeights) -> Bool {
        fused.map { $0.bias == layer.query.bias + layer.key.bias + layer.value.bias } ?? true
    }

    /// Grows `buffer` to at least `count` values (contents unspecified); never shrinks it.
    static func reserve(_ buffer: inout [Float], _ count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }
}
