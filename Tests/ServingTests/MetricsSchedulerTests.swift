import Serving
import Testing

@Suite("ServingMetrics mirroring the scheduler")
struct MetricsSchedulerTests {
    @Test("queue depth, active and waiting adapters, item outcomes and exchanges appear as gauges and counters")
    func mirrorScheduler() throws {
        let origin = ContinuousClock.now
        let scheduler = AdapterScheduler<Int>(
            configuration: SchedulerConfiguration(maxActiveAdapters: 1, cycleTime: .milliseconds(10), queueCapacity: 4))
        for index in 0..<3 {
            try scheduler.enqueue(
                ScheduledItem(adapter: "A", tokens: 5, enqueuedAt: origin + .milliseconds(index), payload: index))
        }
        try scheduler.enqueue(
            ScheduledItem(
                adapter: "B", tokens: 7, enqueuedAt: origin + .milliseconds(3), deadline: origin + .milliseconds(4),
                payload: 3))
        #expect(throws: ServingError.self) {
            try scheduler.enqueue(ScheduledItem(adapter: "C", tokens: 1, enqueuedAt: origin, payload: 4))
        }
        let metrics = ServingMetrics()
        metrics.mirror(scheduler)
        var text = metrics.prometheusText()
        #expect(text.contains("\nfoundry_queue_depth 4\n"))
        #expect(text.contains("\nfoundry_queued_tokens 22\n"))
        #expect(text.contains("\nfoundry_active_adapters 1\n"))
        #expect(text.contains("\nfoundry_waiting_adapters 1\n"))
        #expect(text.contains("foundry_scheduler_items_total{outcome=\"enqueued\"} 4\n"))
        #expect(text.contains("foundry_scheduler_items_total{outcome=\"rejected_full\"} 1\n"))
        #expect(text.contains("# TYPE foundry_scheduler_items_total counter\n"))

        // A's items run; B's only item expires at 4 ms, so no exchange happens.
        _ = scheduler.nextBatch(now: origin + .milliseconds(20))
        metrics.mirror(scheduler)
        text = metrics.prometheusText()
        #expect(text.contains("\nfoundry_queue_depth 0\n"))
        #expect(text.contains("foundry_scheduler_items_total{outcome=\"dispatched\"} 3\n"))
        #expect(text.contains("foundry_scheduler_items_total{outcome=\"expired\"} 1\n"))
        #expect(text.contains("\nfoundry_scheduler_batches_total 1\n"))
        #expect(text.contains("\nfoundry_adapter_exchanges_total 0\n"))
        #expect(text.contains("\nfoundry_adapter_activations_total 1\n"))
    }
}
