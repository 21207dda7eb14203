import Foundation

/// Continuous multi-adapter batching: per-adapter queues, an active set of at most
/// ``SchedulerConfiguration/maxActiveAdapters`` adapters exchanged under a cycle time, token-capped batches,
/// deadlines, backpressure and drain.
///
/// The exchange rule is LoRAX's adapter-exchange scheduler (predibase/lorax, `router/src/queue.rs`,
/// `AdapterQueuesState::update_adapters` and `next_entry`; launcher flags `--max-active-adapters` and
/// `--adapter-cycle-time-s`), described step by step on ``nextBatch(now:)``. One busy adapter therefore cannot starve
/// the others: an adapter that starts waiting at `t` while no other adapter waits is batched by the first
/// `nextBatch(now:)` at or after `t + cycleTime` (for a positive cycle time) even when the set is full; with a free
/// slot, by the very next one. Each adapter waiting ahead of it adds at most one cycle time.
///
/// Usage: HTTP handlers ``enqueue(_:)`` items (a request with the continuation that answers it, as `Payload`); one
/// engine thread loops on ``waitForBatch()``, runs `items` in one forward pass and answers `expired` with HTTP 504.
/// On SIGTERM the server calls ``beginDrain()``: new work is refused with ``ServingError/draining`` while the
/// queued work still comes out, then ``waitForBatch()`` returns `nil` and the worker exits.
///
/// Prefetch: ``enqueue(_:)`` returns `true` when the adapter had no queued work before (its weights may be cold: start
/// loading them now, while the item waits), and ``waitingAdapters`` lists the adapters about to be admitted, in order.
///
/// `@unchecked Sendable` invariant: every stored property except the immutable `configuration` (`state`,
/// `draining`) is read and written only while holding `condition`'s lock; nothing blocks while holding it except
/// `condition.wait()`, which releases it.
public final class AdapterScheduler<Payload: Sendable>: @unchecked Sendable {
    /// The configuration in force (values clamped into range: see ``SchedulerConfiguration/validate()``).
    public let configuration: SchedulerConfiguration
    private let condition = NSCondition()
    private var state: SchedulerQueues<Payload>
    private var draining = false

    /// An empty scheduler.
    /// - Parameter configuration: the limits; counts below 1 are raised to 1 and a negative cycle time to zero.
    public init(configuration: SchedulerConfiguration = SchedulerConfiguration()) {
        self.configuration = configuration.clamped
        self.state = SchedulerQueues(configuration: configuration)
    }

