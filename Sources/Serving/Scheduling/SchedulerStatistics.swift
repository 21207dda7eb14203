/// Running totals of an ``AdapterScheduler`` since it was created, for metrics (mirror them with
/// ``ServingMetrics/setCounter(_:help:labels:value:)``) and for `foundry bench serve`'s report.
public struct SchedulerStatistics: Sendable, Equatable, Codable {
    /// Items accepted by ``AdapterScheduler/enqueue(_:)``.
    public var enqueued = 0
    /// Items refused because the queue was full.
    public var rejectedFull = 0
    /// Items refused because the scheduler was draining.
    public var rejectedDraining = 0
    /// Batches with at least one item handed out.
    public var batches = 0
    /// Items handed out in batches.
    public var dispatched = 0
    /// Items handed out as expired (past their deadline).
    public var expired = 0
    /// Items taken out by ``AdapterScheduler/removeAll(for:)`` and ``AdapterScheduler/removeAll()``.
    public var removed = 0
    /// Times an adapter entered the active set.
    public var activations = 0
    /// Times the cycle rule swapped an active adapter out for a waiting one.
    public var exchanges = 0
    /// The engine's measured speed in tokens per second (`nil` until measured; see ``AdapterScheduler/enqueue(_:)``).
    public var tokensPerSecond: Double?

    /// All-zero statistics.
    public init() {}
}
