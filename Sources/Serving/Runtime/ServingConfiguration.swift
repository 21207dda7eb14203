/// Everything a ``ServingRuntime`` is tuned by; the defaults suit MiniLM-sized encoders on a few cores.
public struct ServingConfiguration: Sendable {
    /// What to do with an input longer than ``maxInputTokens``.
    public enum LongInputPolicy: String, Sendable, Codable {
        /// Keep the first ``maxInputTokens`` tokens (`[CLS]` and `[SEP]` included), as sentence-transformers does.
        case truncate
        /// Answer 400 `input_too_long` naming the input.
        case refuse
    }

    /// Byte budgets of the hot and warm adapter tiers.
    public var budgets = AdapterTierBudgets(hotBytes: 256 << 20, warmBytes: 1 << 30)
    /// The scheduler's active-set size, cycle time, batch cap and queue capacity.
    public var scheduler = SchedulerConfiguration()
    /// Longest input in tokens (`[CLS]` and `[SEP]` included); nil: the model's maximum positions (512 for MiniLM).
    public var maxInputTokens: Int?
    /// Truncate or refuse inputs over ``maxInputTokens``.
    public var longInputs: LongInputPolicy = .truncate
    /// Most texts in one request.
    public var maxInputsPerRequest = 256
    /// How long a request may wait in the queue before it is answered 504 (nil: no deadline).
    public var requestTimeout: Duration? = .seconds(30)
    /// Engine workers (each computes whole batches on one core); nil: one per core Foundry computes on.
    public var workers: Int?

    /// The baseline multi-adapter batching is measured against (`foundry bench serve --naive-swap`): one copy of the
    /// base, as in the batched mode, whose weights can hold one adapter at a time — so requests run one after another
    /// (each on every core), the adapter folded into the weights before (`W += s·B·A`, one GEMM per target, in place)
    /// and taken out after, as PEFT's `merge_adapter`/`unmerge_adapter` do. For benchmarks.
    public var naiveSwap = false

    /// The defaults.
    public init() {}
}
