import Adapters
import ArgumentParser
import DatasetStore
import Foundation
import FoundryCore
import Serving
import ServingHTTP

/// `foundry bench serve`: throughput and latency of the serving API with requests spread over many adapters.
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serving throughput, latency and memory per adapter count (and against naive swapping) as JSON.",
        discussion: """
            For each count in --adapters, starts the server on a loopback port (port 0, bearer tokens from a \
            temporary store), then --concurrency clients send --requests classification requests of \
            --texts-per-request YouTube comments each, request i to adapter i mod N (uniform). Adapters are seeded \
            random rank-8 LoRA adapters on query and value (written once to --adapter-dir). --naive-swap repeats \
            each count with the baseline that merges and unmerges one adapter per request. Each run reports the \
            encoder arithmetic it sustained (encoder_gflops_per_second), and the arithmetic block the machine's GEMM \
            ceiling with every worker busy; ratios.ceiling_over_naive_N is the most any batching could gain over the \
            naive mode on this machine. --soak SECONDS runs mixed traffic with adapter churn and bad inputs \
            instead, and reports statuses and memory over time.
            """)

    @Option(help: "Base model directory.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "Adapter counts to measure, comma-separated.")
    var adapters: String = "1,10,100"

    @Option(help: "Requests per measured run.")
    var requests = 2000

    @Option(help: "Concurrent clients.")
    var concurrency = 32

    @Option(help: "Texts per request.")
    var textsPerRequest = 1

    @Option(help: "Longest input in tokens (inputs are truncated to it).")
    var maxLength = 128

    @Option(help: "Where the synthetic adapters are written (reused when present).")
    var adapterDir: String?

    @Option(help: "Seed of the synthetic adapters.")
    var seed: UInt64 = 0

    @Flag(help: "Also run every count in the naive mode: merge and unmerge one adapter per request.")
    var naiveSwap = false

    @Flag(help: "Only the JSON object (otherwise a line per measured run also goes to stderr).")
    var json = false

    @Flag(help: "Send requests to the runtime in process instead of over HTTP (what the engine sustains alone).")
    var inProcess = false

    @Option(help: "Cold-start probes: requests sent one at a time to adapters that are cold (after the last count).")
    var coldProbes = 10

    @Option(help: "Run a soak of this many seconds instead (mixed traffic, adapter churn, bad inputs).")
    var soak: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds each GEMM configuration is timed before the runs, for the machine's matrix-product ceiling "
                + "(0 skips it).", valueName: "seconds"))
    var gemmCeilingSeconds = 0.5

    @OptionGroup var tuning: ServingTuningOptions

    func validate() throws {
        guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--adapters takes positive counts, e.g. 1,10,100,1000")
        }
        guard requests > 0, concurrency > 0, textsPerRequest > 0 else {
            throw ValidationError("--requests, --concurrency and --texts-per-request must be positive")
        }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2") }
        guard gemmCeilingSeconds >= 0, gemmCeilingSeconds.isFinite else {
            throw ValidationError("--gemm-ceiling-seconds must be 0 (skip) or a positive number of seconds")
        }
        if let soak, soak < 5 { throw ValidationError("--soak needs at least 5 seconds") }
    }

    var counts: [Int] { adapters.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    /// One measured run.
    struct Run: Codable {
        var adapters: Int
        var mode: String
        var requests: Int
        var seconds: Double
        var requestsPerSecond: Double
        var tokensPerSecond: Double
        var latencyMs: Latency
        var statuses: [String: Int]
        var transportErrors: Int
        /// Resident memory with the server up and no request served yet (the base model and the runtime).
        var rssEngineMb: Double?
        /// Resident memory after the same traffic to a single adapter: the engine at its working size (batch
        /// buffers, connections) with one adapter — the base the adapters' memory is counted from.
        var rssBaseMb: Double?
        var rssBeforeMb: Double?
        var rssAfterMb: Double?
        /// The bound: base + hot budget + warm budget + 64 MiB, and whether the run stayed within it.
        var rssBoundMb: Double?
        var withinMemoryBound: Bool?
        var tiers: [String: TierFigures]
        var meanBatchSequences: Double?
        /// The encoder's arithmetic rate over the run (GFLOP/s, ``ServeArithmetic``).
        var encoderGflopsPerSecond: Double?
    }

    /// Latency percentiles in milliseconds.
    struct Latency: Codable {
        var p50: Double, p95: Double, p99: Double, max: Double
        init(_ seconds: [Double]) {
            p50 = (quantile(seconds, 0.5) * 1e4).rounded() / 10
            p95 = (quantile(seconds, 0.95) * 1e4).rounded() / 10
            p99 = (quantile(seconds, 0.99) * 1e4).rounded() / 10
            max = ((seconds.max() ?? 0) * 1e4).rounded() / 10
        }
    }

    /// One tier's counters after a run.
    struct TierFigures: Codable {
        var adapters: Int, residentBytes: Int, budgetBytes: Int, hits: Int, misses: Int, evictions: Int
    }

    /// First requests to cold adapters against requests to a hot one, one at a time on an idle server.
    struct ColdStart: Codable {
        var adapters: Int
        var coldMs: Latency
        var hotMs: Latency
        /// Median cold − median hot: the time the tiers add to a first request.
        var addedMedianMs: Double
    }

    struct Record: Codable {
        var workload: String
        var transport: String
        var model: String
        var requests: Int
        var concurrency: Int
        var textsPerRequest: Int
        var maxLength: Int
        var meanTokensPerText: Double
        var hotBytes: Int
        var warmBytes: Int
        var maxActiveAdapters: Int
        var maxBatchTokens: Int
        var cycleTimeMs: Int
        var runs: [Run]
        var ratios: [String: Double]
        var coldStart: ColdStart?
        /// Arithmetic per text and the machine's GEMM ceiling (absent with `--gemm-ceiling-seconds 0`).
        var arithmetic: ServeArithmetic?
    }

    func run() async throws {
        if let soak {
            try await ServeSoak(command: self, seconds: soak).run()
            return
        }
        var encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        encoder.maxLength = min(maxLength, encoder.model.configuration.maxPositions)
        let folder = URL(
            fileURLWithPath: adapterDir ?? NSTemporaryDirectory() + "foundry-bench-serve-adapters-\(seed)")
        let ids = try SyntheticAdapters.ensure(
            count: counts.max() ?? 1, in: folder, model: encoder.model, seed: seed)
        let texts = try AdaptersCLI.youtubeComments(count: 2000).texts
        let tokenCounts = encoder.tokenize(texts).map(\.count)
        let meanTokens = Double(tokenCounts.reduce(0, +)) / Double(texts.count)
        let arithmetic =
            gemmCeilingSeconds > 0
            ? ServeArithmetic.measure(
                configuration: encoder.model.configuration, tokenCounts: tokenCounts,
                workers: tuning.workers ?? ComputeThreads.availableCPUs, seconds: gemmCeilingSeconds) : nil
        let (store, token) = try BenchStore.make()
        var runs: [Run] = []
        var coldStart: ColdStart?
        for (position, count) in counts.enumerated() {
            for naive in naiveSwap ? [false, true] : [false] {
                var configuration = tuning.configuration(maxInputTokens: maxLength, refuseLongInputs: false)
                configuration.naiveSwap = naive
                let source = DirectoryAdapterSource(directory: folder)
                let cache = try AdapterCache(model: encoder.model, sources: [source], budgets: configuration.budgets)
                let runtime = ServingRuntime(encoder: encoder, cache: cache, configuration: configuration)
                let server = try ServingServer(
                    runtime: runtime, access: .store(ModelAccessGate(store: store)), host: "127.0.0.1", port: 0)
                let running = try await server.start()
                let client = ServingClient(baseURL: running.url, token: token)
                let generator =
                    inProcess
                    ? LoadGenerator(runtime: runtime, concurrency: concurrency)
                    : LoadGenerator(client: client, concurrency: concurrency)
                let workload = (0..<requests).map { index in
                    LoadGenerator.Request(
                        path: "/v1/classify",
                        body: [
                            "model": ids[index % count],
                            "input": (0..<textsPerRequest).map { texts[(index * textsPerRequest + $0) % texts.count] },
                        ])
                }
                let engineBase = ProcessMemory.residentBytes()
                // Warm-up, not measured: the same traffic to one adapter, so the engine's batch buffers, the
                // connections and the allocator reach their working size before the base is read; then the real
                // workload's first requests (up to 2 × concurrency).
                let warmUp = workload.prefix(min(workload.count, 4 * concurrency)).map { request in
                    var single = request
                    single.body["model"] = ids[0]
                    return single
                }
                _ = await generator.run(warmUp)
                let base = ProcessMemory.residentBytes()
                _ = await generator.run(Array(workload.prefix(min(workload.count, 2 * concurrency))))
                let before = ProcessMemory.residentBytes()
                let batchesBefore = runtime.batchTotals()
                let outcome = await generator.run(workload)
                let batchesAfter = runtime.batchTotals()
                let after = ProcessMemory.residentBytes()
                let tokens = Double(requests * textsPerRequest) * meanTokens
                let batches = batchesAfter.batches - batchesBefore.batches
                runs.append(
                    Run(
                        adapters: count, mode: naive ? "naive-swap" : "batched", requests: requests,
                        seconds: (outcome.seconds * 1000).rounded() / 1000,
                        requestsPerSecond: (Double(requests) / outcome.seconds * 10).rounded() / 10,
                        tokensPerSecond: (tokens / outcome.seconds).rounded(),
                        latencyMs: Latency(outcome.latencies),
                        statuses: Dictionary(uniqueKeysWithValues: outcome.statuses.map { (String($0), $1) }),
                        transportErrors: outcome.transportErrors, rssEngineMb: engineBase.map(Self.megabytes),
                        rssBaseMb: base.map(Self.megabytes),
                        rssBeforeMb: before.map(Self.megabytes), rssAfterMb: after.map(Self.megabytes),
                        rssBoundMb: base.map { Self.megabytes($0 + tuning.hotBytes + tuning.warmBytes + (64 << 20)) },
                        withinMemoryBound: base.flatMap { base in
                            after.map { $0 <= base + tuning.hotBytes + tuning.warmBytes + (64 << 20) }
                        },
                        tiers: Self.tiers(cache.statistics()),
                        meanBatchSequences: batches > 0
                            ? ((batchesAfter.sequences - batchesBefore.sequences) / batches * 10).rounded() / 10 : nil,
                        encoderGflopsPerSecond: arithmetic?.gflopsPerSecond(
                            texts: requests * textsPerRequest, seconds: outcome.seconds)))
                if !json, let run = runs.last {
                    FileHandle.standardError.write(
                        Data(
                            ("bench serve: \(run.adapters) adapters, \(run.mode): \(run.requestsPerSecond) requests/s, "
                                + "p50 \(run.latencyMs.p50) ms, p99 \(run.latencyMs.p99) ms\n").utf8))
                }
                if !naive, position == counts.count - 1, coldProbes > 0 {
                    coldStart = await Self.probeColdStarts(
                        client: client, cache: cache, ids: Array(ids.prefix(count)), probes: coldProbes,
                        text: texts[0])
                }
                await running.stop()
            }
        }
        try printBenchJSON(
            Record(
                workload:
                    "closed loop: request i → adapter i mod N (uniform), classification of YouTube comments "
                    + "(cycled), bearer-token auth on every request",
                transport: inProcess ? "in-process (no HTTP)" : "HTTP/1.1 over loopback, URLSession clients",
                model: model, requests: requests, concurrency: concurrency, textsPerRequest: textsPerRequest,
                maxLength: maxLength, meanTokensPerText: (meanTokens * 10).rounded() / 10,
                hotBytes: tuning.hotBytes, warmBytes: tuning.warmBytes, maxActiveAdapters: tuning.maxActiveAdapters,
                maxBatchTokens: tuning.maxBatchTokens, cycleTimeMs: tuning.cycleTimeMs, runs: runs,
                ratios: Self.ratios(runs, ceiling: arithmetic?.gemmCeilingGflopsPerSecond), coldStart: coldStart,
                arithmetic: arithmetic))
    }

    static func megabytes(_ bytes: Int) -> Double { (Double(bytes) / 1_048_576 * 10).rounded() / 10 }

    static func tiers(_ statistics: AdapterCacheStatistics) -> [String: TierFigures] {
        var out: [String: TierFigures] = [:]
        for tier in AdapterTier.allCases {
            let figures = statistics[tier]
            out[tier.rawValue] = TierFigures(
                adapters: figures.adapters, residentBytes: figures.residentBytes, budgetBytes: figures.budgetBytes,
                hits: figures.hits, misses: figures.misses, evictions: figures.evictions)
        }
        return out
    }

    /// `N adapters ÷ 1 adapter` and `batched ÷ naive` throughput ratios, and with a GEMM `ceiling` (GFLOP/s) the
    /// largest batched ÷ naive ratio the machine allows (`ceiling_over_naive_N`, see ``ServeArithmetic``).
    static func ratios(_ runs: [Run], ceiling: Double? = nil) -> [String: Double] {
        var ratios: [String: Double] = [:]
        let batched = runs.filter { $0.mode == "batched" }
        if let single = batched.first(where: { $0.adapters == 1 }) {
            for run in batched where run.adapters > 1 {
                ratios["adapters_\(run.adapters)_over_1"] =
                    (run.requestsPerSecond / single.requestsPerSecond * 1000).rounded() / 1000
            }
        }
        for run in batched {
            if let naive = runs.first(where: { $0.mode == "naive-swap" && $0.adapters == run.adapters }) {
                ratios["batched_over_naive_\(run.adapters)"] =
                    (run.requestsPerSecond / naive.requestsPerSecond * 1000).rounded() / 1000
                if let ceiling, let rate = naive.encoderGflopsPerSecond, rate > 0 {
                    ratios["ceiling_over_naive_\(run.adapters)"] = (ceiling / rate * 1000).rounded() / 1000
                }
            }
        }
        return ratios
    }

    /// Sends one request at a time to adapters that are cold, and to one that is hot, on the idle server.
    static func probeColdStarts(
        client: ServingClient, cache: AdapterCache, ids: [String], probes: Int, text: String
    ) async -> ColdStart? {
        let cold = ids.filter { cache.tier(of: $0) == .cold }.prefix(probes)
        guard !cold.isEmpty, let hot = ids.first(where: { cache.tier(of: $0) == .hot }) ?? ids.first else {
            return nil
        }
        func time(_ id: String) async -> Double? {
            let start = monotonicSeconds()
            guard let reply = try? await client.post("/v1/classify", json: ["model": id, "input": [text]]),
                reply.status == 200
            else { return nil }
            return monotonicSeconds() - start
        }
        var coldTimes: [Double] = []
        var hotTimes: [Double] = []
        for id in cold {
            if let seconds = await time(hot) { hotTimes.append(seconds) }
            if let seconds = await time(id) { coldTimes.append(seconds) }
        }
        guard !coldTimes.isEmpty, !hotTimes.isEmpty else { return nil }
        return ColdStart(
            adapters: ids.count, coldMs: Latency(coldTimes), hotMs: Latency(hotTimes),
            addedMedianMs: ((quantile(coldTimes, 0.5) - quantile(hotTimes, 0.5)) * 1e4).rounded() / 10)
    }
}

/// A temporary store with one owner, whose token the benchmark's clients send.
enum BenchStore {
    static func make() throws -> (SQLiteDatasetStore, String) {
        let (store, token, _) = try makeFile()
        return (store, token)
    }

    /// The same, with the store file's path (for a server started as a child process).
    static func makeFile() throws -> (store: SQLiteDatasetStore, token: String, path: String) {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("foundry-bench-serve-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("store.sqlite").path
        let store = try SQLiteDatasetStore(path: path, create: true)
        let owner = try store.bootstrapOwner(name: "bench", kind: .service)
        return (store, owner.token, path)
    }
}
