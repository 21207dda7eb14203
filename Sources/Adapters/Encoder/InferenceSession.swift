import Foundation
import Tensors

/// What one inference pass over a mixed-adapter batch gives back, per sequence in batch order.
public struct InferenceOutput: Sendable, Equatable {
    /// Mean-pooled last hidden states (all tokens including `[CLS]`/`[SEP]`), `hiddenSize` values per sequence,
    /// unnormalized (the embeddings of ``SentenceEncoder/embed(_:batchSize:normalize:assignment:progress:)``).
    public var meanPooled: [[Float]]
    /// The logits of each sequence's adapter head, for the sequences that asked for them; nil otherwise.
    public var logits: [[Float]?]
}

/// Reusable state for a loop of inference passes in which every batch may mix adapters: a server's worker.
///
/// It keeps the model's query, key and value weights stacked (one `n × 3h` product per layer) and the scratch
/// buffers of the last batch, so a pass allocates only its outputs once the buffers have grown. One session serves one
/// thread; give each worker its own (they share the model's weights, copy on write).
///
/// ```swift
/// var session = InferenceSession(model: encoder.model)
/// let batch = TokenBatch(encoder.tokenize(["win a prize", "see you at 6"]))
/// let assignment = AdapterAssignment(adapters: [spam], adapterIndices: [0, nil])
/// let out = session.run(batch, assignment: assignment, classify: [true, false])
/// // out.logits[0] is `spam`'s head on the first text; out.meanPooled[1] the base model's embedding of the second.
/// ```
public struct InferenceSession: Sendable {
    /// The base encoder (with any adapters folded in by ``fold(_:sign:)``).
    public private(set) var model: BertModel
    private var workspace = EncoderWorkspace()

    /// Creates a session for `model` (stacks its attention projections once).
    public init(model: BertModel) {
        self.model = model
        workspace.prepareAttentionInputs(for: model.layers)
    }

    /// One forward pass of the base over every token of `batch`, each sequence with its own adapter's low-rank update
    /// (one product pair per adapter group and target module), then mean pooling, and each requested sequence's logits
    /// from its adapter's head.
    ///
    /// - Parameters:
    ///   - batch: packed token ids; each sequence at most ``BertConfiguration/maxPositions`` long.
    ///   - assignment: one entry per sequence; its adapters must fit ``model``
    ///     (``AdapterAssignment/validate(against:)``).
    ///   - classify: one flag per sequence: whether to compute its logits (it needs an adapter: the base has no head).
    ///   - loopThreads: workers for the pass's own loops (nil: ``FoundryCore/ComputeThreads/loopThreadCount``; 1 when
    ///     each core runs its own session).
    /// - Returns: per sequence, its pooled state and (when asked) its logits.
    /// - Precondition: `classify` has one flag per sequence and every flagged sequence has an adapter.
    public mutating func run(
        _ batch: TokenBatch, assignment: AdapterAssignment, classify: [Bool], loopThreads: Int? = nil
    ) -> InferenceOutput {
        precondition(classify.count == batch.count, "one classify flag per sequence")
        precondition(
            zip(classify, assignment.adapterIndices).allSatisfy { !$0 || $1 != nil },
            "a sequence to classify needs an adapter")
        let h = model.configuration.hiddenSize
        var mode = ForwardMode.inference
        mode.loopThreads = loopThreads
        var traces: [LayerTrace] = []
        let hidden = model.forward(batch, assignment: assignment, mode: &mode, traces: &traces, workspace: &workspace)
        let pooled = BertModel.meanPool(hidden, batch: batch, width: h)
        var output = InferenceOutput(
            meanPooled: (0..<batch.count).map { Array(pooled[($0 * h)..<(($0 + 1) * h)]) },
            logits: Array(repeating: nil, count: batch.count))
        for group in assignment.groups(in: batch) {
            let wanted = group.sequences.filter { classify[$0] }
            guard !wanted.isEmpty else { continue }
            let head = assignment.adapters[group.adapterIndex].head
            let k = head.classCount
            var trace = HeadTrace()
            let logits = model.headForward(
                hidden, batch: batch, sequences: wanted, head: head, mode: &mode, trace: &trace)
            for (slot, sequence) in wanted.enumerated() {
                output.logits[sequence] = Array(logits[(slot * k)..<((slot + 1) * k)])
            }
        }
        return output
    }

    /// One forward pass of ``model`` alone over `batch` (no per-row adapters), mean pooling, and — when `head` is
    /// given — every sequence's logits from it: the pass of a server that folds one adapter into the weights at a time.
    public mutating func run(_ batch: TokenBatch, head: ClassificationHead?, loopThreads: Int? = nil) -> InferenceOutput
    {
        let h = model.configuration.hiddenSize
        var mode = ForwardMode.inference
        mode.loopThreads = loopThreads
        var traces: [LayerTrace] = []
        let hidden = model.forward(
            batch, assignment: AdapterAssignment(adapter: nil, sequenceCount: batch.count), mode: &mode,
            traces: &traces, workspace: &workspace)
        let pooled = BertModel.meanPool(hidden, batch: batch, width: h)
        var output = InferenceOutput(
            meanPooled: (0..<batch.count).map { Array(pooled[($0 * h)..<(($0 + 1) * h)]) },
            logits: Array(repeating: nil, count: batch.count))
        if let head {
            let k = head.classCount
            var trace = HeadTrace()
            let logits = model.headForward(hidden, batch: batch, head: head, mode: &mode, trace: &trace)
            for row in 0..<batch.count { output.logits[row] = Array(logits[(row * k)..<((row + 1) * k)]) }
        }
        return output
    }

    /// Folds an adapter into the session's weights in place, `W += sign · (alpha / r) · B · A` — one GEMM per target,
    /// into the stacked query/key/value weights the pass reads or into the layer's own weights — as PEFT's
    /// `merge_adapter` does; `sign` −1 unfolds it again (exact up to Float32 rounding).
    ///
    /// - Parameters:
    ///   - adapter: an adapter that fits ``model``.
    ///   - sign: 1 to fold in, −1 to take out.
    public mutating func fold(_ adapter: LoRAAdapter, sign: Float = 1) {
        precondition(adapter.factors.count == model.layers.count, "adapter does not fit the model")
        let h = model.configuration.hiddenSize
        var unstacked = adapter
        for (index, perLayer) in adapter.factors.enumerated() {
            guard index < workspace.attentionInputs.count, workspace.attentionInputs[index] != nil else { continue }
            for (target, factor) in perLayer {
                let block: Int
                switch target {
                case .query: block = 0
                case .key: block = 1
                case .value: block = 2
                default: continue
                }
                let rank = factor.down.rows, inputs = factor.down.columns
                precondition(factor.up.rows == h && inputs == h, "adapter does not fit the model")
                factor.up.scalars.withUnsafeBufferPointer { up in
                    factor.down.scalars.withUnsafeBufferPointer { down in
                        workspace.attentionInputs[index]?.weight.scalars.withUnsafeMutableBufferPointer { weight in
                            guard let up = up.baseAddress, let down = down.baseAddress, let weight = weight.baseAddress
                            else { return }
                            BLAS.gemm(
                                transposeA: false, transposeB: false, m: h, n: inputs, k: rank,
                                alpha: sign * adapter.configuration.scaling, a: up, lda: rank, b: down, ldb: inputs,
                                beta: 1, c: weight + block * h * inputs, ldc: inputs)
                        }
                    }
                }
                unstacked.factors[index][target] = nil
            }
        }
        model.foldInPlace(unstacked, sign: sign)
    }
}
