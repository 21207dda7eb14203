import Adapters
import Foundation

import FoundryCore
import Merging

/// The serving engine as one object: tokenizes requests, queues them per adapter, and runs batches that mix adapters
/// on worker threads, with adapters promoted through the tiers as they are needed.
///
/// ```swift
/// let encoder = try SentenceEncoder(directory: modelFolder)
/// let cache = try AdapterCache(
///     model: encoder.model, sources: [DirectoryAdapterSource(directory: adapters)], budgets: configuration.budgets)
/// let runtime = ServingRuntime(encoder: encoder, cache: cache, configuration: configuration)
/// runtime.start()
/// let answer = try await runtime.classify(model: .adapter("spam"), texts: ["WIN a FREE prize!!!"])
/// ```
///
/// Requests wait in ``AdapterScheduler`` queues; each worker takes a batch (at most `maxBatchTokens` tokens from the
/// active adapters), acquires its adapters from the ``AdapterCache`` and runs one ``InferenceSession`` pass for all of
/// it. A request for a cold adapter starts its prefetch as soon as it is queued.
public final class ServingRuntime: Sendable {
    /// Tokenizer and base encoder.
    public let encoder: SentenceEncoder
    /// The adapter tiers.
    public let cache: AdapterCache
    /// Counters, histograms and gauges for `/metrics`.
    public let metrics: ServingMetrics
    /// The settings.
    public let configuration: ServingConfiguration
    /// The base model's name in `/v1/models` and in answers.
    public let baseName: String
    let scheduler: AdapterScheduler<PendingRequest>
    private let classNamesOf: @Sendable (String) -> [String]?
    private let state = RuntimeState()

    /// Creates a runtime; call ``start()`` to begin serving.
    ///
    /// - Parameters:
    ///   - encoder: tokenizer and base model (loaded once, shared by every adapter).
    ///   - cache: the adapter tiers over the adapters' sources.
    ///   - configuration: budgets are the cache's; the rest is read here.
    ///   - baseName: the base model's name (requests may name it instead of `base`).
    ///   - classNames: the class names of an adapter's head, when its files say them (nil: `LABEL_0`, `LABEL_1`, …).
    public init(
        encoder: SentenceEncoder, cache: AdapterCache, configuration: ServingConfiguration,
        baseName: String = "base", metrics: ServingMetrics = ServingMetrics(),
        classNames: @escaping @Sendable (String) -> [String]? = { _ in nil }
    ) {
        self.encoder = encoder
        self.cache = cache
        self.configuration = configuration
        self.baseName = baseName
        self.metrics = metrics
        self.classNamesOf = classNames
        scheduler = AdapterScheduler(configuration: configuration.scheduler)
    }

    /// The token limit inputs are truncated to or refused at.
    public var maxInputTokens: Int {
        min(
            configuration.maxInputTokens ?? encoder.model.configuration.maxPositions,
            encoder.model.configuration.maxPositions)
    }

    /// Whether the runtime takes requests: started and not draining.
    public var isReady: Bool { state.phase == .running }

    /// Starts the worker threads (once).
    public func start() {
        guard state.begin() else { return }
        Self.releaseLargeBuffersToTheSystem()
        // One session prepared here (the stacked projections, ~10 MB for MiniLM) and copied to each worker: the copies
        // share those weights, and the memory is in place before the first request.
        let prepared = InferenceSession(model: encoder.model)
        let thread = Thread { [self] in
            runWorkers(prepared)
            state.finish()
        }
        thread.name = "foundry-serving"
        thread.start()
    }

