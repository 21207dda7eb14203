import Foundation
import Serving
import ServingHTTP
import Testing

/// Tiers and scheduling seen from the API: eviction order, pinning, prefetch, and fairness under a flood.
@Suite("Serving tiers and scheduling over HTTP")
struct ServingTiersHTTPTests {
    private func tiers(_ client: ServingClient) async throws -> [String: String] {
        let data = try #require(try await client.get("/v1/models").json?["data"] as? [[String: Any]])
        var out: [String: String] = [:]
        for item in data { if let id = item["id"] as? String, let tier = item["tier"] as? String { out[id] = tier } }
        return out
    }

    private func metric(_ client: ServingClient, _ prefix: String) async throws -> Double? {
        let text = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test("a hot tier of two adapters evicts the least recently used to warm; a pinned one stays hot")
    func evictionOrderAndPinning() async throws {
        let fixture = try ServingFixture(ids: ["a", "b", "c"])
        let size = AdapterCache.hotBytes(of: try #require(fixture.adapters["a"]))
        let runtime = try fixture.runtime {
            $0.budgets = AdapterTierBudgets(hotBytes: 2 * size, warmBytes: 64 * size)
        }
        let running = try await ServingServer(runtime: runtime, access: .insecureNoAuth, port: 0).start()
        let client = ServingClient(baseURL: running.url, token: nil)
        func call(_ id: String) async throws {
            let reply = try await client.post("/v1/classify", json: ["model": id, "input": ["win a prize"]])
            #expect(reply.status == 200)
        }
        #expect(try await tiers(client) == ["a": "cold", "b": "cold", "c": "cold"])
        try await call("a")
        try await call("b")
        #expect(try await tiers(client) == ["a": "hot", "b": "hot", "c": "cold"])
        try await call("a")  // b is now the least recently used
        try await call("c")
        #expect(try await tiers(client) == ["a": "hot", "b": "warm", "c": "hot"])
        #expect(try await metric(client, "foundry_adapter_tier_evictions_total{tier=\"hot\"}") == 1)
        // Pin c; using b then evicts a (the unpinned one), never c.
        let pinned = try await client.post("/v1/adapters", json: ["id": "c", "pinned": true])
        #expect(pinned.status == 200)
        #expect(pinned.json?["pinned"] as? Bool == true)
        try await call("b")
        #expect(try await tiers(client) == ["a": "warm", "b": "hot", "c": "hot"])
        try await call("a")
        #expect(try await tiers(client)["c"] == "hot")
        // b came back from warm: a warm hit, not a second disk read.
        #expect((try await metric(client, "foundry_adapter_tier_hits_total{tier=\"warm\"}") ?? 0) >= 1)
        await running.stop()
    }

    @Test("a request for a cold adapter starts its prefetch when it is queued")
    func prefetchOnQueue() async throws {
        let fixture = try ServingFixture(ids: ["a", "b"])
        let running = try await ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0).start()
        let client = ServingClient(baseURL: running.url, token: nil)
        #expect(try await client.post("/v1/classify", json: ["model": "b", "input": ["hi"]]).status == 200)
        #expect((try await metric(client, "foundry_adapter_prefetches_total") ?? 0) >= 1)
        await running.stop()
    }

    @Test("with one active adapter, a flood to one adapter does not keep another's request waiting until it ends")
    func floodDoesNotStarve() async throws {
        let fixture = try ServingFixture(ids: ["busy", "quiet"])
        let runtime = try fixture.runtime {
            $0.scheduler.maxActiveAdapters = 1
            $0.scheduler.cycleTime = .milliseconds(20)
            $0.scheduler.maxBatchTokens = 64
            $0.workers = 1
        }
        let running = try await ServingServer(runtime: runtime, access: .insecureNoAuth, port: 0).start()
        let client = ServingClient(baseURL: running.url, token: nil)
        let flood = 600
        let done = Counter()
        let text = Array(repeating: "subscribe to my channel", count: 5).joined(separator: " ")
        let floodTask = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<24 {
                    group.addTask {
                        var index = worker
                        while index < flood {
                            _ = try? await client.post("/v1/classify", json: ["model": "busy", "input": [text]])
                            done.increment()
                            index += 24
                        }
                    }
                }
            }
        }
        while done.value < 24 { try await Task.sleep(for: .milliseconds(1)) }
        let quiet = try await client.post("/v1/classify", json: ["model": "quiet", "input": ["hello"]])
        let floodAnsweredBefore = done.value
        await floodTask.value
        #expect(quiet.status == 200)
        #expect(floodAnsweredBefore < flood, "the quiet adapter waited for the whole flood")
        await running.stop()
    }
}

/// A thread-safe counter for the flood test.
///
/// Invariant (`@unchecked Sendable`): `count` is read and written only while holding `lock`.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
