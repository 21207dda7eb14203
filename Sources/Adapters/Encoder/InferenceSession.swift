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
    /// The frozen base encoder.
    public let model: BertModel
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
}