    /// Classifies texts with an adapter's head.
    ///
    /// - Throws: ``ServingError`` — `invalidRequest` (no texts, an empty text, too many), `inputTooLong` (refuse
    ///   policy), `unknownAdapter`, `noClassificationHead` (the base, or a merge of heads that differ), `queueFull`,
    ///   `draining`, `deadlineExceeded`, `adapterIncompatible`/`adapterLoadFailed` (found when it is first loaded).
    public func classify(model: ModelSelector, texts: [String]) async throws -> ClassificationResult {
        guard let id = try await resolve(model) else {
            throw ServingError.noClassificationHead(id: baseName, reason: "the base model has no head; name an adapter")
        }
        if state.isHeadless(id) {
            throw ServingError.noClassificationHead(
                id: id, reason: "its adapters' heads differ in classes or pooling; use /v1/embeddings")
        }
        let (sequences, truncated) = try tokenize(texts)
        let output = try await submitRebuildingMerges(model, kind: .classify, adapterID: id, sequences: sequences)
        var results: [TextClassification] = []
        var classCount = 0
        for (index, logits) in output.logits.enumerated() {
            guard let logits else {
                throw ServingError.internalFailure(reason: "no logits for input[\(index)]")
            }
            classCount = logits.count
            results.append(Self.classification(logits))
        }
        let names = classNames(of: id, count: classCount)
        for index in results.indices { results[index].className = names[results[index].label] }
        return ClassificationResult(
            model: model.description, classNames: names, results: results,
            promptTokens: sequences.reduce(0) { $0 + $1.count }, truncated: truncated)
    }

    /// Embeds texts (mean pooling, then L2 normalization) with an adapter or the base.
    ///
    /// - Throws: as ``classify(model:texts:)``, except that the base needs no head.
    public func embed(model: ModelSelector, texts: [String]) async throws -> EmbeddingResult {
        let id = try await resolve(model)
        let (sequences, truncated) = try tokenize(texts)
        let output = try await submitRebuildingMerges(model, kind: .embed, adapterID: id, sequences: sequences)
        let embeddings = output.meanPooled.map { row -> [Float] in
            let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return row.map { $0 / norm }
        }
        return EmbeddingResult(
            model: model.description, embeddings: embeddings, promptTokens: sequences.reduce(0) { $0 + $1.count },
            truncated: truncated)
    }

    /// The base and every registered adapter with its tier, sorted by id after the base.
    public func models() -> [ServedModel] {
        [ServedModel(id: baseName, kind: "base", tier: nil, pinned: false)]
            + cache.entries().map { entry in
                ServedModel(
                    id: entry.id, kind: state.isDerived(entry.id) ? "merge" : "adapter", tier: entry.tier,
                    pinned: entry.pinned)
            }
    }

    /// Registers an adapter folder at run time (loaded and checked against the base now).
    ///
    /// - Throws: `adapterExists`, `adapterLoadFailed`, `adapterIncompatible`, `adapterTooLarge`; nothing changes then.
    public func register(id: String, directory: URL) throws {
        try Self.validateID(id)
        try cache.register(id: id, directory: directory)
    }

    /// Unregisters an adapter: answers its queued requests `unknown_adapter`, drops merges built from it, and forgets
    /// it in every tier (its files stay on disk).
    ///
    /// - Returns: whether it was registered.
    public func unregister(id: String) -> Bool {
        for item in scheduler.removeAll(for: id) {
            item.payload.continuation.resume(throwing: ServingError.unknownAdapter(id: id))
        }
        for derived in state.derived(using: id) {
            for item in scheduler.removeAll(for: derived) {
                item.payload.continuation.resume(throwing: ServingError.unknownAdapter(id: id))
            }
            _ = cache.unregister(derived)
            state.forgetDerived(derived)
        }
        return cache.unregister(id)
    }

