/// The scheduler's state without any locking: the per-adapter queues, the active set, deadline expiry, batch filling
/// and the throughput measurement. ``AdapterScheduler`` owns one behind its lock.
struct SchedulerQueues<Payload: Sendable> {
    typealias Entry = AdapterQueue<Payload>.Entry

    let configuration: SchedulerConfiguration
    /// Only adapters with at least one queued item have a queue here.
    private(set) var queues: [String?: AdapterQueue<Payload>] = [:]
    /// The active set and its exchange rule.
    private(set) var active: ActiveAdapterSet
    /// Items queued over all adapters.
    private(set) var count = 0
    /// Tokens queued over all adapters.
    private(set) var tokens = 0
    /// The latest instant seen (from enqueued items and `nextBatch` calls).
    private(set) var latestInstant: ContinuousClock.Instant?
    private var throughput = ThroughputEstimate()
    /// Running totals (the active set's counts and the speed are filled in by ``statistics``).
    private var totals = SchedulerStatistics()
    private var nextSequence: UInt64 = 0
    /// No queued item has a deadline before this (it may be earlier than the true minimum, never later).
    private var earliestDeadline: ContinuousClock.Instant?

    init(configuration: SchedulerConfiguration) {
        self.configuration = configuration.clamped
        self.active = ActiveAdapterSet(
            capacity: self.configuration.maxActiveAdapters, cycleTime: self.configuration.cycleTime)
    }

    /// Whether one more item for `adapter` would pass `queueCapacity` or `maxQueuedPerAdapter`.
    func isFull(for adapter: String?) -> Bool {
        if count >= configuration.queueCapacity { return true }
        guard let limit = configuration.maxQueuedPerAdapter else { return false }
        return (queues[adapter]?.count ?? 0) >= limit
    }

    /// The `Retry-After` estimate for a client turned away now.
    var retryAfterSeconds: Int { throughput.retryAfterSeconds(queuedTokens: tokens) }

    /// Appends `item` to its adapter's queue and fills a free active slot if there is one.
    /// - Returns: whether the adapter had no queued work before.
    mutating func append(_ item: ScheduledItem<Payload>) -> Bool {
        let wasIdle = queues[item.adapter] == nil
        queues[item.adapter, default: AdapterQueue()].append(Entry(item: item, sequence: nextSequence))
        nextSequence &+= 1
        totals.enqueued += 1
        count += 1
        tokens += item.tokens
        if let deadline = item.deadline {
            earliestDeadline = earliestDeadline.map { min($0, deadline) } ?? deadline
        }
        observe(item.enqueuedAt)
        updateActiveSet(now: latestInstant ?? item.enqueuedAt, exchange: false)
        return wasIdle
    }

    /// Expires overdue items, applies the exchange rule at `now`, and fills one batch (see
    /// ``AdapterScheduler/nextBatch(now:)``).
    mutating func nextBatch(now: ContinuousClock.Instant) -> ScheduledBatch<Payload>? {
        observe(now)
        let expired = expire(now: now)
        updateActiveSet(now: now, exchange: true)
        let items = fillBatch()
        updateActiveSet(now: now, exchange: false)
        if !items.isEmpty {
            throughput.recordDispatch(at: now, tokens: items.reduce(0) { $0 + $1.tokens }, backlogRemains: count > 0)
            totals.batches += 1
            totals.dispatched += items.count
        }
        totals.expired += expired.count
        if items.isEmpty, expired.isEmpty { return nil }
        return ScheduledBatch(items: items, expired: expired)
    }

    /// Takes every item of `adapter` out and forgets the adapter.
    mutating func removeAll(for adapter: String?) -> [ScheduledItem<Payload>] {
        guard var queue = queues.removeValue(forKey: adapter) else {
            active.forget(adapter)
            return []
        }
        let entries = queue.removeAll()
        totals.removed += entries.count
        count -= entries.count
        tokens -= entries.reduce(0) { $0 + $1.item.tokens }
        active.forget(adapter)
        if let now = latestInstant {
            updateActiveSet(now: now, exchange: false)
        }
        return entries.map(\.item)
    }

    /// Takes every queued item of every adapter out, oldest first, and empties the active set.
    mutating func removeEverything() -> [ScheduledItem<Payload>] {
        var entries: [Entry] = []
        for adapter in Array(queues.keys) {
            guard var queue = queues.removeValue(forKey: adapter) else { continue }
            entries += queue.removeAll()
            active.forget(adapter)
        }
        for adapter in active.members { active.forget(adapter) }
        totals.removed += entries.count
        count = 0
        tokens = 0
        earliestDeadline = nil
        entries.sort { $0.precedes($1) }
        return entries.map(\.item)
    }

