import Serving
import Testing

/// Items carry an integer id as payload; instants are explicit offsets from one origin, never the wall clock.
private let origin = ContinuousClock.now

private func at(_ milliseconds: Int) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }

private func item(
    _ adapter: String?, id: Int, tokens: Int = 16, at instant: ContinuousClock.Instant,
    deadline: ContinuousClock.Instant? = nil
) -> ScheduledItem<Int> {
    ScheduledItem(adapter: adapter, tokens: tokens, enqueuedAt: instant, deadline: deadline, payload: id)
}

private func scheduler(
    maxActive: Int, cycleMilliseconds: Int = 50, maxBatchTokens: Int = 256, capacity: Int = 4096
) -> AdapterScheduler<Int> {
    AdapterScheduler(
        configuration: SchedulerConfiguration(
            maxActiveAdapters: maxActive, cycleTime: .milliseconds(cycleMilliseconds), maxBatchTokens: maxBatchTokens,
            queueCapacity: capacity))
}

@Suite("AdapterScheduler")
struct SchedulerTests {
    @Test("a flood to one adapter does not keep another waiting past one cycle time (one active slot)")
    func floodDoesNotStarveWithOneSlot() throws {
        let queue = scheduler(maxActive: 1)
        for index in 0..<1000 {
            try queue.enqueue(item("A", id: index, at: origin + .microseconds(index)))
        }
        let enqueuedB = at(10)
        try queue.enqueue(item("B", id: 10_000, at: enqueuedB))
        #expect(queue.activeAdapters == ["A"])
        #expect(queue.waitingAdapters == ["B"])

        // The worker takes a batch every 7 ms; B must run no later than the first batch at or after 10 ms + 50 ms.
        let bound = enqueuedB + .milliseconds(50)
        var now = at(1)
        var servedB: ContinuousClock.Instant?
        while servedB == nil, now <= bound + .milliseconds(7) {
            let batch = try #require(queue.nextBatch(now: now))
            #expect(queue.activeAdapters.count <= 1)
            if batch.items.contains(where: { $0.payload == 10_000 }) { servedB = now }
            // Before A's turn ends (active since 0 ms, cycle 50 ms) only A runs.
            if now < at(50) { #expect(batch.items.allSatisfy { $0.adapter == "A" }) }
            now += .milliseconds(7)
        }
        let served = try #require(servedB)
        let firstAtOrAfterBound = at(1) + .milliseconds(7 * 9)  // 64 ms: the first tick ≥ 60 ms
        #expect(served <= firstAtOrAfterBound)
        #expect(queue.activeAdapters == ["A"], "B's queue emptied, so A takes the slot back")
    }

    @Test("with a free slot the late adapter runs in the very next batch, beside the flooded one")
    func floodWithFreeSlot() throws {
        let queue = scheduler(maxActive: 2)
        for index in 0..<1000 {
            try queue.enqueue(item("A", id: index, at: origin + .microseconds(index)))
        }
        _ = queue.nextBatch(now: at(2))
        try queue.enqueue(item("B", id: 10_000, at: at(3)))
        #expect(Set(queue.activeAdapters) == ["A", "B"])
        let batch = try #require(queue.nextBatch(now: at(4)))
        #expect(batch.items.contains { $0.payload == 10_000 })
        #expect(batch.items.contains { $0.adapter == "A" })
        #expect(batch.tokens <= 256)
    }

    @Test("items of one adapter come out in the order they were enqueued")
    func firstInFirstOutPerAdapter() throws {
        let queue = scheduler(maxActive: 3, maxBatchTokens: 100)
        var next = 0
        for round in 0..<30 {
            for adapter in ["A", "B", nil] as [String?] {
                try queue.enqueue(item(adapter, id: next, tokens: 10 + round % 7, at: at(next)))
                next += 1
            }
        }
        var seen: [String?: [Int]] = [:]
        var now = at(1000)
        while let batch = queue.nextBatch(now: now) {
            for item in batch.items { seen[item.adapter, default: []].append(item.payload) }
            now += .milliseconds(1)
        }
        #expect(seen.count == 3)
        for (_, ids) in seen {
            #expect(ids == ids.sorted())
            #expect(ids.count == 30)
        }
    }

    @Test("the oldest queued item of the active set is in the batch, and the rest is first come, first served")
    func firstComeFirstServedAcrossAdapters() throws {
        let queue = scheduler(maxActive: 2, maxBatchTokens: 40)
        try queue.enqueue(item("A", id: 0, tokens: 10, at: at(0)))
        try queue.enqueue(item("A", id: 1, tokens: 10, at: at(1)))
        try queue.enqueue(item("B", id: 2, tokens: 10, at: at(2)))
        try queue.enqueue(item("A", id: 3, tokens: 10, at: at(3)))
        try queue.enqueue(item("B", id: 4, tokens: 10, at: at(4)))
        try queue.enqueue(item("A", id: 5, tokens: 10, at: at(5)))
        let batch = try #require(queue.nextBatch(now: at(10)))
        // Heads first (A's 0, B's 2), then by enqueue time (1, 3) until 40 tokens.
        #expect(batch.items.map(\.payload) == [0, 2, 1, 3])
        let rest = try #require(queue.nextBatch(now: at(11)))
        #expect(rest.items.map(\.payload) == [4, 5])
    }

    @Test("batches stay within maxBatchTokens; an item larger than the cap runs alone and whole")
    func tokenCap() throws {
        let queue = scheduler(maxActive: 2, maxBatchTokens: 100)
        try queue.enqueue(item("A", id: 0, tokens: 60, at: at(0)))
        try queue.enqueue(item("B", id: 1, tokens: 500, at: at(1)))
        try queue.enqueue(item("A", id: 2, tokens: 30, at: at(2)))
        try queue.enqueue(item("A", id: 3, tokens: 30, at: at(3)))
        var batches: [[Int]] = []
        var now = at(10)
        while let batch = queue.nextBatch(now: now) {
            #expect(batch.tokens <= 100 || batch.items.count == 1)
            batches.append(batch.items.map(\.payload))
            now += .milliseconds(1)
        }
        // B's 500-token head does not fit beside A's 60 and is the oldest item after it, so the first batch stops
        // there; the next batch starts with it, alone; A's two small items then share one.
        #expect(batches == [[0], [1], [2, 3]])
    }

    @Test("items past their deadline come out in expired, from any adapter, and never run")
    func deadlinesExpire() throws {
        let queue = scheduler(maxActive: 1)
        try queue.enqueue(item("A", id: 0, at: at(0)))
        try queue.enqueue(item("A", id: 1, at: at(1), deadline: at(20)))
        try queue.enqueue(item("B", id: 2, at: at(2), deadline: at(15)))
        try queue.enqueue(item("B", id: 3, at: at(3), deadline: at(500)))
        try queue.enqueue(item("A", id: 4, at: at(4), deadline: at(20)))
        let batch = try #require(queue.nextBatch(now: at(20)))
        #expect(batch.expired.map(\.payload) == [1, 2, 4])
        #expect(batch.items.map(\.payload) == [0])
        #expect(queue.queueDepth == 1)
        let last = try #require(queue.nextBatch(now: at(30)))
        #expect(last.items.map(\.payload) == [3])
        #expect(last.expired.isEmpty)
        #expect(queue.nextBatch(now: at(40)) == nil)
    }

    @Test("a batch of only expired items still comes out, so the caller can answer them")
    func onlyExpired() throws {
        let queue = scheduler(maxActive: 1)
        try queue.enqueue(item("A", id: 7, at: at(0), deadline: at(5)))
        let batch = try #require(queue.nextBatch(now: at(5)))
        #expect(batch.items.isEmpty)
        #expect(batch.expired.map(\.payload) == [7])
        #expect(queue.activeAdapters.isEmpty)
    }

    @Test("a full queue refuses work with a Retry-After of at least 1 s and enqueues nothing")
    func queueFull() throws {
        let queue = scheduler(maxActive: 2, capacity: 3)
        for index in 0..<3 { try queue.enqueue(item("A", id: index, at: at(index))) }
        #expect(throws: ServingError.queueFull(retryAfterSeconds: 1)) {
            try queue.enqueue(item("B", id: 99, at: at(5)))
        }
        #expect(queue.queueDepth == 3)
        #expect(queue.queueDepths() == ["A": 3])
        #expect(queue.waitingAdapters.isEmpty)
        #expect(queue.statistics.rejectedFull == 1)
        #expect(queue.statistics.enqueued == 3)
    }