    /// Stops taking requests, lets the workers finish what is queued, and waits for them up to `grace`; whatever is
    /// still queued then is answered `shutting_down`.
    ///
    /// - Returns: whether everything queued finished within the grace period.
    @discardableResult
    public func drain(grace: Duration) async -> Bool {
        state.beginDrain()
        scheduler.beginDrain()
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, !Task.isCancelled {
            if state.phase == .stopped || !state.hasStarted { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Out of time: what is still queued is answered, never dropped.
        for item in scheduler.removeAll() { item.payload.continuation.resume(throwing: ServingError.draining) }
        return state.phase == .stopped
    }

    /// Batches run and sequences in them since the start (for benchmarks: the mean batch size between two readings).
    public func batchTotals() -> (batches: Double, sequences: Double) { state.batchTotals }

    /// The Prometheus text of ``metrics`` after refreshing the gauges that describe the current state (queue depth,
    /// tier occupancy and counters, active adapters, resident memory).
    public func prometheusText() -> String {
        let statistics = cache.statistics()
        for tier in AdapterTier.allCases {
            let tierStatistics = statistics[tier]
            let labels = ["tier": tier.rawValue]
            metrics.setGauge(
                "foundry_adapters", help: "Adapters per tier.", labels: labels, value: Double(tierStatistics.adapters))
            metrics.setGauge(
                "foundry_adapter_resident_bytes", help: "Bytes of adapters held per tier.", labels: labels,
                value: Double(tierStatistics.residentBytes))
            metrics.setGauge(
                "foundry_adapter_budget_bytes", help: "Byte budget per tier.", labels: labels,
                value: Double(tierStatistics.budgetBytes))
            metrics.setCounter(
                "foundry_adapter_tier_hits_total", help: "Adapter lookups found in this tier.", labels: labels,
                value: Double(tierStatistics.hits))
            metrics.setCounter(
                "foundry_adapter_tier_misses_total", help: "Adapter lookups that had to read the cold tier.",
                labels: labels, value: Double(tierStatistics.misses))
            metrics.setCounter(
                "foundry_adapter_tier_evictions_total", help: "Adapters evicted from this tier.", labels: labels,
                value: Double(tierStatistics.evictions))
        }
        metrics.setCounter(
            "foundry_adapter_prefetches_total", help: "Cold adapters read ahead because a request for them was queued.",
            labels: [:], value: Double(statistics.prefetches))
        metrics.mirror(scheduler)
        if let resident = ProcessMemory.residentBytes() {
            metrics.setGauge(
                "foundry_process_resident_bytes", help: "Resident memory of the server process (VmRSS).", labels: [:],
                value: Double(resident))
        }
        return metrics.prometheusText()
    }

    // MARK: - Requests

    private func tokenize(_ texts: [String]) throws -> (sequences: [[Int32]], truncated: [Int]) {
        guard !texts.isEmpty else { throw ServingError.invalidRequest(field: "input", reason: "no texts given") }
        guard texts.count <= configuration.maxInputsPerRequest else {
            throw ServingError.invalidRequest(
                field: "input",
                reason: "\(texts.count) texts; at most \(configuration.maxInputsPerRequest) per request")
        }
        let limit = maxInputTokens
        var sequences: [[Int32]] = []
        var truncated: [Int] = []
        sequences.reserveCapacity(texts.count)
        for (index, text) in texts.enumerated() {
            guard !text.isEmpty else {
                throw ServingError.invalidRequest(field: "input[\(index)]", reason: "empty text")
            }
            let pieces = encoder.tokenizer.tokenIDs(text)
            if pieces.count + 2 > limit {
                if configuration.longInputs == .refuse {
                    throw ServingError.inputTooLong(index: index, tokens: pieces.count + 2, limit: limit)
                }
                truncated.append(index)
            }
            sequences.append(
                [encoder.tokenizer.classifierTokenID] + pieces.prefix(limit - 2) + [encoder.tokenizer.separatorTokenID])
        }
        return (sequences, truncated)
    }

    /// ``submit(kind:adapterID:sequences:)``; a merge the cache dropped (evicted from warm) between resolving it and
    /// running it is built again once, rather than answered as unknown.
    private func submitRebuildingMerges(
        _ selector: ModelSelector, kind: RequestKind, adapterID: String?, sequences: [[Int32]]
    ) async throws -> EngineOutput {
        do {
            return try await submit(kind: kind, adapterID: adapterID, sequences: sequences)
        } catch ServingError.unknownAdapter(let missing) where missing == adapterID && state.isDerived(missing) {
            let rebuilt = try await resolve(selector)
            return try await submit(kind: kind, adapterID: rebuilt, sequences: sequences)
        }
    }

    private func submit(kind: RequestKind, adapterID: String?, sequences: [[Int32]]) async throws -> EngineOutput {
        guard state.phase == .running else { throw ServingError.draining }
        let now = ContinuousClock.now
        let deadline = configuration.requestTimeout.map { now + $0 }
        let tokens = sequences.reduce(0) { $0 + $1.count }
        return try await withCheckedThrowingContinuation { continuation in
            let request = PendingRequest(
                kind: kind, adapterID: adapterID, sequences: sequences, continuation: continuation)
            do {
                // Read-ahead starts before the request is queued: once queued, a worker may take it and load the
                // adapter itself first, and the prefetch would then race the load (and miss its count).
                if let adapterID, cache.tier(of: adapterID) == .cold { cache.prefetch(adapterID) }
                try scheduler.enqueue(
                    ScheduledItem(
                        adapter: adapterID, tokens: tokens, enqueuedAt: now, deadline: deadline, payload: request))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// The cache id a selector runs with, building (once) and registering a merge.
    private func resolve(_ selector: ModelSelector) async throws -> String? {
        switch selector {
        case .base:
            return nil
        case let .adapter(id):
            guard cache.contains(id) else { throw ServingError.unknownAdapter(id: id) }
            return id
        case let .merge(parts):
            let id = selector.description
            if cache.contains(id) { return id }
            for part in parts where !cache.contains(part.id) { throw ServingError.unknownAdapter(id: part.id) }
            // A merge is heavy: it runs on a thread of its own, neither on the server's task threads nor on
            // Swift's cooperative pool, which the embedding process may have blocked.
            let mergeThread = DedicatedThreadExecutor(name: "foundry-serve-merge")
            defer { mergeThread.shutdown() }
            let merged = try await Task.detached(executorPreference: mergeThread) { [cache] in
                let inputs = try parts.map { part in
                    AdapterMergeInput(name: part.id, path: part.id, adapter: try cache.acquire(part.id))
                }
                var settings = AdapterMerge.Configuration(method: .linear)
                settings.weights = parts.map(\.weight)
                let heads = inputs.map(\.adapter.head)
                let sameHeads = heads.allSatisfy {
                    $0.classCount == heads[0].classCount && $0.pooling == heads[0].pooling
                }
                settings.head = sameHeads ? .average : .firstTask
                do {
                    return (try AdapterMerge.merge(inputs, configuration: settings).adapter, sameHeads)
                } catch {
                    throw ServingError.invalidRequest(field: "model", reason: "cannot merge \(id): \(error)")
                }
            }.value
            do {
                try cache.register(id: id, adapter: merged.0)
            } catch ServingError.adapterExists {
                // Another request built the same merge meanwhile.
            }
            state.recordDerived(id, parts: parts.map(\.id), headless: !merged.1)
            return id
        }
    }

    private func classNames(of id: String, count: Int) -> [String] {
        if let names = classNamesOf(id), names.count == count { return names }
        if let parts = state.parts(of: id), let first = parts.first, let names = classNamesOf(first),
            names.count == count
        {
            return names
        }
        return (0..<count).map { "LABEL_\($0)" }
    }

    static func classification(_ logits: [Float]) -> TextClassification {
        let maximum = logits.max() ?? 0
        let exps = logits.map { Double(expf($0 - maximum)) }
        let sum = exps.reduce(0, +)
        let probabilities = exps.map { $0 / sum }
        var best = 0
        for c in probabilities.indices where probabilities[c] > probabilities[best] { best = c }
        return TextClassification(label: best, className: "", probabilities: probabilities)
    }

    static func validateID(_ id: String) throws {
        guard !id.isEmpty, id.count <= 200, id != "base",
            id.unicodeScalars.allSatisfy({
                !CharacterSet.controlCharacters.contains($0) && $0 != ":" && $0 != "," && $0 != "/"
            })
        else {
            throw ServingError.invalidRequest(
                field: "id",
                reason: "an adapter id is 1–200 characters without ':', ',', '/' or control characters, and not 'base'")
        }
    }

    // MARK: - Workers

    /// Adapters come and go as buffers of a few hundred kilobytes; with glibc's default (sliding) mmap threshold,
    /// resident memory crept up with adapter churn — 1,000 adapters through a 32-adapter hot tier grew 46 MB past the
    /// tiers' budgets, and none with the threshold fixed (``AllocatorPolicy``).
    static func releaseLargeBuffersToTheSystem() {
        AllocatorPolicy.returnLargeBuffersToTheSystem()
    }

    private func runWorkers(_ prepared: InferenceSession) {
        if configuration.naiveSwap {
            // One copy of the base holds one adapter at a time: requests run one after another, each on every core.
            var session = prepared
            while let batch = scheduler.waitForBatch() {
                processSwapping(batch, session: &session, loopThreads: nil)
            }
            return
        }
        let requested = configuration.workers
        ComputeThreads.withBLASPerWorker { cores in
            let workers = max(1, requested ?? cores)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var session = prepared
                while let batch = scheduler.waitForBatch() {
                    process(batch, session: &session, loopThreads: workers > 1 ? 1 : nil)
                }
            }
        }
    }

    private func answerExpired(_ batch: ScheduledBatch<PendingRequest>) {
        let now = ContinuousClock.now
        for item in batch.expired {
            let waited = item.enqueuedAt.duration(to: now)
            item.payload.continuation.resume(
                throwing: ServingError.deadlineExceeded(waitedMilliseconds: Int(waited.milliseconds)))
        }
    }

    /// The naive baseline: each request alone, its adapter folded into the weights before and taken out after.
    private func processSwapping(
        _ batch: ScheduledBatch<PendingRequest>, session: inout InferenceSession, loopThreads: Int?
    ) {
        answerExpired(batch)
        for item in batch.items {
            let start = ContinuousClock.now
            let tokens = TokenBatch(item.payload.sequences)
            do {
                let adapter = try item.payload.adapterID.map { try cache.acquire($0) }
                if let adapter { session.fold(adapter, sign: 1) }
                let output = session.run(
                    tokens, head: item.payload.kind == .classify ? adapter?.head : nil, loopThreads: loopThreads)
                if let adapter { session.fold(adapter, sign: -1) }
                item.payload.continuation.resume(
                    returning: EngineOutput(meanPooled: output.meanPooled, logits: output.logits))
            } catch {
                item.payload.continuation.resume(throwing: error)
            }
            state.recordBatch(sequences: tokens.count)
            metrics.recordBatch(
                sequences: tokens.count, tokens: tokens.tokenCount, adapters: 1,
                seconds: Double(start.duration(to: .now).milliseconds) / 1000)
        }
    }

    private func process(
        _ batch: ScheduledBatch<PendingRequest>, session: inout InferenceSession, loopThreads: Int?
    ) {
        answerExpired(batch)
        guard !batch.items.isEmpty else { return }
        let start = ContinuousClock.now
        // Acquire each adapter once; the requests of an adapter that cannot be loaded are answered with why.
        var adapters: [LoRAAdapter] = []
        var slot: [String: Int] = [:]
        var failures: [String: any Error] = [:]
        for id in batch.items.compactMap(\.payload.adapterID) where slot[id] == nil && failures[id] == nil {
            do {
                let adapter = try cache.acquire(id)
                slot[id] = adapters.count
                adapters.append(adapter)
            } catch {
                failures[id] = error
            }
        }
        var runnable: [ScheduledItem<PendingRequest>] = []
        for item in batch.items {
            if let id = item.payload.adapterID, let failure = failures[id] {
                item.payload.continuation.resume(throwing: failure)
            } else {
                runnable.append(item)
            }
        }
        var sequences: [[Int32]] = []
        var indices: [Int?] = []
        var classify: [Bool] = []
        for item in runnable {
            let index = item.payload.adapterID.flatMap { slot[$0] }
            for sequence in item.payload.sequences {
                sequences.append(sequence)
                indices.append(index)
                classify.append(item.payload.kind == .classify)
            }
        }
        guard !sequences.isEmpty else { return }
        let output = session.run(
            TokenBatch(sequences), assignment: AdapterAssignment(adapters: adapters, adapterIndices: indices),
            classify: classify, loopThreads: loopThreads)
        var offset = 0
        for item in runnable {
            let count = item.payload.sequences.count
            item.payload.continuation.resume(
                returning: EngineOutput(
                    meanPooled: Array(output.meanPooled[offset..<(offset + count)]),
                    logits: Array(output.logits[offset..<(offset + count)])))
            offset += count
        }
        let seconds = Double(start.duration(to: .now).milliseconds) / 1000
        state.recordBatch(sequences: sequences.count)
        metrics.recordBatch(
            sequences: sequences.count, tokens: sequences.reduce(0) { $0 + $1.count },
            adapters: adapters.count + (indices.contains(nil) ? 1 : 0),
            seconds: seconds)
    }
}

extension Duration {
    /// Whole milliseconds (rounded down).
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
