/// What one call of ``AdapterScheduler/nextBatch(now:)`` hands the engine: the items to run together and the items
/// that waited past their deadline.
public struct ScheduledBatch<Payload: Sendable>: Sendable {
    /// The items to run in one forward pass, from active adapters only, in the order they were taken (each active
    /// adapter's oldest item first, then first come, first served). Their tokens sum to at most
    /// ``SchedulerConfiguration/maxBatchTokens``, except a single item larger than the cap, which runs alone.
    public var items: [ScheduledItem<Payload>]
    /// Items whose deadline passed while they waited, from any adapter; the caller answers them with
    /// ``ServingError/deadlineExceeded(waitedMilliseconds:)`` (HTTP 504). They never appear in ``items``.
    public var expired: [ScheduledItem<Payload>]

    /// A batch.
    /// - Parameters:
    ///   - items: the items to run.
    ///   - expired: the items past their deadline.
    public init(items: [ScheduledItem<Payload>], expired: [ScheduledItem<Payload>]) {
        self.items = items
        self.expired = expired
    }

    /// The sum of the items' tokens (what the batch costs the engine).
    public var tokens: Int { items.reduce(0) { $0 + $1.tokens } }

    /// The distinct adapters of ``items`` in order of first appearance (`nil` is the base model).
    public var adapters: [String?] {
        var seen = Set<String?>()
        var order: [String?] = []
        for item in items where seen.insert(item.adapter).inserted {
            order.append(item.adapter)
        }
        return order
    }
}