    /// Queues `item` behind the other items of its adapter; if a slot of the active set is free, the adapter takes
    /// it at once. Wakes a worker blocked in ``waitForBatch()``.
    /// - Parameter item: the work to queue.
    /// - Returns: `true` when the adapter had no queued work before this item — the moment to prefetch its weights.
    /// - Throws: ``ServingError/draining`` after ``beginDrain()``; ``ServingError/queueFull(retryAfterSeconds:)``
    ///   when ``SchedulerConfiguration/queueCapacity`` items are queued, or
    ///   ``SchedulerConfiguration/maxQueuedPerAdapter`` for this adapter (nothing is enqueued). The retry estimate is
    ///   the queued tokens divided by the engine's recent tokens per second (measured over the last 64 batch
    ///   intervals in which the worker was busy), rounded up and kept within 1…120 s; 1 s before anything has been
    ///   measured.
    @discardableResult
    public func enqueue(_ item: ScheduledItem<Payload>) throws(ServingError) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if draining {
            state.recordRejection(full: false)
            throw .draining
        }
        if state.isFull(for: item.adapter) {
            state.recordRejection(full: true)
            throw .queueFull(retryAfterSeconds: state.retryAfterSeconds)
        }
        let wasIdle = state.append(item)
        condition.signal()
        return wasIdle
    }

    /// Takes the next batch at `now` without blocking (the engine's loop calls it through ``waitForBatch()``; tests
    /// call it with explicit instants).
    ///
    /// In order:
    /// 1. Every queued item (of any adapter) whose deadline is at or before `now` is taken out into
    ///    ``ScheduledBatch/expired``.
    /// 2. The active set is updated by LoRAX's rule: an active adapter with an empty queue leaves; adapters with
    ///    queued work wait in order of their oldest item's enqueue time (an adapter swapped out by the cycle rule
    ///    queues behind those already waiting); free slots are filled from that order; while the set is full and
    ///    someone waits, each adapter active for at least `cycleTime` (the longest-active first) is swapped for the
    ///    first waiting one.
    /// 3. The batch is filled from the active adapters only: first each active adapter's oldest item, oldest first
    ///    (so every active adapter advances in every batch, and the oldest active item always runs), then first come,
    ///    first served by enqueue time across the active queues, until the next item would pass
    ///    ``SchedulerConfiguration/maxBatchTokens``. An item larger than the cap runs alone; no item is split.
    /// - Parameter now: the current instant.
    /// - Returns: the batch, or `nil` when nothing is queued (and nothing expired).
    /// - Complexity: O(a log a + b·k) for a adapters with queued work, b items in the batch and k active adapters,
    ///   plus O(n) over all n queued items when some deadline has passed.
    public func nextBatch(now: ContinuousClock.Instant) -> ScheduledBatch<Payload>? {
        condition.lock()
        defer { condition.unlock() }
        return state.nextBatch(now: now)
    }

    /// Blocks the calling thread until there is work, then returns ``nextBatch(now:)`` at `ContinuousClock.now`;
    /// returns `nil` once draining and every queue is empty.
    ///
    /// The worker sleeps on a condition variable only while every queue is empty — whenever an item is queued some
    /// adapter is active and a batch can be formed at once, so cycle boundaries and deadlines never need a timed
    /// wake-up (they are applied on the next call). ``enqueue(_:)`` and ``beginDrain()`` wake it. Call it from a
    /// dedicated thread, never from a Swift concurrency task (it blocks).
    public func waitForBatch() -> ScheduledBatch<Payload>? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let batch = state.nextBatch(now: .now) { return batch }
            if draining { return nil }
            condition.wait()
        }
    }

    /// Stops accepting work: from now on ``enqueue(_:)`` throws ``ServingError/draining``, the queued items still
    /// come out of ``nextBatch(now:)`` and ``waitForBatch()``, and a worker blocked on an empty queue returns `nil`.
    public func beginDrain() {
        condition.lock()
        draining = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether ``beginDrain()`` was called.
    public var isDraining: Bool {
        condition.lock()
        defer { condition.unlock() }
        return draining
    }

    /// The number of items queued over all adapters.
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.count
    }

    /// The number of tokens queued over all adapters.
    public var queuedTokens: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.tokens
    }

    /// The number of queued items per adapter (`nil` = base model); adapters with nothing queued are absent.
    public func queueDepths() -> [String?: Int] {
        condition.lock()
        defer { condition.unlock() }
        return state.depths
    }

    /// Running totals since creation: items accepted, refused, dispatched, expired and removed, batches, adapter
    /// activations and cycle-time exchanges, and the measured tokens per second.
    public var statistics: SchedulerStatistics {
        condition.lock()
        defer { condition.unlock() }
        return state.statistics
    }

    /// The active adapters in activation order, the longest-active first (`nil` = base model).
    public var activeAdapters: [String?] {
        condition.lock()
        defer { condition.unlock() }
        return state.active.members
    }

    /// The adapters with queued work that are not active, in the order they will be admitted — the ones worth
    /// prefetching first.
    public var waitingAdapters: [String?] {
        condition.lock()
        defer { condition.unlock() }
        return state.waitingAdapters
    }

    /// Takes every queued item of `adapter` out (oldest first) and removes the adapter from the active set, as when
    /// the adapter is unregistered; the caller fails the returned items.
    /// - Parameter adapter: the adapter id (`nil` = base model).
    /// - Returns: the items that were queued for it.
    @discardableResult
    public func removeAll(for adapter: String?) -> [ScheduledItem<Payload>] {
        condition.lock()
        defer { condition.unlock() }
        return state.removeAll(for: adapter)
    }

    /// Takes every queued item of every adapter out (oldest first), as when the drain's grace period ends with work
    /// still queued; the caller fails the returned items (e.g. with ``ServingError/draining``). After
    /// ``beginDrain()``, the worker's next ``waitForBatch()`` then returns `nil`.
    /// - Returns: the items that were queued.
    @discardableResult
    public func removeAll() -> [ScheduledItem<Payload>] {
        condition.lock()
        defer { condition.unlock() }
        return state.removeEverything()
    }
}
