import FoundryCore
import Serving
import Testing

@Suite("AdapterScheduler properties")
struct SchedulerPropertyTests {
    /// One random workload: many adapters (one of them flooded), random sizes including oversize items, random
    /// deadlines, enqueues interleaved with batches and unregistrations, time advancing by explicit instants.
    @Test("every item comes out exactly once and the invariants hold, over seeded random workloads", arguments: 1...40)
    func randomWorkload(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let adapterCount = Int.random(in: 1...40, using: &random)
        let adapters: [String?] = (0..<adapterCount).map { "adapter-\($0)" } + [nil]
        let configuration = SchedulerConfiguration(
            maxActiveAdapters: Int.random(in: 1...6, using: &random),
            cycleTime: .milliseconds(Int.random(in: 0...40, using: &random)),
            maxBatchTokens: Int.random(in: 32...512, using: &random),
            queueCapacity: Int.random(in: 20...400, using: &random),
            maxQueuedPerAdapter: Bool.random(using: &random) ? Int.random(in: 3...60, using: &random) : nil)
        let queue = AdapterScheduler<Int>(configuration: configuration)
        let origin = ContinuousClock.now
        var now = origin

        var enqueued: [Int: ScheduledItem<Int>] = [:]
        var outCount: [Int: Int] = [:]
        var lastRunPerAdapter: [String?: Int] = [:]
        var nextID = 0
        var refused = 0

        func check(_ batch: ScheduledBatch<Int>, at instant: ContinuousClock.Instant) {
            #expect(!batch.items.isEmpty || !batch.expired.isEmpty)
            #expect(batch.tokens <= configuration.maxBatchTokens || batch.items.count == 1)
            #expect(batch.adapters.count <= configuration.maxActiveAdapters)
            for item in batch.items {
                if let deadline = item.deadline { #expect(deadline > instant, "an overdue item ran") }
                if let previous = lastRunPerAdapter[item.adapter] { #expect(previous < item.payload, "FIFO broken") }
                lastRunPerAdapter[item.adapter] = item.payload
                outCount[item.payload, default: 0] += 1
            }
            for item in batch.expired {
                #expect(item.deadline.map { $0 <= instant } == true, "expired before its deadline")
                outCount[item.payload, default: 0] += 1
            }
        }

        // The adapter first in line to enter the active set, and since when it has been first without a break.
        var firstInLine: (adapter: String?, since: ContinuousClock.Instant)?
        func noteFirstInLine(at instant: ContinuousClock.Instant) {
            guard let first = queue.waitingAdapters.first else {
                firstInLine = nil
                return
            }
            if firstInLine.map({ $0.adapter != first }) ?? true { firstInLine = (first, instant) }
        }
        // Takes a batch and checks LoRAX's guarantee: the adapter first in line since `t` is no longer waiting after
        // the first batch at or after `t + cycleTime` (strictly after `t`).
        func takeBatch(at instant: ContinuousClock.Instant) -> Bool {
            var due: String?? = nil
            if let line = firstInLine, instant > line.since, instant >= line.since + configuration.cycleTime {
                due = .some(line.adapter)
            }
            let batch = queue.nextBatch(now: instant)
            if let batch { check(batch, at: instant) }
            if let adapter = due {
                #expect(queue.waitingAdapters.first != .some(adapter), "first in line for a whole cycle, still waiting")
            }
            noteFirstInLine(at: instant)
            return batch != nil
        }

        for _ in 0..<600 {
            now += .microseconds(Int.random(in: 0...5000, using: &random))
            let action = Int.random(in: 0..<100, using: &random)
            if action < 60 {
                for _ in 0..<Int.random(in: 1...5, using: &random) {
                    let adapter =
                        Bool.random(using: &random) ? adapters[0] : adapters.randomElement(using: &random) ?? nil
                    let oversize = Int.random(in: 0..<20, using: &random) == 0
                    let tokens =
                        oversize
                        ? Int.random(
                            in: (configuration.maxBatchTokens + 1)...(2 * configuration.maxBatchTokens), using: &random)
                        : Int.random(in: 1...100, using: &random)
                    let deadline =
                        Int.random(in: 0..<10, using: &random) < 3
                        ? now + .milliseconds(Int.random(in: 1...200, using: &random)) : nil
                    let item = ScheduledItem(
                        adapter: adapter, tokens: tokens, enqueuedAt: now, deadline: deadline, payload: nextID)
                    let depth = queue.queueDepth
                    let adapterDepth = queue.queueDepths()[adapter] ?? 0
                    do throws(ServingError) {
                        try queue.enqueue(item)
                        enqueued[nextID] = item
                    } catch {
                        guard case .queueFull(let retryAfter) = error else {
                            Issue.record("unexpected \(error)")
                            continue
                        }
                        refused += 1
                        #expect(retryAfter >= 1)
                        #expect(
                            depth == configuration.queueCapacity
                                || adapterDepth == configuration.maxQueuedPerAdapter)
                        #expect(queue.queueDepth == depth, "a refused item must not be queued")
                    }
                    nextID += 1
                }
                noteFirstInLine(at: now)
            } else if action < 98 {
                _ = takeBatch(at: now)
            } else if let adapter = adapters.randomElement(using: &random) {
                for item in queue.removeAll(for: adapter) {
                    #expect(item.adapter == adapter)
                    outCount[item.payload, default: 0] += 1
                }
                #expect(queue.queueDepths()[adapter] == nil)
                noteFirstInLine(at: now)
            }
            #expect(queue.activeAdapters.count <= configuration.maxActiveAdapters)
            #expect(queue.queueDepth == enqueued.count - outCount.values.reduce(0, +))
            #expect(Set(queue.activeAdapters).isDisjoint(with: queue.waitingAdapters))
            if let limit = configuration.maxQueuedPerAdapter {
                #expect(queue.queueDepths().values.allSatisfy { $0 <= limit })
            }
        }

        var rounds = 0
        while rounds < 100_000, takeBatch(at: now) {
            now += .milliseconds(1)
            rounds += 1
        }
        #expect(queue.queueDepth == 0)
        #expect(queue.activeAdapters.isEmpty)
        #expect(Set(outCount.keys) == Set(enqueued.keys), "every enqueued item comes out")
        #expect(outCount.values.allSatisfy { $0 == 1 }, "no item comes out twice")
        let statistics = queue.statistics
        #expect(statistics.enqueued == enqueued.count)
        #expect(statistics.dispatched + statistics.expired + statistics.removed == enqueued.count)
        #expect(statistics.rejectedFull == refused)
        #expect(statistics.rejectedDraining == 0)
        #expect(statistics.exchanges <= statistics.activations)
    }
}
