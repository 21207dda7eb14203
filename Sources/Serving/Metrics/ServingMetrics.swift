import Foundation

/// The server's metrics, rendered in Prometheus' text exposition format 0.0.4 for `GET /metrics`.
///
/// Kept here (recorded as events happen):
/// - `foundry_requests_total{adapter,endpoint,status}` (counter) and `foundry_request_duration_seconds{adapter,endpoint}`
///   (histogram, 1 ms … 10 s) from ``recordRequest(endpoint:adapter:status:seconds:)``;
/// - `foundry_batch_sequences` (1, 2, 4, … 512), `foundry_batch_tokens` (16 … 65 536), `foundry_batch_adapters`
///   (1 … 64) and `foundry_batch_duration_seconds` (histograms) from ``recordBatch(sequences:tokens:adapters:seconds:)``.
///
/// Mirrored (set from state kept elsewhere, typically just before rendering): gauges such as `foundry_queue_depth`,
/// `foundry_adapter_resident_bytes{tier}`, `foundry_adapters{tier}` through ``setGauge(_:help:labels:value:)`` and
/// counters such as `foundry_adapter_tier_hits_total{tier}`, `foundry_adapter_tier_misses_total{tier}`,
/// `foundry_adapter_tier_evictions_total{tier}` through ``setCounter(_:help:labels:value:)``.
///
/// Label values may be anything (they are escaped), but each distinct label set is a series kept in memory, so
/// a family keeps at most `maxSeriesPerFamily` series: samples for new label sets beyond that are dropped and counted
/// in `foundry_metrics_dropped_samples_total`. Pass only registered adapter ids as `adapter` (e.g. `unknown` for a
/// request naming no registered adapter) and call ``removeSeries(adapter:)`` when an adapter is unregistered.
///
/// Metric and label names are chosen by the calling code; an invalid one (not `[a-zA-Z_:][a-zA-Z0-9_:]*`, a label
/// named `le` or starting with `__`), or one name used with two types, is a programming error and traps.
///
/// `@unchecked Sendable` invariant: `families` and `droppedSamples` are read and written only while holding `lock`.
public final class ServingMetrics: @unchecked Sendable {
    /// The `Content-Type` of ``prometheusText()``: `text/plain; version=0.0.4; charset=utf-8`.
    public static let contentType = PrometheusText.contentType

    /// The most series one family keeps.
    public let maxSeriesPerFamily: Int
    private let lock = NSLock()
    private var families: [String: MetricFamily] = [:]
    private var droppedSamples = 0.0

    private static let requests = "foundry_requests_total"
    private static let requestDuration = "foundry_request_duration_seconds"
    private static let batchSequences = "foundry_batch_sequences"
    private static let batchTokens = "foundry_batch_tokens"
    private static let batchAdapters = "foundry_batch_adapters"
    private static let batchDuration = "foundry_batch_duration_seconds"
    private static let dropped = "foundry_metrics_dropped_samples_total"

    /// Metrics with the request and batch families declared (the batch histograms start at zero).
    /// - Parameter maxSeriesPerFamily: the most label sets one family keeps (at least 1).
    public init(maxSeriesPerFamily: Int = 10_000) {
        self.maxSeriesPerFamily = max(1, maxSeriesPerFamily)
        declare(Self.requests, help: "Requests answered, by endpoint, adapter and HTTP status.", kind: .counter)
        declare(
            Self.requestDuration, help: "Seconds from receiving a request to answering it, by endpoint and adapter.",
            kind: .histogram, buckets: Histogram.latencySeconds)
        declare(
            Self.batchSequences, help: "Sequences per engine batch.", kind: .histogram,
            buckets: Histogram.batchSequences)
        declare(Self.batchTokens, help: "Tokens per engine batch.", kind: .histogram, buckets: Histogram.batchTokens)
        declare(
            Self.batchAdapters, help: "Distinct adapters (the base model counts as one) per engine batch.",
            kind: .histogram, buckets: Histogram.batchAdapters)
        declare(
            Self.batchDuration, help: "Seconds the engine spent on one batch.", kind: .histogram,
            buckets: Histogram.latencySeconds)
        for name in [Self.batchSequences, Self.batchTokens, Self.batchAdapters, Self.batchDuration] {
            guard var family = families[name] else { continue }
            family.histograms[[]] = Histogram(upperBounds: family.buckets)
            families[name] = family
        }
    }

    /// Records one answered request: counts it and observes its latency.
    /// - Parameters:
    ///   - endpoint: the route, e.g. `/v1/classify`.
    ///   - adapter: the adapter id the request named (a registered id, the base model's name, or a fixed placeholder
    ///     for unknown ones — see the type's note on series).
    ///   - status: the HTTP status answered.
    ///   - seconds: the time from receiving the request to answering it.
    public func recordRequest(endpoint: String, adapter: String, status: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        let labels = ["endpoint": endpoint, "adapter": adapter]
        var counted = labels
        counted["status"] = String(status)
        add(Self.requests, labels: MetricFamily.labelSet(counted), amount: 1)
        observe(Self.requestDuration, labels: MetricFamily.labelSet(labels), value: seconds)
    }