    /// Counts an item turned away (`full`: the queue was full; otherwise the scheduler was draining).
    mutating func recordRejection(full: Bool) {
        if full { totals.rejectedFull += 1 } else { totals.rejectedDraining += 1 }
    }

    /// The running totals.
    var statistics: SchedulerStatistics {
        var statistics = totals
        statistics.activations = active.activations
        statistics.exchanges = active.exchanges
        statistics.tokensPerSecond = throughput.tokensPerSecond
        return statistics
    }

    /// The number of queued items per adapter with queued work.
    var depths: [String?: Int] { queues.mapValues(\.count) }

    /// The adapters with queued work that are not active, in the order they will be admitted.
    var waitingAdapters: [String?] {
        active.waiting(queued: queues.keys, oldest: oldest)
    }

    // MARK: - Steps

    private mutating func observe(_ instant: ContinuousClock.Instant) {
        latestInstant = latestInstant.map { max($0, instant) } ?? instant
    }

    private func oldest(_ adapter: String?) -> (ContinuousClock.Instant, UInt64)? {
        queues[adapter]?.front.map { ($0.item.enqueuedAt, $0.sequence) }
    }

    private mutating func updateActiveSet(now: ContinuousClock.Instant, exchange: Bool) {
        let queues = self.queues
        active.update(
            now: now, queued: queues.keys, oldest: { queues[$0]?.front.map { ($0.item.enqueuedAt, $0.sequence) } },
            exchange: exchange)
    }

    /// Takes out every item (of any adapter) whose deadline is at or before `now`, oldest first.
    private mutating func expire(now: ContinuousClock.Instant) -> [ScheduledItem<Payload>] {
        guard let earliest = earliestDeadline, earliest <= now else { return [] }
        var expired: [Entry] = []
        var remaining: ContinuousClock.Instant?
        for adapter in Array(queues.keys) {
            guard var queue = queues.removeValue(forKey: adapter) else { continue }
            let removed = queue.removeExpired(now: now)
            expired += removed
            count -= removed.count
            tokens -= removed.reduce(0) { $0 + $1.item.tokens }
            if let deadline = queue.earliestDeadline {
                remaining = remaining.map { min($0, deadline) } ?? deadline
            }
            if !queue.isEmpty {
                queues[adapter] = queue
            }
        }
        earliestDeadline = remaining
        expired.sort { $0.precedes($1) }
        return expired.map(\.item)
    }

    /// Fills one batch from the active adapters' queues: first each active adapter's oldest item (oldest first, so
    /// every active adapter advances in every batch and the oldest active item always runs), then first come, first
    /// served across the active queues until the next item would pass `maxBatchTokens`. The first item of a batch is
    /// always taken, even when it alone is larger than the cap; no item is ever split.
    private mutating func fillBatch() -> [ScheduledItem<Payload>] {
        let limit = configuration.maxBatchTokens
        var items: [ScheduledItem<Payload>] = []
        var used = 0
        func fits(_ entry: Entry) -> Bool { items.isEmpty || used + entry.item.tokens <= limit }

        let heads = active.members.compactMap { adapter in queues[adapter]?.front.map { (adapter, $0) } }
            .sorted { $0.1.precedes($1.1) }
        for (adapter, head) in heads where fits(head) {
            take(from: adapter, into: &items, used: &used)
        }
        while let (adapter, next) = oldestActiveHead(), fits(next) {
            take(from: adapter, into: &items, used: &used)
        }
        return items
    }

    private func oldestActiveHead() -> (String?, Entry)? {
        var best: (String?, Entry)?
        for adapter in active.members {
            guard let front = queues[adapter]?.front else { continue }
            if let current = best, !front.precedes(current.1) { continue }
            best = (adapter, front)
        }
        return best
    }

    private mutating func take(from adapter: String?, into items: inout [ScheduledItem<Payload>], used: inout Int) {
        guard var queue = queues.removeValue(forKey: adapter), let entry = queue.popFront() else { return }
        if !queue.isEmpty {
            queues[adapter] = queue
        }
        items.append(entry.item)
        used += entry.item.tokens
        count -= 1
        tokens -= entry.item.tokens
    }
}
