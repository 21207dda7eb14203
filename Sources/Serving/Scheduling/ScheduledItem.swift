/// One unit of work waiting in ``AdapterScheduler``: a request (or one sequence of it) for an adapter, with its size,
/// arrival time, optional deadline and whatever the runtime needs to answer it.
///
/// `Payload` is the runtime's business (typically the texts and a continuation to resume); the scheduler never looks
/// inside it.
public struct ScheduledItem<Payload: Sendable>: Sendable {
    /// The adapter the item runs with; `nil` is the base model alone.
    public let adapter: String?
    /// The item's size in tokens, counted against ``SchedulerConfiguration/maxBatchTokens``.
    public let tokens: Int
    /// When the item arrived; batches are filled first come, first served by this instant.
    public let enqueuedAt: ContinuousClock.Instant
    /// The instant after which the item is no longer worth running; `nil` waits for ever. An item whose deadline is
    /// at or before the scheduler's `now` comes out in ``ScheduledBatch/expired``, never in a batch.
    public let deadline: ContinuousClock.Instant?
    /// The runtime's data for this item.
    public let payload: Payload

    /// An item to enqueue.
    /// - Parameters:
    ///   - adapter: the adapter id, or `nil` for the base model.
    ///   - tokens: the item's size in tokens (negative values count as 0).
    ///   - enqueuedAt: its arrival time (usually `ContinuousClock.now`).
    ///   - deadline: when it stops being worth running, or `nil`.
    ///   - payload: the runtime's data.
    public init(
        adapter: String?, tokens: Int, enqueuedAt: ContinuousClock.Instant, deadline: ContinuousClock.Instant? = nil,
        payload: Payload
    ) {
        self.adapter = adapter
        self.tokens = max(0, tokens)
        self.enqueuedAt = enqueuedAt
        self.deadline = deadline
        self.payload = payload
    }
}
