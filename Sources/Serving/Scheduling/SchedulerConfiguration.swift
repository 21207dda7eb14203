/// The knobs of ``AdapterScheduler``: how many adapters share the engine at once, how long each keeps its place while
/// others wait, how large a batch may grow and how much work may queue.
///
/// The names follow LoRAX's launcher flags (`--max-active-adapters`, `--adapter-cycle-time-s`,
/// `--max-batch-total-tokens`) and `foundry serve`'s (`--max-active-adapters`, `--cycle-time-ms`,
/// `--max-batch-tokens`). Values that come from a user (flags, a config file) should go through ``validate()``
/// first; ``AdapterScheduler/init(configuration:)`` clamps anything out of range to the nearest usable value rather
/// than trap.
public struct SchedulerConfiguration: Sendable, Equatable {
    /// How many adapters may be active (have their requests batched) at once; the base model (`nil` adapter) counts
    /// as one adapter key. At least 1.
    public var maxActiveAdapters = 8
    /// How long an adapter keeps its place in the active set while other adapters wait; after that it is swapped
    /// for the adapter that has waited longest. Zero swaps on every batch while someone waits.
    public var cycleTime: Duration = .milliseconds(50)
    /// The most tokens one batch may hold (the sum of its items' ``ScheduledItem/tokens``); an item larger than this
    /// runs alone in its own batch. At least 1.
    public var maxBatchTokens = 4096
    /// The most items queued at once over all adapters; one more makes ``AdapterScheduler/enqueue(_:)`` throw
    /// ``ServingError/queueFull(retryAfterSeconds:)``. At least 1.
    public var queueCapacity = 4096
    /// The most items one adapter (or the base model) may have queued; one more makes
    /// ``AdapterScheduler/enqueue(_:)`` throw ``ServingError/queueFull(retryAfterSeconds:)`` for that adapter only, so
    /// a flood to one adapter cannot fill the shared queue and turn everyone else away. `nil` (the default): only
    /// ``queueCapacity`` applies. At least 1 when set.
    public var maxQueuedPerAdapter: Int?

    /// A configuration; every argument defaults to the value documented on its property.
    /// - Parameters:
    ///   - maxActiveAdapters: adapters batched at once (the base model counts as one).
    ///   - cycleTime: how long an adapter stays active while others wait.
    ///   - maxBatchTokens: the token cap of one batch.
    ///   - queueCapacity: the most items queued over all adapters.
    ///   - maxQueuedPerAdapter: the most items queued for one adapter, or `nil` for no per-adapter limit.
    public init(
        maxActiveAdapters: Int = 8, cycleTime: Duration = .milliseconds(50), maxBatchTokens: Int = 4096,
        queueCapacity: Int = 4096, maxQueuedPerAdapter: Int? = nil
    ) {
        self.maxActiveAdapters = maxActiveAdapters
        self.cycleTime = cycleTime
        self.maxBatchTokens = maxBatchTokens
        self.queueCapacity = queueCapacity
        self.maxQueuedPerAdapter = maxQueuedPerAdapter
    }

    /// Checks the values a user supplied.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` naming the first bad field (in `foundry serve`'s
    ///   flag spelling, e.g. `max-active-adapters`): a count below 1 or a negative cycle time.
    public func validate() throws(ServingError) {
        if maxActiveAdapters < 1 {
            throw .invalidRequest(field: "max-active-adapters", reason: "must be at least 1, got \(maxActiveAdapters)")
        }
        if cycleTime < .zero {
            throw .invalidRequest(field: "cycle-time-ms", reason: "must not be negative, got \(cycleTime)")
        }
        if maxBatchTokens < 1 {
            throw .invalidRequest(field: "max-batch-tokens", reason: "must be at least 1, got \(maxBatchTokens)")
        }
        if queueCapacity < 1 {
            throw .invalidRequest(field: "queue-capacity", reason: "must be at least 1, got \(queueCapacity)")
        }
        if let perAdapter = maxQueuedPerAdapter, perAdapter < 1 {
            throw .invalidRequest(field: "max-queued-per-adapter", reason: "must be at least 1, got \(perAdapter)")
        }
    }

    /// This configuration with every value moved into its valid range (counts at least 1, cycle time at least zero).
    var clamped: SchedulerConfiguration {
        SchedulerConfiguration(
            maxActiveAdapters: max(1, maxActiveAdapters), cycleTime: max(.zero, cycleTime),
            maxBatchTokens: max(1, maxBatchTokens), queueCapacity: max(1, queueCapacity),
            maxQueuedPerAdapter: maxQueuedPerAdapter.map { max(1, $0) })
    }
}