    /// Records one engine batch.
    /// - Parameters:
    ///   - sequences: the rows (texts) in the batch.
    ///   - tokens: the tokens in the batch.
    ///   - adapters: the distinct adapters in the batch.
    ///   - seconds: the time the engine spent on it.
    public func recordBatch(sequences: Int, tokens: Int, adapters: Int, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        observe(Self.batchSequences, labels: [], value: Double(sequences))
        observe(Self.batchTokens, labels: [], value: Double(tokens))
        observe(Self.batchAdapters, labels: [], value: Double(adapters))
        observe(Self.batchDuration, labels: [], value: seconds)
    }

    /// Sets a gauge (declaring its family on first use), e.g. `foundry_queue_depth`.
    /// - Parameters:
    ///   - name: the metric name.
    ///   - help: the help text (the first call's text is kept).
    ///   - labels: the series' labels.
    ///   - value: the current value.
    public func setGauge(_ name: String, help: String, labels: [String: String] = [:], value: Double) {
        set(name, help: help, kind: .gauge, labels: labels, value: value)
    }

    /// Sets a counter to a total kept elsewhere (declaring its family on first use), e.g. the adapter cache's
    /// `foundry_adapter_tier_hits_total{tier}`. The value should never decrease (Prometheus reads a decrease as a
    /// restart).
    /// - Parameters:
    ///   - name: the metric name (by convention ending in `_total`).
    ///   - help: the help text (the first call's text is kept).
    ///   - labels: the series' labels.
    ///   - value: the running total.
    public func setCounter(_ name: String, help: String, labels: [String: String] = [:], value: Double) {
        set(name, help: help, kind: .counter, labels: labels, value: value)
    }

    /// Removes every series labelled `adapter="<id>"` from every family, as when the adapter is unregistered.
    /// - Parameter adapter: the adapter label value.
    public func removeSeries(adapter: String) {
        lock.lock()
        defer { lock.unlock() }
        for name in Array(families.keys) {
            families[name]?.removeSeries(label: "adapter", value: adapter)
        }
    }

    /// Every family in Prometheus' text exposition format 0.0.4, families sorted by name and series by labels.
    public func prometheusText() -> String {
        lock.lock()
        var snapshot = Array(families.values)
        let dropped = droppedSamples
        lock.unlock()
        var droppedFamily = MetricFamily(
            name: Self.dropped, help: "Samples not recorded because their family reached its series limit.",
            kind: .counter, buckets: [])
        droppedFamily.values[[]] = dropped
        snapshot.append(droppedFamily)
        return PrometheusText.render(snapshot)
    }

    // MARK: - Under the lock

    private func set(_ name: String, help: String, kind: MetricFamily.Kind, labels: [String: String], value: Double) {
        let labelSet = MetricFamily.labelSet(labels)
        lock.lock()
        defer { lock.unlock() }
        declare(name, help: help, kind: kind)
        guard admits(name, labelSet) else { return }
        families[name]?.values[labelSet] = value
    }

    private func add(_ name: String, labels: [MetricLabel], amount: Double) {
        guard admits(name, labels) else { return }
        families[name]?.values[labels, default: 0] += amount
    }

    private func observe(_ name: String, labels: [MetricLabel], value: Double) {
        guard admits(name, labels), let buckets = families[name]?.buckets else { return }
        families[name]?.histograms[labels, default: Histogram(upperBounds: buckets)].observe(value)
    }

    /// Whether a sample for `labels` may be recorded in `name` (an existing series, or room for a new one); counts
    /// the sample as dropped when not.
    private func admits(_ name: String, _ labels: [MetricLabel]) -> Bool {
        guard let family = families[name] else { return false }
        if family.hasSeries(labels) { return true }
        precondition(
            labels.allSatisfy { PrometheusText.isValidLabelName($0.name) && $0.name != "le" },
            "invalid label name in \(labels.map(\.name)) for metric \(name)")
        if family.seriesCount >= maxSeriesPerFamily {
            droppedSamples += 1
            return false
        }
        return true
    }

    private func declare(_ name: String, help: String, kind: MetricFamily.Kind, buckets: [Double] = []) {
        if let existing = families[name] {
            precondition(existing.kind == kind, "metric \(name) is a \(existing.kind.rawValue), not a \(kind.rawValue)")
            return
        }
        precondition(PrometheusText.isValidMetricName(name), "invalid metric name \(name)")
        precondition(name != Self.dropped, "\(name) is kept by ServingMetrics itself")
        families[name] = MetricFamily(name: name, help: help, kind: kind, buckets: buckets)
    }
}
