import Adapters
import DatasetStore
import Foundation
import FoundryCore
import Serving
import ServingHTTP

/// `foundry bench serve --soak SECONDS`: mixed traffic, adapter load/unload churn and every kind of bad input against
/// one server on a loopback port; checks that every answer is a proper HTTP status of the expected kind, and records
/// resident memory over time.
struct ServeSoak {
    let command: BenchServeCommand
    let seconds: Int

    /// What the soak prints. The server runs as a child process (`foundry serve`), so memory figures are the server's.
    struct Record: Codable {
        var seconds: Int
        var adapters: Int
        var requests: [String: Int]
        var statuses: [String: [String: Int]]
        var unexpected: [String]
        var transportErrors: Int
        var healthyAtEnd: Bool
        /// The server's exit status after SIGTERM at the end (0: it drained and exited cleanly).
        var serverExitStatus: Int32
        /// The server process's resident memory (MB), sampled once a second.
        var rssMb: [Double]
        /// RSS growth between 20 % of the run (minute 2 of 10) and its end, in percent.
        var rssGrowthPercent: Double?
        /// Whether the memory criterion (growth under 5 %) counted: only for soaks of 5 minutes or more, since a short
        /// run is still warming its allocator and tiers.
        var rssCriterionApplied: Bool
        var passed: Bool
    }

    /// One kind of request the soak sends, with the statuses it may get.
    struct Probe {
        var name: String
        var expected: Set<Int>
        var send: @Sendable (ServingClient) async throws -> ServingClient.Reply
    }

