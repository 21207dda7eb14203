/// Which adapters the scheduler batches right now, and the rule by which adapters enter and leave: LoRAX's
/// adapter-exchange scheduler.
///
/// The rule, as LoRAX implements it (predibase/lorax, `router/src/queue.rs`: `AdapterQueuesState::update_adapters`
/// with `max_active_adapters` and `max_active_time` = `--adapter-cycle-time-s`), carried over:
/// 1. An active adapter whose queue is empty leaves the set at once (LoRAX offloads idle adapters).
/// 2. Adapters with queued work that are not active wait. They are admitted in order of the enqueue time of their
///    oldest queued item; an adapter that the cycle rule swapped out queues behind the adapters already waiting (its
///    order key is the instant it was swapped out, as LoRAX pushes it to the back of `pending_adapters`).
/// 3. Free slots (fewer than `maxActiveAdapters` active) are filled from the front of that order at once.
/// 4. While the set is full and someone waits, an active adapter that has been active for at least `cycleTime` — the
///    longest-active first — is swapped out for the first waiting adapter (LoRAX swaps the front of
///    `active_adapters` once it has been active longer than `max_active_time`). An adapter activated at the current
///    instant is never swapped out at that same instant, so each admitted adapter gets at least one batch.
///
/// Consequence (the fairness guarantee the tests check): an adapter that starts waiting at instant `t` while no other
/// adapter waits is active at the first exchange at or after `t + cycleTime` (for a positive cycle time), since the
/// longest-active adapter was activated no later than `t`; with a free slot it is active at once.
struct ActiveAdapterSet {
    /// How many adapters may be active at once (at least 1).
    let capacity: Int
    /// How long an adapter keeps its place while others wait.
    let cycleTime: Duration

    /// The active adapters in activation order (the longest-active first).
    private(set) var members: [String?] = []
    private var activatedAt: [String?: ContinuousClock.Instant] = [:]
    /// Adapters the cycle rule swapped out, with the instant; cleared when they re-enter or their queue empties.
    private var swappedOutAt: [String?: ContinuousClock.Instant] = [:]
    /// How many times an adapter entered the set.
    private(set) var activations = 0
    /// How many times the cycle rule swapped an adapter out for a waiting one.
    private(set) var exchanges = 0

    /// An empty set.
    init(capacity: Int, cycleTime: Duration) {
        self.capacity = max(1, capacity)
        self.cycleTime = max(.zero, cycleTime)
    }

    /// Whether `adapter` is active.
    func contains(_ adapter: String?) -> Bool { activatedAt[adapter] != nil }

    /// The adapters with queued work that are not active, in the order they will be admitted.
    /// - Parameters:
    ///   - queued: every adapter key with at least one queued item.
    ///   - oldest: the enqueue instant and arrival number of an adapter's oldest queued item.
    /// - Complexity: O(w log w) for w waiting adapters.
    func waiting(
        queued: some Sequence<String?>, oldest: (String?) -> (ContinuousClock.Instant, UInt64)?
    ) -> [String?] {
        var keyed: [(key: String?, instant: ContinuousClock.Instant, sequence: UInt64)] = []
        for adapter in queued where activatedAt[adapter] == nil {
            guard let (instant, sequence) = oldest(adapter) else { continue }
            let since = swappedOutAt[adapter].map { max($0, instant) } ?? instant
            keyed.append((adapter, since, sequence))
        }
        keyed.sort { ($0.instant, $0.sequence) < ($1.instant, $1.sequence) }
        return keyed.map(\.key)
    }

    /// Applies the exchange rule at `now` (see the type's documentation).
    /// - Parameters:
    ///   - now: the current instant.
    ///   - queued: every adapter key with at least one queued item.
    ///   - oldest: the enqueue instant and arrival number of an adapter's oldest queued item, `nil` when its queue is
    ///     empty.
    ///   - exchange: whether step 4 (the cycle-time swap) runs; false only fills free slots.
    mutating func update(
        now: ContinuousClock.Instant, queued: some Collection<String?>,
        oldest: (String?) -> (ContinuousClock.Instant, UInt64)?, exchange: Bool
    ) {
        // 1. Idle adapters leave; swapped-out adapters whose queue emptied are forgotten.
        for adapter in members where oldest(adapter) == nil {
            remove(adapter)
        }
        for adapter in swappedOutAt.keys where oldest(adapter) == nil {
            swappedOutAt[adapter] = nil
        }
        // Nothing to admit unless a slot is free or the longest-active adapter's turn is over (this keeps an enqueue
        // under load at O(k) instead of ordering every waiting adapter).
        let turnOver = members.first.flatMap { activatedAt[$0] }.map { $0 < now && $0 + cycleTime <= now } ?? false
        guard members.count < capacity || (exchange && turnOver) else { return }
        // 2–3. Free slots are filled in waiting order.
        var queue = waiting(queued: queued, oldest: oldest)[...]
        while members.count < capacity, let next = queue.popFirst() {
            activate(next, now: now)
        }
        // 4. Adapters whose turn is over give their place to the first waiting adapter, the longest-active first.
        guard exchange else { return }
        while let next = queue.first, let longest = members.first, let since = activatedAt[longest],
            since < now, since + cycleTime <= now
        {
            queue.removeFirst()
            remove(longest)
            swappedOutAt[longest] = now
            exchanges += 1
            activate(next, now: now)
        }
    }

    /// Forgets `adapter` (it leaves the set if it was active).
    mutating func remove(_ adapter: String?) {
        guard activatedAt.removeValue(forKey: adapter) != nil else { return }
        members.removeAll { $0 == adapter }
    }

    /// Forgets `adapter` entirely (active or swapped out), as when it is unregistered.
    mutating func forget(_ adapter: String?) {
        remove(adapter)
        swappedOutAt[adapter] = nil
    }

    private mutating func activate(_ adapter: String?, now: ContinuousClock.Instant) {
        activations += 1
        members.append(adapter)
        activatedAt[adapter] = now
        swappedOutAt[adapter] = nil
    }
}
