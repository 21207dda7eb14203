import Dispatch
import Serving
import Testing

/// A small, independent reader of Prometheus' text format 0.0.4 — just enough to check what `ServingMetrics` writes.
private struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "cannot parse: \(line)" }
    }

    var help: [String: String] = [:]
    var types: [String: String] = [:]
    /// Family names in the order of their `# TYPE` lines.
    var typeOrder: [String] = []
    var samples: [Sample] = []

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: "(no final newline)") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                guard let space = rest.firstIndex(of: " ") else { throw ParseError(line: line) }
                help[String(rest[..<space])] = Self.unescape(String(rest[rest.index(after: space)...]))
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ")
                guard parts.count == 2 else { throw ParseError(line: line) }
                types[String(parts[0])] = String(parts[1])
                typeOrder.append(String(parts[0]))
            } else {
                samples.append(try Self.sample(line))
            }
        }
    }

    private static func sample(_ line: String) throws -> Sample {
        var characters = Array(line)[...]
        var name = ""
        while let next = characters.first, next != "{", next != " " {
            name.append(next)
            characters.removeFirst()
        }
        var labels: [String: String] = [:]
        if characters.first == "{" {
            characters.removeFirst()
            while characters.first != "}" {
                var key = ""
                while let next = characters.popFirst(), next != "=" { key.append(next) }
                guard characters.popFirst() == "\"" else { throw ParseError(line: line) }
                var value = ""
                while let next = characters.popFirst() {
                    if next == "\\" {
                        switch characters.popFirst() {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(line: line)
                        }
                    } else if next == "\"" {
                        break
                    } else {
                        value.append(next)
                    }
                }
                labels[key] = value
                if characters.first == "," { characters.removeFirst() }
                guard !characters.isEmpty else { throw ParseError(line: line) }
            }
            characters.removeFirst()
        }
        guard characters.popFirst() == " " else { throw ParseError(line: line) }
        let text = String(characters)
        let value: Double
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(text) else { throw ParseError(line: line) }
            value = parsed
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func unescape(_ text: String) -> String {
        var output = ""
        var escaping = false
        for character in text {
            if escaping {
                output.append(character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                output.append(character)
            }
        }
        return output
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The histogram series of `family` with these labels: (le, cumulative count) in output order, sum and count.
    func histogram(_ family: String, _ labels: [String: String] = [:]) -> (
        buckets: [(le: String, count: Double)], sum: Double?, count: Double?
    ) {
        let buckets = samples.filter { sample in
            guard sample.name == family + "_bucket", let le = sample.labels["le"] else { return false }
            var rest = sample.labels
            rest["le"] = nil
            return rest == labels && !le.isEmpty
        }
        return (
            buckets.map { ($0.labels["le"] ?? "", $0.value) }, value(family + "_sum", labels),
            value(family + "_count", labels)
        )
    }
}

@Suite("ServingMetrics")
struct MetricsTests {
    @Test("requests are counted per endpoint, adapter and status, with a latency histogram per endpoint and adapter")
    func requestCountsAndLatency() throws {
        let metrics = ServingMetrics()
        for _ in 0..<3 { metrics.recordRequest(endpoint: "/v1/classify", adapter: "spam", status: 200, seconds: 0.003) }
        metrics.recordRequest(endpoint: "/v1/classify", adapter: "spam", status: 429, seconds: 0.2)
        metrics.recordRequest(endpoint: "/v1/embeddings", adapter: "base", status: 200, seconds: 20)
        let text = metrics.prometheusText()
        let parsed = try Exposition(text)

        #expect(parsed.types["foundry_requests_total"] == "counter")
        #expect(parsed.types["foundry_request_duration_seconds"] == "histogram")
        let classify = ["endpoint": "/v1/classify", "adapter": "spam"]
        #expect(parsed.value("foundry_requests_total", classify.merging(["status": "200"]) { $1 }) == 3)
        #expect(parsed.value("foundry_requests_total", classify.merging(["status": "429"]) { $1 }) == 1)
        #expect(text.contains("foundry_requests_total{adapter=\"spam\",endpoint=\"/v1/classify\",status=\"200\"} 3\n"))

        let latency = parsed.histogram("foundry_request_duration_seconds", classify)
        let counts = Dictionary(uniqueKeysWithValues: latency.buckets.map { ($0.le, $0.count) })
        #expect(counts["0.001"] == 0)
        #expect(counts["0.0025"] == 0)
        #expect(counts["0.005"] == 3)
        #expect(counts["0.1"] == 3)
        #expect(counts["0.25"] == 4)
        #expect(counts["10"] == 4)
        #expect(counts["+Inf"] == 4)
        #expect(latency.count == 4)
        #expect(abs((latency.sum ?? 0) - 0.209) < 1e-9)
        #expect(latency.buckets.map(\.le).first == "0.001")
        #expect(latency.buckets.map(\.le).last == "+Inf")

        let slow = parsed.histogram(
            "foundry_request_duration_seconds", ["endpoint": "/v1/embeddings", "adapter": "base"])
        #expect(slow.buckets.first { $0.le == "10" }?.count == 0, "20 s is past the last finite bucket")
        #expect(slow.buckets.last?.count == 1)
    }

    @Test("every histogram's buckets are cumulative, non-decreasing, and +Inf equals _count")
    func histogramsAreCumulative() throws {
        let metrics = ServingMetrics()
        var random = UInt64(7)
        for index in 0..<500 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = Double(random >> 40) / Double(1 << 24) * 12
            metrics.recordRequest(endpoint: "/v1/classify", adapter: "a\(index % 3)", status: 200, seconds: seconds)
            metrics.recordBatch(
                sequences: Int(random >> 55) + 1, tokens: Int(random >> 47), adapters: Int(random >> 60) + 1,
                seconds: seconds / 10)
        }
        let parsed = try Exposition(metrics.prometheusText())
        let histogramFamilies = parsed.types.filter { $0.value == "histogram" }.keys
        #expect(
            Set(histogramFamilies) == [
                "foundry_request_duration_seconds", "foundry_batch_sequences", "foundry_batch_tokens",
                "foundry_batch_adapters", "foundry_batch_duration_seconds",
            ])
        var seriesChecked = 0
        for family in histogramFamilies {
            for sample in parsed.samples where sample.name == family + "_count" {
                let series = parsed.histogram(family, sample.labels)
                let counts = series.buckets.map(\.count)
                #expect(counts == counts.sorted(), "\(family) buckets must be cumulative")
                #expect(series.buckets.last?.le == "+Inf")
                #expect(series.buckets.last?.count == series.count)
                let bounds = series.buckets.dropLast().compactMap { Double($0.le) }
                #expect(bounds == bounds.sorted() && bounds.count == series.buckets.count - 1)
                seriesChecked += 1
            }
        }
        #expect(seriesChecked == 3 + 4)
        #expect(parsed.value("foundry_batch_sequences_count") == 500)
        #expect(
            parsed.histogram("foundry_batch_sequences").buckets.map(\.le) == [
                "1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "+Inf",
            ])
    }

    @Test("batch histograms start at zero and place observations by their upper bound")
    func batchHistograms() throws {
        let metrics = ServingMetrics()
        let empty = try Exposition(metrics.prometheusText())
        #expect(empty.value("foundry_batch_sequences_count") == 0)
        #expect(empty.value("foundry_batch_tokens_bucket", ["le": "+Inf"]) == 0)

        metrics.recordBatch(sequences: 3, tokens: 100, adapters: 2, seconds: 0.01)
        metrics.recordBatch(sequences: 4, tokens: 128, adapters: 1, seconds: 0.02)
        let parsed = try Exposition(metrics.prometheusText())
        #expect(parsed.value("foundry_batch_sequences_bucket", ["le": "2"]) == 0)
        #expect(parsed.value("foundry_batch_sequences_bucket", ["le": "4"]) == 2, "4 ≤ le=4: bounds are inclusive")
        #expect(parsed.value("foundry_batch_tokens_bucket", ["le": "64"]) == 0)
        #expect(parsed.value("foundry_batch_tokens_bucket", ["le": "128"]) == 2)
        #expect(parsed.value("foundry_batch_tokens_sum") == 228)
        #expect(parsed.value("foundry_batch_adapters_bucket", ["le": "1"]) == 1)
        #expect(parsed.value("foundry_batch_duration_seconds_count") == 2)
    }

    @Test("label values escape backslash, double quote and newline; help text escapes backslash and newline")
    func escaping() throws {
        let metrics = ServingMetrics()
        let awkward = "we\"ird\\name\nsecond line"
        metrics.recordRequest(endpoint: "/v1/classify", adapter: awkward, status: 404, seconds: 0.001)
        metrics.setGauge("foundry_test_gauge", help: "line one\nline two \\ end", labels: ["tier": "hot"], value: 1)
        let text = metrics.prometheusText()
        #expect(text.contains("adapter=\"we\\\"ird\\\\name\\nsecond line\""))
        #expect(text.contains("# HELP foundry_test_gauge line one\\nline two \\\\ end\n"))
        let parsed = try Exposition(text)
        #expect(
            parsed.value("foundry_requests_total", ["adapter": awkward, "endpoint": "/v1/classify", "status": "404"])
                == 1)
        #expect(parsed.help["foundry_test_gauge"] == "line one\nline two \\ end")
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("second line") }, "no raw newline in a line")
    }

    @Test("a gauge set twice shows the last value; mirrored counters show the total given")
    func gaugesAndCounters() throws {
        let metrics = ServingMetrics()
        metrics.setGauge("foundry_queue_depth", help: "Items queued over all adapters.", value: 12)
        metrics.setGauge("foundry_queue_depth", help: "Items queued over all adapters.", value: 7)
        metrics.setGauge(
            "foundry_adapter_resident_bytes", help: "Bytes per tier.", labels: ["tier": "hot"], value: 1024)
        metrics.setGauge(
            "foundry_adapter_resident_bytes", help: "Bytes per tier.", labels: ["tier": "warm"], value: 0.5)
        metrics.setCounter(
            "foundry_adapter_tier_hits_total", help: "Hits per tier.", labels: ["tier": "hot"], value: 41)
        metrics.setCounter(
            "foundry_adapter_tier_hits_total", help: "Hits per tier.", labels: ["tier": "hot"], value: 42)
        let text = metrics.prometheusText()
        #expect(text.contains("\nfoundry_queue_depth 7\n"))
        #expect(!text.contains("foundry_queue_depth 12"))
        #expect(text.contains("# TYPE foundry_queue_depth gauge\n"))
        #expect(text.contains("# TYPE foundry_adapter_tier_hits_total counter\n"))
        #expect(text.contains("foundry_adapter_resident_bytes{tier=\"hot\"} 1024\n"))
        #expect(text.contains("foundry_adapter_resident_bytes{tier=\"warm\"} 0.5\n"))
        let parsed = try Exposition(text)
        #expect(parsed.value("foundry_adapter_tier_hits_total", ["tier": "hot"]) == 42)
    }

    @Test("families are sorted by name and series by labels, whatever the order of recording")
    func deterministicOrder() throws {
        let first = ServingMetrics()
        let second = ServingMetrics()
        let events: [(String, String, Int)] = [
            ("/v1/classify", "b", 200), ("/v1/embeddings", "a", 200), ("/v1/classify", "a", 500),
            ("/v1/classify", "a", 200),
        ]
        for (endpoint, adapter, status) in events {
            first.recordRequest(endpoint: endpoint, adapter: adapter, status: status, seconds: 0.01)
        }
        for (endpoint, adapter, status) in events.reversed() {
            second.recordRequest(endpoint: endpoint, adapter: adapter, status: status, seconds: 0.01)
        }
        for metrics in [first, second] {
            metrics.setGauge("foundry_queue_depth", help: "Queued items.", value: 1)
            metrics.setGauge("foundry_adapters", help: "Adapters per tier.", labels: ["tier": "warm"], value: 2)
            metrics.setGauge("foundry_adapters", help: "Adapters per tier.", labels: ["tier": "cold"], value: 3)
        }
        let text = first.prometheusText()
        #expect(text == second.prometheusText())
        let parsed = try Exposition(text)
        #expect(parsed.typeOrder == parsed.typeOrder.sorted())
        let counterLines = text.split(separator: "\n").filter { $0.hasPrefix("foundry_requests_total{") }
        #expect(
            counterLines == [
                "foundry_requests_total{adapter=\"a\",endpoint=\"/v1/classify\",status=\"200\"} 1",
                "foundry_requests_total{adapter=\"a\",endpoint=\"/v1/classify\",status=\"500\"} 1",
                "foundry_requests_total{adapter=\"a\",endpoint=\"/v1/embeddings\",status=\"200\"} 1",
                "foundry_requests_total{adapter=\"b\",endpoint=\"/v1/classify\",status=\"200\"} 1",
            ])
        #expect(text.contains("foundry_adapters{tier=\"cold\"} 3\nfoundry_adapters{tier=\"warm\"} 2\n"))
    }

    @Test("a family keeps at most maxSeriesPerFamily series and counts what it drops; unregistering clears series")
    func seriesLimitAndRemoval() throws {
        let metrics = ServingMetrics(maxSeriesPerFamily: 2)
        for adapter in ["a", "b", "c"] {
            metrics.recordRequest(endpoint: "/v1/classify", adapter: adapter, status: 200, seconds: 0.01)
        }
        metrics.recordRequest(endpoint: "/v1/classify", adapter: "a", status: 200, seconds: 0.01)
        var parsed = try Exposition(metrics.prometheusText())
        #expect(
            parsed.value("foundry_requests_total", ["adapter": "a", "endpoint": "/v1/classify", "status": "200"]) == 2)
        #expect(parsed.samples.allSatisfy { $0.labels["adapter"] != "c" })
        #expect(parsed.value("foundry_metrics_dropped_samples_total") == 2, "one counter and one histogram sample")

        metrics.removeSeries(adapter: "a")
        parsed = try Exposition(metrics.prometheusText())
        #expect(parsed.samples.allSatisfy { $0.labels["adapter"] != "a" })
        #expect(
            parsed.value("foundry_requests_total", ["adapter": "b", "endpoint": "/v1/classify", "status": "200"]) == 1)
        metrics.recordRequest(endpoint: "/v1/classify", adapter: "c", status: 200, seconds: 0.01)
        parsed = try Exposition(metrics.prometheusText())
        #expect(
            parsed.value("foundry_requests_total", ["adapter": "c", "endpoint": "/v1/classify", "status": "200"]) == 1)
    }

    @Test("recording from many threads at once loses nothing")
    func threadSafety() throws {
        let metrics = ServingMetrics()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for index in 0..<500 {
                metrics.recordRequest(
                    endpoint: "/v1/classify", adapter: "a\(worker % 2)", status: 200, seconds: Double(index) / 1000)
                metrics.recordBatch(sequences: 1, tokens: 10, adapters: 1, seconds: 0.001)
                if index % 50 == 0 { _ = metrics.prometheusText() }
            }
        }
        let parsed = try Exposition(metrics.prometheusText())
        let total = parsed.samples.filter { $0.name == "foundry_requests_total" }.map(\.value).reduce(0, +)
        #expect(total == 4000)
        #expect(parsed.value("foundry_batch_sequences_count") == 4000)
        #expect(ServingMetrics.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}
