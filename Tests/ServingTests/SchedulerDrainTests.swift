import Dispatch
import Foundation
import Serving
import Testing

/// What a worker thread saw. `@unchecked Sendable` invariant: `batches` is only touched while holding `lock`.
private final class WorkerLog: @unchecked Sendable {
    private let lock = NSLock()
    private var batches: [ScheduledBatch<Int>?] = []

    func append(_ batch: ScheduledBatch<Int>?) {
        lock.lock()
        batches.append(batch)
        lock.unlock()
    }

    var all: [ScheduledBatch<Int>?] {
        lock.lock()
        defer { lock.unlock() }
        return batches
    }
}

/// Runs `body` on a new thread and returns a semaphore signalled when it ends.
private func onThread(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        body()
        done.signal()
    }
    return done
}

/// A generous bound so a stuck worker fails the test instead of hanging it; no duration is asserted.
private func timeout() -> DispatchTime { .now() + .seconds(30) }

private func item(_ adapter: String?, id: Int) -> ScheduledItem<Int> {
    ScheduledItem(adapter: adapter, tokens: 8, enqueuedAt: .now, payload: id)
}

@Suite("AdapterScheduler drain and blocking")
struct SchedulerDrainTests {
    @Test("draining refuses new work, lets queued work out, then waitForBatch returns nil")
    func drain() throws {
        let queue = AdapterScheduler<Int>(
            configuration: SchedulerConfiguration(maxActiveAdapters: 1, maxBatchTokens: 8))
        try queue.enqueue(item("A", id: 0))
        try queue.enqueue(item("B", id: 1))
        try queue.enqueue(item(nil, id: 2))
        queue.beginDrain()
        #expect(queue.isDraining)
        #expect(throws: ServingError.draining) { try queue.enqueue(item("A", id: 3)) }
        #expect(queue.queueDepth == 3)

        let log = WorkerLog()
        let done = onThread {
            while let batch = queue.waitForBatch() { log.append(batch) }
            log.append(nil)
        }
        #expect(done.wait(timeout: timeout()) == .success)
        let seen = log.all
        #expect(seen.last.map { $0 == nil } == true, "the worker ends with nil")
        #expect(seen.compactMap { $0 }.flatMap(\.items).map(\.payload).sorted() == [0, 1, 2])
        #expect(queue.queueDepth == 0)
        #expect(queue.statistics.rejectedDraining == 1)
        #expect(queue.statistics.dispatched == 3)
    }

    @Test("when the grace period ends, removeAll() hands back what is still queued and the worker gets nil")
    func drainGraceEnds() throws {
        let queue = AdapterScheduler<Int>(
            configuration: SchedulerConfiguration(maxActiveAdapters: 1, maxBatchTokens: 8))
        for (id, adapter) in ["A", "B", "A", nil, "B"].enumerated() { try queue.enqueue(item(adapter, id: id)) }
        queue.beginDrain()
        let first = try #require(queue.waitForBatch())
        #expect(first.items.map(\.payload) == [0])
        let left = queue.removeAll()
        #expect(left.map(\.payload) == [1, 2, 3, 4])
        #expect(queue.queueDepth == 0)
        #expect(queue.queuedTokens == 0)
        #expect(queue.activeAdapters.isEmpty)
        #expect(queue.waitingAdapters.isEmpty)
        #expect(queue.waitForBatch() == nil)
        #expect(queue.statistics.removed == 4)
    }

    @Test("a worker blocked on an empty queue is woken by beginDrain and gets nil")
    func drainWakesIdleWorker() {
        let queue = AdapterScheduler<Int>()
        let log = WorkerLog()
        let done = onThread { log.append(queue.waitForBatch()) }
        queue.beginDrain()
        #expect(done.wait(timeout: timeout()) == .success)
        #expect(log.all.count == 1)
        #expect(log.all.first.map { $0 == nil } == true)
    }

    @Test("a worker blocked on an empty queue is woken by enqueue and gets the item")
    func enqueueWakesWorker() throws {
        let queue = AdapterScheduler<Int>()
        let log = WorkerLog()
        let done = onThread { log.append(queue.waitForBatch()) }
        try queue.enqueue(item("A", id: 42))
        #expect(done.wait(timeout: timeout()) == .success)
        let batch = try #require(log.all.first ?? nil)
        #expect(batch.items.map(\.payload) == [42])
    }

    @Test("concurrent producers and one worker: every item runs exactly once, then drain ends the worker")
    func producersAndWorker() throws {
        let queue = AdapterScheduler<Int>(
            configuration: SchedulerConfiguration(maxActiveAdapters: 3, cycleTime: .zero, maxBatchTokens: 64))
        let log = WorkerLog()
        let worker = onThread {
            while let batch = queue.waitForBatch() { log.append(batch) }
        }
        let adapters: [String?] = ["A", "B", "C", "D", nil]
        DispatchQueue.concurrentPerform(iterations: 4) { producer in
            for index in 0..<250 {
                let id = producer * 1000 + index
                // Capacity 4096 is never reached by 1,000 items, so enqueue cannot throw here.
                _ = try? queue.enqueue(item(adapters[id % adapters.count], id: id))
            }
        }
        queue.beginDrain()
        #expect(worker.wait(timeout: timeout()) == .success)
        let ids = log.all.compactMap { $0 }.flatMap(\.items).map(\.payload)
        #expect(ids.count == 1000)
        #expect(Set(ids).count == 1000)
        #expect(log.all.compactMap { $0 }.allSatisfy { $0.tokens <= 64 && $0.expired.isEmpty })
        // Within an adapter, one producer's items keep the order that producer enqueued them in.
        var lastByProducerAndAdapter: [[Int]: Int] = [:]
        for id in ids {
            let key = [id / 1000, id % adapters.count]
            if let previous = lastByProducerAndAdapter[key] { #expect(previous < id) }
            lastByProducerAndAdapter[key] = id
        }
    }
}