    @Test("a per-adapter limit turns away only the flooded adapter, so the others still get in")
    func perAdapterLimit() throws {
        let queue = AdapterScheduler<Int>(
            configuration: SchedulerConfiguration(maxActiveAdapters: 1, queueCapacity: 100, maxQueuedPerAdapter: 5))
        for index in 0..<5 { try queue.enqueue(item("A", id: index, at: at(index))) }
        #expect(throws: ServingError.queueFull(retryAfterSeconds: 1)) {
            try queue.enqueue(item("A", id: 5, at: at(5)))
        }
        #expect(try queue.enqueue(item("B", id: 6, at: at(6))))
        try queue.enqueue(item(nil, id: 7, at: at(7)))
        #expect(queue.queueDepths() == ["A": 5, "B": 1, nil: 1])
        _ = queue.nextBatch(now: at(8))
        #expect(throws: Never.self) { try queue.enqueue(item("A", id: 8, at: at(9))) }
        #expect(throws: ServingError.self) {
            try SchedulerConfiguration(maxQueuedPerAdapter: 0).validate()
        }
    }

    @Test("Retry-After is the queued tokens over the measured tokens per second, rounded up")
    func retryAfterFromThroughput() throws {
        let queue = scheduler(maxActive: 1, maxBatchTokens: 200, capacity: 4)
        for index in 0..<4 { try queue.enqueue(item("A", id: index, tokens: 100, at: at(0))) }
        // Two batches one second apart with work left after the first: 200 tokens took 1 s.
        #expect(queue.nextBatch(now: at(0))?.tokens == 200)
        #expect(queue.nextBatch(now: at(1000))?.tokens == 200)
        for index in 4..<8 { try queue.enqueue(item("A", id: index, tokens: 100, at: at(1001))) }
        #expect(queue.queuedTokens == 400)
        #expect(queue.statistics.tokensPerSecond == 200)
        #expect(throws: ServingError.queueFull(retryAfterSeconds: 2)) {
            try queue.enqueue(item("A", id: 8, tokens: 100, at: at(1002)))
        }
    }

    @Test("the speed behind Retry-After ignores intervals in which the worker sat idle")
    func idleIntervalsAreNotMeasured() throws {
        let queue = scheduler(maxActive: 1, maxBatchTokens: 100, capacity: 3)
        for index in 0..<2 { try queue.enqueue(item("A", id: index, tokens: 100, at: at(0))) }
        _ = queue.nextBatch(now: at(0))  // work left after it: the next second is measured (100 tokens/s)
        _ = queue.nextBatch(now: at(1000))  // the queue runs empty: the idle minute after it is not measured
        for index in 2..<5 { try queue.enqueue(item("A", id: index, tokens: 100, at: at(61_000))) }
        _ = queue.nextBatch(now: at(61_000))
        _ = queue.nextBatch(now: at(61_500))  // 100 tokens in 0.5 s: 200 tokens took 1.5 s in all
        #expect(queue.statistics.tokensPerSecond.map { abs($0 - 200.0 / 1.5) < 1e-9 } == true)
        for index in 5..<7 { try queue.enqueue(item("A", id: index, tokens: 100, at: at(61_600))) }
        // 300 tokens queued at 133.3 tokens/s: 2.25 s, rounded up.
        #expect(throws: ServingError.queueFull(retryAfterSeconds: 3)) {
            try queue.enqueue(item("A", id: 7, tokens: 100, at: at(61_700)))
        }
    }

    @Test("enqueue reports whether the adapter was idle (the moment to prefetch) and waiting adapters are ordered")
    func prefetchHints() throws {
        let queue = scheduler(maxActive: 1)
        #expect(try queue.enqueue(item("A", id: 0, at: at(0))))
        #expect(try !queue.enqueue(item("A", id: 1, at: at(1))))
        #expect(try queue.enqueue(item("C", id: 2, at: at(2))))
        #expect(try queue.enqueue(item(nil, id: 3, at: at(3))))
        #expect(try !queue.enqueue(item("C", id: 4, at: at(4))))
        #expect(queue.activeAdapters == ["A"])
        #expect(queue.waitingAdapters == ["C", nil])
        #expect(queue.queueDepths() == ["A": 2, "C": 2, nil: 1])
    }

    @Test("an adapter swapped out by the cycle rule waits behind the adapters already waiting (LoRAX's order)")
    func swappedOutAdapterQueuesBehind() throws {
        let queue = scheduler(maxActive: 1, cycleMilliseconds: 50)
        for index in 0..<100 { try queue.enqueue(item("A", id: index, at: at(0))) }
        try queue.enqueue(item("B", id: 1000, at: at(10)))
        try queue.enqueue(item("C", id: 2000, at: at(20)))
        var order: [String?] = []
        var now = at(0)
        while order.count < 4, let batch = queue.nextBatch(now: now) {
            let adapter = try #require(batch.items.first).adapter
            if order.last != adapter { order.append(adapter) }
            now += .milliseconds(10)
        }
        #expect(order == ["A", "B", "C", "A"])
        let statistics = queue.statistics
        #expect(statistics.exchanges == 1, "only A was swapped out; B and C left because their queues emptied")
        #expect(statistics.activations == 4)
    }

    @Test("the active set never exceeds maxActiveAdapters and idle adapters leave it at once")
    func activeSetBounds() throws {
        let queue = scheduler(maxActive: 2, maxBatchTokens: 1000)
        for (index, adapter) in ["A", "B", "C", "D"].enumerated() {
            try queue.enqueue(item(adapter, id: index, at: at(index)))
        }
        #expect(queue.activeAdapters == ["A", "B"])
        let first = try #require(queue.nextBatch(now: at(10)))
        #expect(Set(first.items.compactMap(\.adapter)) == ["A", "B"])
        #expect(queue.activeAdapters == ["C", "D"], "A and B emptied and left; C and D took the free slots")
        _ = queue.nextBatch(now: at(11))
        #expect(queue.activeAdapters.isEmpty)
        #expect(queue.nextBatch(now: at(12)) == nil)
    }

    @Test("removeAll(for:) hands back an adapter's queued items and frees its slot")
    func removeAllForAdapter() throws {
        let queue = scheduler(maxActive: 1)
        for index in 0..<3 { try queue.enqueue(item("A", id: index, at: at(index))) }
        try queue.enqueue(item("B", id: 10, at: at(5)))
        let removed = queue.removeAll(for: "A")
        #expect(removed.map(\.payload) == [0, 1, 2])
        #expect(queue.queueDepth == 1)
        #expect(queue.activeAdapters == ["B"])
        #expect(queue.removeAll(for: "missing").isEmpty)
        #expect(queue.nextBatch(now: at(6))?.items.map(\.payload) == [10])
    }

    @Test("user-supplied configuration values are checked; the scheduler clamps what it is given")
    func configurationValidation() {
        #expect(throws: ServingError.invalidRequest(field: "max-active-adapters", reason: "must be at least 1, got 0"))
        {
            try SchedulerConfiguration(maxActiveAdapters: 0).validate()
        }
        #expect(throws: ServingError.self) { try SchedulerConfiguration(cycleTime: .milliseconds(-1)).validate() }
        #expect(throws: ServingError.self) { try SchedulerConfiguration(maxBatchTokens: 0).validate() }
        #expect(throws: ServingError.self) { try SchedulerConfiguration(queueCapacity: -5).validate() }
        #expect(throws: Never.self) { try SchedulerConfiguration().validate() }
        let clamped = AdapterScheduler<Int>(
            configuration: SchedulerConfiguration(maxActiveAdapters: 0, queueCapacity: 0))
        #expect(clamped.configuration.maxActiveAdapters == 1)
        #expect(clamped.configuration.queueCapacity == 1)
    }
}
