/// One adapter's first-in, first-out queue of waiting items, each tagged with the scheduler-wide arrival number that
/// breaks ties between equal ``ScheduledItem/enqueuedAt`` instants.
///
/// Storage is an array with a moving head, compacted when the consumed prefix is more than half of it, so appending
/// and taking the front are amortized O(1).
struct AdapterQueue<Payload: Sendable> {
    /// An item with its arrival number.
    struct Entry {
        var item: ScheduledItem<Payload>
        var sequence: UInt64

        /// Whether this entry was enqueued before `other` (by instant, then arrival number).
        func precedes(_ other: Entry) -> Bool {
            (item.enqueuedAt, sequence) < (other.item.enqueuedAt, other.sequence)
        }
    }

    private var storage: [Entry] = []
    private var head = 0
    /// The sum of the queued items' tokens.
    private(set) var tokens = 0

    /// How many items are queued.
    var count: Int { storage.count - head }
    /// Whether nothing is queued.
    var isEmpty: Bool { head == storage.count }
    /// The oldest queued entry.
    var front: Entry? { head < storage.count ? storage[head] : nil }

    /// Appends an entry at the back.
    mutating func append(_ entry: Entry) {
        storage.append(entry)
        tokens += entry.item.tokens
    }

    /// Takes the oldest entry out.
    mutating func popFront() -> Entry? {
        guard head < storage.count else { return nil }
        let entry = storage[head]
        head += 1
        tokens -= entry.item.tokens
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64, head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return entry
    }

    /// Takes out every entry whose deadline is at or before `now`, keeping the others in order.
    mutating func removeExpired(now: ContinuousClock.Instant) -> [Entry] {
        var expired: [Entry] = []
        var kept: [Entry] = []
        kept.reserveCapacity(count)
        for entry in storage[head...] {
            if let deadline = entry.item.deadline, deadline <= now {
                expired.append(entry)
            } else {
                kept.append(entry)
            }
        }
        if !expired.isEmpty {
            storage = kept
            head = 0
            tokens = kept.reduce(0) { $0 + $1.item.tokens }
        }
        return expired
    }

    /// The earliest deadline among the queued items, if any has one.
    var earliestDeadline: ContinuousClock.Instant? {
        storage[head...].lazy.compactMap(\.item.deadline).min()
    }

    /// Takes every entry out, oldest first.
    mutating func removeAll() -> [Entry] {
        let entries = Array(storage[head...])
        storage.removeAll()
        head = 0
        tokens = 0
        return entries
    }
}
