extension ServingMetrics {
    /// Copies a scheduler's current state into the metrics; call it just before rendering ``prometheusText()``.
    ///
    /// Sets the gauges `foundry_queue_depth` (items queued over all adapters), `foundry_queued_tokens`,
    /// `foundry_active_adapters`, `foundry_waiting_adapters` and `foundry_engine_tokens_per_second` (the scheduler's
    /// measured speed; 0 until measured), and the counters `foundry_scheduler_items_total{outcome}` (`enqueued`,
    /// `rejected_full`, `rejected_draining`, `dispatched`, `expired`, `removed`), `foundry_scheduler_batches_total`,
    /// `foundry_adapter_activations_total` and `foundry_adapter_exchanges_total` (swaps by the cycle-time rule).
    /// - Parameter scheduler: the scheduler to read.
    public func mirror<Payload: Sendable>(_ scheduler: AdapterScheduler<Payload>) {
        let statistics = scheduler.statistics
        setGauge("foundry_queue_depth", help: "Items queued over all adapters.", value: Double(scheduler.queueDepth))
        setGauge(
            "foundry_queued_tokens", help: "Tokens queued over all adapters.", value: Double(scheduler.queuedTokens))
        setGauge(
            "foundry_active_adapters", help: "Adapters in the scheduler's active set.",
            value: Double(scheduler.activeAdapters.count))
        setGauge(
            "foundry_waiting_adapters", help: "Adapters with queued work waiting for a place in the active set.",
            value: Double(scheduler.waitingAdapters.count))
        setGauge(
            "foundry_engine_tokens_per_second", help: "The engine's measured speed while busy, in tokens per second.",
            value: statistics.tokensPerSecond ?? 0)
        let outcomes: [(String, Int)] = [
            ("enqueued", statistics.enqueued), ("rejected_full", statistics.rejectedFull),
            ("rejected_draining", statistics.rejectedDraining), ("dispatched", statistics.dispatched),
            ("expired", statistics.expired), ("removed", statistics.removed),
        ]
        for (outcome, count) in outcomes {
            setCounter(
                "foundry_scheduler_items_total", help: "Scheduler items by outcome.", labels: ["outcome": outcome],
                value: Double(count))
        }
        setCounter(
            "foundry_scheduler_batches_total", help: "Batches handed to the engine.", value: Double(statistics.batches))
        setCounter(
            "foundry_adapter_activations_total", help: "Times an adapter entered the active set.",
            value: Double(statistics.activations))
        setCounter(
            "foundry_adapter_exchanges_total",
            help: "Times the cycle-time rule swapped an active adapter out for a waiting one.",
            value: Double(statistics.exchanges))
    }
}