    func run() async throws {
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: command.model))
        encoder.maxLength = min(command.maxLength, encoder.model.configuration.maxPositions)
        let folder = URL(
            fileURLWithPath: command.adapterDir ?? NSTemporaryDirectory()
                + "foundry-bench-serve-adapters-\(command.seed)")
        let count = max(10, command.counts.max() ?? 100)
        let ids = try SyntheticAdapters.ensure(count: count, in: folder, model: encoder.model, seed: command.seed)
        // An adapter for a different (tiny) encoder: registering it must be refused while the server keeps running.
        let misfit = URL(fileURLWithPath: NSTemporaryDirectory() + "foundry-soak-misfit-\(UUID().uuidString)")
        let tiny = BertModel(
            randomWithConfiguration: BertConfiguration(
                vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32,
                maxPositions: 24, typeVocabularySize: 2, layerNormEpsilon: 1e-12),
            seed: 1)
        try SyntheticAdapters.make(model: tiny, seed: 1).save(to: misfit)
        defer { try? FileManager.default.removeItem(at: misfit) }

        let (store, token, storePath) = try BenchStore.makeFile()
        let owner = try store.authenticate(token: token)
        _ = try store.createPrincipal(name: "outsider", kind: .person, as: owner)
        let outsiderToken = try store.issueToken(for: "outsider", as: owner).token
        let maxBody = 1 << 20
        // The server is `foundry serve` in a child process, as users run it: the memory sampled is the server's alone
        // (not the load generator's HTTP client), and its exit status after SIGTERM shows that it drained.
        let tuning = command.tuning
        var arguments = [
            "--model", command.model, "--adapters", folder.path, "--store", storePath,
            "--max-length", String(command.maxLength), "--max-body-bytes", String(maxBody),
            "--hot-bytes", String(tuning.hotBytes), "--warm-bytes", String(tuning.warmBytes),
            "--max-active-adapters", String(tuning.maxActiveAdapters), "--cycle-time-ms", String(tuning.cycleTimeMs),
            "--max-batch-tokens", String(tuning.maxBatchTokens), "--queue-capacity", String(tuning.queueCapacity),
            "--request-timeout-ms", String(tuning.requestTimeoutMs),
        ]
        if let workers = tuning.workers { arguments += ["--workers", String(workers)] }
        let server = try ServerProcess(arguments: arguments)
        let client = ServingClient(baseURL: server.url, token: token)
        let outsider = ServingClient(baseURL: server.url, token: outsiderToken)
        let stranger = ServingClient(
            baseURL: server.url, token: "fdy_0000000000000000_" + String(repeating: "0", count: 64))
        let texts = try AdaptersCLI.youtubeComments(count: 500).texts
        let tally = SoakTally()
        let deadline = monotonicSeconds() + Double(seconds)
        let probes = Self.badInputProbes(
            client: client, outsider: outsider, stranger: stranger, misfit: misfit, maxBody: maxBody, id: ids[0])

        await withTaskGroup(of: Void.self) { group in
            // Traffic: classification, embeddings (adapters, base, merges), closed loop.
            for worker in 0..<min(command.concurrency, 8) {
                group.addTask {
                    var generator = SeededGenerator(seed: UInt64(worker) &+ 17)
                    while monotonicSeconds() < deadline {
                        let pick = Int(generator.next() % 100)
                        let id = ids[Int(generator.next() % UInt64(ids.count))]
                        let text = texts[Int(generator.next() % UInt64(texts.count))]
                        let (name, path, model): (String, String, String) =
                            switch pick {
                            case 0..<65: ("classify", "/v1/classify", id)
                            case 65..<85: ("embeddings", "/v1/embeddings", id)
                            case 85..<93: ("embeddings-base", "/v1/embeddings", "base")
                            default: ("merge", "/v1/classify", "\(ids[pick % 5]):0.5,\(ids[(pick % 5) + 5]):0.5")
                            }
                        await tally.record(name, expected: [200]) {
                            try await client.post(path, json: ["model": model, "input": [text]])
                        }
                    }
                }
            }
            // Churn: register a new adapter every half second, unregister the one registered five steps before.
            group.addTask {
                var step = 0
                while monotonicSeconds() < deadline {
                    let source = folder.appendingPathComponent(ids[step % ids.count]).path
                    let current = step
                    await tally.record("register", expected: [201]) {
                        try await client.post("/v1/adapters", json: ["id": "churn-\(current)", "path": source])
                    }
                    if current >= 5 {
                        await tally.record("unregister", expected: [200]) {
                            try await client.delete("/v1/adapters/churn-\(current - 5)")
                        }
                    }
                    step += 1
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            // Bad inputs, one every 100 ms, in turn.
            group.addTask {
                var turn = 0
                while monotonicSeconds() < deadline {
                    let probe = probes[turn % probes.count]
                    await tally.record(probe.name, expected: probe.expected) { try await probe.send(client) }
                    turn += 1
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            // Memory, once a second.
            group.addTask {
                while monotonicSeconds() < deadline {
                    if let bytes = server.residentBytes { await tally.sample(bytes) }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        let healthy = (try? await client.get("/health").status) == 200
        let exitStatus = server.terminate()
        let summary = await tally.summary()
        let rss = summary.rss.map(BenchServeCommand.megabytes)
        let growth: Double? = {
            guard rss.count >= 5 else { return nil }
            let from = rss[rss.count / 5]
            guard let to = rss.last, from > 0 else { return nil }
            return ((to - from) / from * 1000).rounded() / 10
        }()
        let memoryCounts = seconds >= 300
        let passed =
            summary.unexpected.isEmpty && summary.transportErrors == 0 && healthy && exitStatus == 0
            && (!memoryCounts || (growth ?? 0) < 5)
        try printBenchJSON(
            Record(
                seconds: seconds, adapters: ids.count, requests: summary.requests, statuses: summary.statuses,
                unexpected: Array(summary.unexpected.prefix(20)), transportErrors: summary.transportErrors,
                healthyAtEnd: healthy, serverExitStatus: exitStatus, rssMb: rss, rssGrowthPercent: growth,
                rssCriterionApplied: memoryCounts, passed: passed))
        if !passed {
            throw CommandFailure("the soak failed: see `unexpected`, `transport_errors` and `rss_growth_percent`")
        }
    }

    /// Every bad input the API must answer with a proper error.
    static func badInputProbes(
        client: ServingClient, outsider: ServingClient, stranger: ServingClient, misfit: URL, maxBody: Int, id: String
    ) -> [Probe] {
        [
            Probe(name: "malformed-json", expected: [400]) {
                try await $0.send("POST", "/v1/classify", body: Data("{\"model\": \"x\", \"input\": [".utf8))
            },
            Probe(name: "wrong-type", expected: [400]) {
                try await $0.post("/v1/classify", json: ["model": id, "input": 42])
            },
            Probe(name: "missing-input", expected: [400]) { try await $0.post("/v1/embeddings", json: ["model": id]) },
            Probe(name: "empty-input", expected: [400]) {
                try await $0.post("/v1/classify", json: ["model": id, "input": []])
            },
            Probe(name: "empty-text", expected: [400]) {
                try await $0.post("/v1/classify", json: ["model": id, "input": [""]])
            },
            Probe(name: "too-large", expected: [413]) {
                try await $0.post(
                    "/v1/classify", json: ["model": id, "input": [String(repeating: "spam ", count: maxBody / 4)]])
            },
            Probe(name: "long-input", expected: [200]) {
                try await $0.post(
                    "/v1/classify", json: ["model": id, "input": [String(repeating: "free prize ", count: 2000)]])
            },
            Probe(name: "unknown-adapter", expected: [404]) {
                try await $0.post("/v1/classify", json: ["model": "no-such-adapter", "input": ["hi"]])
            },
            Probe(name: "base-has-no-head", expected: [422]) {
                try await $0.post("/v1/classify", json: ["model": "base", "input": ["hi"]])
            },
            Probe(name: "misfit-adapter", expected: [422]) {
                try await $0.post("/v1/adapters", json: ["id": "misfit", "path": misfit.path])
            },
            Probe(name: "unknown-token", expected: [401]) { _ in
                try await stranger.post("/v1/classify", json: ["model": id, "input": ["hi"]])
            },
            Probe(name: "no-grant", expected: [403]) { _ in
                try await outsider.post("/v1/classify", json: ["model": id, "input": ["hi"]])
            },
            Probe(name: "wrong-method", expected: [405]) { try await $0.get("/v1/classify") },
            Probe(name: "unknown-route", expected: [404]) { try await $0.get("/v2/nothing") },
        ]
    }
}

/// Counts what the soak saw (an actor: many tasks record at once).
actor SoakTally {
    private var requests: [String: Int] = [:]
    private var statuses: [String: [String: Int]] = [:]
    private var unexpected: [String] = []
    private var transportErrors = 0
    private var rss: [Int] = []

    func record(
        _ name: String, expected: Set<Int>, _ send: @Sendable () async throws -> ServingClient.Reply
    ) async {
        requests[name, default: 0] += 1
        do {
            let reply = try await send()
            statuses[name, default: [:]][String(reply.status), default: 0] += 1
            // A proper answer: an expected status, and every error a JSON body with a stable code.
            if !expected.contains(reply.status) || (reply.status >= 400 && reply.errorCode == nil) {
                unexpected.append("\(name): \(reply.status) \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
            }
        } catch {
            transportErrors += 1
            unexpected.append("\(name): \(error)")
        }
    }

    func sample(_ bytes: Int) { rss.append(bytes) }

    func summary() -> (
        requests: [String: Int], statuses: [String: [String: Int]], unexpected: [String], transportErrors: Int,
        rss: [Int]
    ) {
        (requests, statuses, unexpected, transportErrors, rss)
    }
}
