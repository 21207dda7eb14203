import Adapters
import Foundation

/// Many LoRA adapters over one base model in three tiers under byte budgets: hot (decoded ``LoRAAdapter``s, what the
/// engine reads), warm (``SerializedAdapter`` bytes in memory) and cold (on disk, known to an ``AdapterSource``).
///
/// - ``acquire(_:)`` promotes an adapter to hot: cold → read from its source (a warm copy is kept too when it fits)
///   → decode → hot; warm → decode → hot. To stay in budget it evicts the least recently used unpinned hot adapters to
///   warm, and the least recently used warm ones to cold, so that after every operation the hot tier holds at most
///   ``AdapterTierBudgets/hotBytes`` and the warm tier at most ``AdapterTierBudgets/warmBytes``.
/// - ``prefetch(_:)`` reads a cold adapter into warm in the background; an error it meets is thrown by the next
///   ``acquire(_:)`` of that adapter.
/// - ``pin(_:)`` keeps an adapter hot until ``unpin(_:)``; pinned adapters count against the hot budget.
/// - Adapters can be added at run time from a folder (``register(id:directory:)``) or as derived adapters (per-request
///   merges, ``register(id:adapter:)``), and forgotten (``unregister(_:)``).
///
/// Registering a source lists its ids only: no tensor is read until an adapter is used (a thousand cold adapters cost
/// a thousand small entries). Byte accounting: hot = 4 × the scalars of the factors and head (``hotBytes(of:)``);
/// warm = ``SerializedAdapter/byteCount``.
///
/// Thread-safe. Disk reads and decoding happen outside the lock; concurrent acquires of one adapter share one load
/// (the later callers block their thread until it finishes). ``acquire(_:)`` is synchronous and may block for a read
/// and decode (milliseconds): call it from a worker thread (the engine's), not from many tasks of the cooperative pool.
///
/// `@unchecked Sendable` invariant: `registry`, `clock`, `serials`, `hotResident`, `warmResident`, `counters` and
/// `nextLane` are only read or written while holding `lock`; `hotResident` and `warmResident` always equal the sums of
/// the hot and warm bytes of `registry`, and are within the budgets whenever the lock is released. `model`, `budgets`,
/// `sources` and `lanes` are immutable.
public final class AdapterCache: @unchecked Sendable {
    /// Where an entry's cold copy lives.
    private enum Origin {
        /// A source the adapter can be read (again) from.
        case source(any AdapterSource)
        /// A derived adapter (a merge) with no copy on disk: dropped from the registry when evicted from warm.
        case derived
    }

    /// One registered adapter.
    private struct Entry {
        /// Unique per registration, so a load finishing after an unregister (and re-register) is recognised.
        let serial: UInt64
        let origin: Origin
        var hot: LoRAAdapter?
        var hotBytes = 0
        var warm: SerializedAdapter?
        var pinned = false
        var lastUsed: UInt64 = 0
        var loading: PendingLoad?
        /// `loading` is a prefetch waiting for its turn on a lane: an acquire takes the load over instead of waiting.
        var prefetchQueued = false
        /// An error met by a prefetch, thrown by the next acquire.
        var failure: ServingError?

        init(serial: UInt64, origin: Origin) {
            self.serial = serial
            self.origin = origin
        }

        var tier: AdapterTier { hot != nil ? .hot : (warm != nil ? .warm : .cold) }
    }

    private struct Counters {
        var hotHits = 0
        var warmHits = 0
        var coldAcquires = 0
        var reads = 0
        var failures = 0
        var hotEvictions = 0
        var warmEvictions = 0
        var prefetches = 0
        var dropped = 0
    }

    /// The base model every adapter must fit.
    public let model: BertModel
    /// The tiers' budgets.
    public let budgets: AdapterTierBudgets
    private let lock = NSLock()
    private var registry: [String: Entry] = [:]
    private var clock: UInt64 = 0
    private var serials: UInt64 = 0
    private var hotResident = 0
    private var warmResident = 0
    private var counters = Counters()
    private var nextLane = 0
    /// Serial queues the prefetches run on (bounded concurrency for disk reads).
    private let lanes: [DispatchQueue]
    /// The sources given at creation (listed again by ``refresh()``).
    private let sources: [any AdapterSource]

    /// Creates a cache over the adapters the sources list (all cold; nothing is read).
    /// - Parameters:
    ///   - model: the base model.
    ///   - sources: where the adapters are; their ids must be distinct.
    ///   - budgets: the hot and warm byte budgets.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` for a budget that is not positive (hot) or negative
    ///   (warm) or a source that cannot be listed; ``ServingError/adapterExists(id:)`` when two sources offer one id.
    public init(model: BertModel, sources: [any AdapterSource], budgets: AdapterTierBudgets = AdapterTierBudgets())
        throws
    {
        guard budgets.hotBytes > 0 else {
            throw ServingError.invalidRequest(field: "hot_bytes", reason: "must be positive, got \(budgets.hotBytes)")
        }
        guard budgets.warmBytes >= 0 else {
            throw ServingError.invalidRequest(
                field: "warm_bytes", reason: "must not be negative, got \(budgets.warmBytes)")
        }
        self.model = model
        self.budgets = budgets
        self.sources = sources
        lanes = (0..<2).map { DispatchQueue(label: "foundry.adapter-cache.prefetch.\($0)", qos: .utility) }
        for source in sources {
            for id in try source.adapterIDs() {
                guard registry[id] == nil else { throw ServingError.adapterExists(id: id) }
                serials += 1
                registry[id] = Entry(serial: serials, origin: .source(source))
            }
        }
    }

    /// The hot-tier cost of a decoded adapter: 4 bytes per scalar of its factors and head.
    public static func hotBytes(of adapter: LoRAAdapter) -> Int {
        var scalars = adapter.head.weight.count + adapter.head.bias.count
        for layer in adapter.factors {
            for factor in layer.values { scalars += factor.down.count + factor.up.count }
        }
        return 4 * scalars
    }

    // MARK: Registration

    /// Loads the adapter folder `directory` now and registers it as `id`, hot (warm when pinned adapters fill the hot
    /// tier).
    ///
    /// The files are read and decoded before anything changes: on any error the registry is as it was. Afterwards
    /// the folder is the adapter's cold copy (read again after eviction).
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` for an empty id; ``ServingError/adapterExists(id:)``;
    ///   ``ServingError/adapterLoadFailed(id:reason:)`` naming a missing or malformed file;
    ///   ``ServingError/adapterIncompatible(id:reason:)`` when its shapes do not fit the base;
    ///   ``ServingError/adapterTooLarge(id:bytes:hotBudget:)``.
    public func register(id: String, directory: URL) throws {
        try checkNewID(id)
        let source = SingleDirectoryAdapterSource(id: id, directory: directory)
        let bytes = try source.read(id)
        let adapter = try bytes.decode(for: model, id: id)
        let size = Self.hotBytes(of: adapter)
        guard size <= budgets.hotBytes else {
            throw ServingError.adapterTooLarge(id: id, bytes: size, hotBudget: budgets.hotBytes)
        }
        lock.lock()
        defer { lock.unlock() }
        guard registry[id] == nil else { throw ServingError.adapterExists(id: id) }
        serials += 1
        registry[id] = Entry(serial: serials, origin: .source(source))
        counters.reads += 1
        touch(id)
        storeWarm(id, bytes)
        if !storeHot(id, adapter, bytes: size, pin: false), registry[id]?.warm == nil {
            registry[id] = nil
            throw ServingError.adapterTooLarge(id: id, bytes: size, hotBudget: budgets.hotBytes - pinnedBytes())
        }
    }

    /// Registers a derived adapter (a per-request merge) as `id`, hot.
    ///
    /// A derived adapter has no copy on disk: evicted from hot it is serialized into warm, and evicted from warm (or
    /// when it does not fit there) it is dropped from the registry entirely — ``contains(_:)`` turns false and the
    /// caller derives it again.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` for an empty id; ``ServingError/adapterExists(id:)``;
    ///   ``ServingError/adapterIncompatible(id:reason:)`` when it does not fit the base;
    ///   ``ServingError/adapterTooLarge(id:bytes:hotBudget:)`` when it fits neither the hot tier beside the pinned
    ///   adapters nor the warm tier.
    public func register(id: String, adapter: LoRAAdapter) throws {
        try checkNewID(id)
        do { try adapter.validate(against: model, path: id) } catch let error as AdaptersError {
            if case let .invalidAdapter(_, reason) = error {
                throw ServingError.adapterIncompatible(id: id, reason: reason)
            }
            throw ServingError.adapterIncompatible(id: id, reason: error.description)
        }
        let size = Self.hotBytes(of: adapter)
        guard size <= budgets.hotBytes else {
            throw ServingError.adapterTooLarge(id: id, bytes: size, hotBudget: budgets.hotBytes)
        }
        lock.lock()
        defer { lock.unlock() }
        guard registry[id] == nil else { throw ServingError.adapterExists(id: id) }
        serials += 1
        registry[id] = Entry(serial: serials, origin: .derived)
        touch(id)
        if !storeHot(id, adapter, bytes: size, pin: false) {
            let stored = (try? SerializedAdapter(adapter: adapter, origin: "derived adapter \(id)")).map {
                storeWarm(id, $0)
            }
            if stored != true {
                registry[id] = nil
                throw ServingError.adapterTooLarge(id: id, bytes: size, hotBudget: budgets.hotBytes - pinnedBytes())
            }
        }
    }

    /// Lists the sources again and registers, cold, the adapters that appeared since (a new adapter folder, a new
    /// adapter branch). Adapters already registered are left as they are, including ones a source no longer lists
    /// (their next load fails with ``ServingError/adapterLoadFailed(id:reason:)``; ``unregister(_:)`` them).
    /// - Returns: the ids added, sorted.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` when a source cannot be listed (nothing is added).
    @discardableResult
    public func refresh() throws -> [String] {
        var listed: [(String, any AdapterSource)] = []
        for source in sources {
            for id in try source.adapterIDs() { listed.append((id, source)) }
        }
        lock.lock()
        defer { lock.unlock() }
        var added: [String] = []
        for (id, source) in listed where registry[id] == nil {
            serials += 1
            registry[id] = Entry(serial: serials, origin: .source(source))
            added.append(id)
        }
        return added.sorted()
    }

    /// Forgets an adapter in every tier (its files on disk are left alone). A load of it in flight finishes with
    /// ``ServingError/unknownAdapter(id:)``.
    /// - Returns: whether it was registered.
    @discardableResult
    public func unregister(_ id: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = registry.removeValue(forKey: id) else { return false }
        hotResident -= entry.hotBytes
        warmResident -= entry.warm?.byteCount ?? 0
        return true
    }

    /// Whether an adapter is registered as `id`.
    public func contains(_ id: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return registry[id] != nil
    }

    /// The adapter's tier, nil when it is not registered.
    public func tier(of id: String) -> AdapterTier? {
        lock.lock()
        defer { lock.unlock() }
        return registry[id]?.tier
    }

    /// Every registered adapter with its tier and whether it is pinned, sorted by id (for `GET /v1/models`).
    public func entries() -> [(id: String, tier: AdapterTier, pinned: Bool)] {
        lock.lock()
        defer { lock.unlock() }
        return registry.map { (id: $0.key, tier: $0.value.tier, pinned: $0.value.pinned) }.sorted { $0.id < $1.id }
    }

    // MARK: Use

    /// The adapter in hot form, promoting it (cold → hot reads the disk, warm → hot decodes) and evicting least
    /// recently used unpinned hot adapters to warm (and warm ones to cold) to stay in budget. Counts a hit in the tier
    /// it was found in, or a miss (see ``AdapterCacheStatistics``); marks it most recently used.
    ///
    /// When pinned adapters leave too little room in the hot tier, the adapter is returned without being kept hot.
    /// - Throws: ``ServingError/unknownAdapter(id:)``; ``ServingError/adapterLoadFailed(id:reason:)`` naming the file;
    ///   ``ServingError/adapterIncompatible(id:reason:)``; ``ServingError/adapterTooLarge(id:bytes:hotBudget:)``; or
    ///   the error a prefetch of the adapter met (once).
    /// - Complexity: O(1) for a hot adapter; a promotion adds the read and decode (O(bytes)) and O(n) per eviction
    ///   for n registered adapters.
    public func acquire(_ id: String) throws -> LoRAAdapter {
        try load(id, pin: false, counting: true)
    }

    /// Makes the adapter hot (like ``acquire(_:)``, not counted as one) and keeps it hot until ``unpin(_:)``.
    /// - Throws: what ``acquire(_:)`` throws; ``ServingError/adapterTooLarge(id:bytes:hotBudget:)`` when the pinned
    ///   adapters together would exceed the hot budget (`hotBudget` is then the room the other pinned adapters leave).
    public func pin(_ id: String) throws {
        _ = try load(id, pin: true, counting: false)
    }

    /// Lets the adapter be evicted again (no-op when it is not pinned or not registered).
    public func unpin(_ id: String) {
        lock.lock()
        registry[id]?.pinned = false
        lock.unlock()
    }

    /// Starts reading a cold adapter into the warm tier in the background (for a request queued for it). No-op when
    /// the adapter is unknown, warm, hot, derived or already loading, or when the warm budget is zero. An error the
    /// read meets is thrown by the next ``acquire(_:)`` of the adapter; a serialized adapter larger than the warm
    /// budget is not kept.
    ///
    /// Prefetches run in order on two background lanes (bounded disk concurrency). An ``acquire(_:)`` of an adapter
    /// whose prefetch has not started yet loads it at once rather than waiting for its turn; one whose prefetch is
    /// reading waits for that read instead of reading again.
    public func prefetch(_ id: String) {
        lock.lock()
        guard budgets.warmBytes > 0, let entry = registry[id], entry.hot == nil, entry.warm == nil,
            entry.loading == nil, case let .source(source) = entry.origin
        else {
            lock.unlock()
            return
        }
        let pending = PendingLoad()
        registry[id]?.loading = pending
        registry[id]?.prefetchQueued = true
        registry[id]?.failure = nil
        counters.prefetches += 1
        let lane = lanes[nextLane % lanes.count]
        nextLane += 1
        let serial = entry.serial
        lock.unlock()
        lane.async { [self] in
            lock.lock()
            guard let current = registry[id], current.serial == serial, current.loading === pending,
                current.prefetchQueued
            else {
                // Unregistered, or an acquire took the load over while this waited for its turn.
                lock.unlock()
                return
            }
            registry[id]?.prefetchQueued = false
            lock.unlock()
            let outcome = Result { try source.read(id) }.mapError { Self.loadError($0, id: id) }
            lock.lock()
            defer { lock.unlock() }
            guard registry[id]?.serial == serial else {
                pending.finish(.failure(.unknownAdapter(id: id)))
                return
            }
            registry[id]?.loading = nil
            switch outcome {
            case let .success(bytes):
                counters.reads += 1
                touch(id)
                storeWarm(id, bytes)
                pending.finish(.success(nil))
            case let .failure(error):
                counters.failures += 1
                registry[id]?.failure = error
                pending.finish(.failure(error))
            }
        }
    }

    /// The tiers' counters and residency.
    public func statistics() -> AdapterCacheStatistics {
        lock.lock()
        defer { lock.unlock() }
        var counts: [AdapterTier: Int] = [:]
        var hot = 0
        var warm = 0
        var pinned = 0
        for entry in registry.values {
            counts[entry.tier, default: 0] += 1
            hot += entry.hotBytes
            warm += entry.warm?.byteCount ?? 0
            if entry.pinned { pinned += 1 }
        }
        assert(hot == hotResident && warm == warmResident, "adapter cache residency drifted")
        return AdapterCacheStatistics(
            hot: .init(
                adapters: counts[.hot] ?? 0, residentBytes: hot, budgetBytes: budgets.hotBytes,
                hits: counters.hotHits, misses: counters.warmHits + counters.coldAcquires,
                evictions: counters.hotEvictions),
            warm: .init(
                adapters: counts[.warm] ?? 0, residentBytes: warm, budgetBytes: budgets.warmBytes,
                hits: counters.warmHits, misses: counters.coldAcquires, evictions: counters.warmEvictions),
            cold: .init(adapters: counts[.cold] ?? 0, hits: counters.reads, misses: counters.failures),
            prefetches: counters.prefetches, droppedDerived: counters.dropped, pinned: pinned)
    }

    // MARK: Loading

    /// Acquires (and optionally pins) an adapter; see ``acquire(_:)``.
    private func load(_ id: String, pin: Bool, counting: Bool) throws -> LoRAAdapter {
        var counted = !counting
        while true {
            lock.lock()
            guard let entry = registry[id] else {
                lock.unlock()
                throw ServingError.unknownAdapter(id: id)
            }
            if let failure = entry.failure {
                registry[id]?.failure = nil
                lock.unlock()
                throw failure
            }
            if let adapter = entry.hot {
                defer { lock.unlock() }
                if !counted { counters.hotHits += 1 }
                touch(id)
                if pin, !entry.pinned {
                    let others = pinnedBytes()
                    guard others + entry.hotBytes <= budgets.hotBytes else {
                        throw ServingError.adapterTooLarge(
                            id: id, bytes: entry.hotBytes, hotBudget: budgets.hotBytes - others)
                    }
                    registry[id]?.pinned = true
                }
                return adapter
            }
            if !counted {
                if entry.warm != nil { counters.warmHits += 1 } else { counters.coldAcquires += 1 }
                counted = true
            }
            if let pending = entry.loading, !entry.prefetchQueued {
                lock.unlock()
                switch pending.wait() {
                case let .success(adapter?) where !pin:
                    return adapter
                case .success:
                    continue
                case let .failure(error):
                    lock.lock()
                    if registry[id]?.failure == error { registry[id]?.failure = nil }
                    lock.unlock()
                    throw error
                }
            }
            // Not loading, or a prefetch still queued behind others: this call loads it now (the prefetch, when its
            // turn comes, sees it was superseded and does nothing).
            let pending = PendingLoad()
            registry[id]?.loading = pending
            registry[id]?.prefetchQueued = false
            lock.unlock()
            return try promote(id, entry: entry, pending: pending, pin: pin)
        }
    }

    /// Reads (when cold) and decodes the adapter outside the lock, then installs it hot and publishes the outcome to
    /// the callers waiting on `pending`.
    private func promote(_ id: String, entry: Entry, pending: PendingLoad, pin: Bool) throws -> LoRAAdapter {
        let warm = entry.warm
        let outcome = Result { () throws -> (SerializedAdapter, LoRAAdapter) in
            let bytes = try warm ?? readCold(id, origin: entry.origin)
            return (bytes, try bytes.decode(for: model, id: id))
        }.mapError { Self.loadError($0, id: id) }

        lock.lock()
        defer { lock.unlock() }
        func fail(_ error: ServingError) -> ServingError {
            pending.finish(.failure(error))
            return error
        }
        guard registry[id]?.serial == entry.serial else { throw fail(.unknownAdapter(id: id)) }
        registry[id]?.loading = nil
        let bytes: SerializedAdapter
        let adapter: LoRAAdapter
        switch outcome {
        case let .failure(error):
            counters.failures += 1
            throw fail(error)
        case let .success(loaded):
            (bytes, adapter) = loaded
        }
        if warm == nil { counters.reads += 1 }
        let size = Self.hotBytes(of: adapter)
        guard size <= budgets.hotBytes else {
            throw fail(.adapterTooLarge(id: id, bytes: size, hotBudget: budgets.hotBytes))
        }
        touch(id)
        if warm == nil { storeWarm(id, bytes) }
        // A pin the hot budget cannot hold beside the other pinned adapters fails for the caller that pins only:
        // callers waiting for the same load still get the adapter.
        let others = pinnedBytes()
        let pinFits = others + size <= budgets.hotBytes
        storeHot(id, adapter, bytes: size, pin: pin && pinFits)
        pending.finish(.success(adapter))
        if pin && !pinFits {
            throw ServingError.adapterTooLarge(id: id, bytes: size, hotBudget: budgets.hotBytes - others)
        }
        return adapter
    }

    /// Reads an adapter's cold copy (a source's "unknown adapter" for a registered id means its files are gone).
    private func readCold(_ id: String, origin: Origin) throws -> SerializedAdapter {
        switch origin {
        case let .source(source):
            do { return try source.read(id) } catch ServingError.unknownAdapter {
                throw ServingError.adapterLoadFailed(id: id, reason: "its source no longer offers it")
            }
        case .derived:
            throw ServingError.adapterLoadFailed(id: id, reason: "a derived adapter has no copy on disk")
        }
    }

    /// Any error of a read or decode as a ``ServingError``.
    private static func loadError(_ error: any Error, id: String) -> ServingError {
        (error as? ServingError) ?? .adapterLoadFailed(id: id, reason: "\(error)")
    }

    // MARK: Residency (callers hold the lock)

    /// Throws when `id` is empty or registered.
    private func checkNewID(_ id: String) throws {
        guard !id.isEmpty, !id.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw ServingError.invalidRequest(field: "id", reason: "an adapter id must be a non-empty single line")
        }
        lock.lock()
        defer { lock.unlock() }
        guard registry[id] == nil else { throw ServingError.adapterExists(id: id) }
    }

    private func touch(_ id: String) {
        clock += 1
        registry[id]?.lastUsed = clock
    }

    private func pinnedBytes() -> Int {
        registry.values.reduce(0) { $0 + ($1.pinned ? $1.hotBytes : 0) }
    }

    /// The least recently used entry other than `id` that `isCandidate` accepts.
    private func leastRecentlyUsed(except id: String, _ isCandidate: (Entry) -> Bool) -> String? {
        var best: (id: String, lastUsed: UInt64)?
        for (key, entry) in registry where key != id && isCandidate(entry) {
            if best.map({ entry.lastUsed < $0.lastUsed }) ?? true { best = (key, entry.lastUsed) }
        }
        return best?.id
    }

    /// Makes `adapter` hot, evicting least recently used unpinned hot adapters to warm; false (nothing stored) when
    /// pinned adapters leave too little room.
    @discardableResult
    private func storeHot(_ id: String, _ adapter: LoRAAdapter, bytes: Int, pin: Bool) -> Bool {
        guard registry[id] != nil else { return false }
        if registry[id]?.hot != nil {
            hotResident -= registry[id]?.hotBytes ?? 0
            registry[id]?.hot = nil
            registry[id]?.hotBytes = 0
        }
        while hotResident + bytes > budgets.hotBytes {
            guard let victim = leastRecentlyUsed(except: id, { $0.hot != nil && !$0.pinned }) else { break }
            evictHot(victim)
        }
        guard hotResident + bytes <= budgets.hotBytes, registry[id] != nil else { return false }
        registry[id]?.hot = adapter
        registry[id]?.hotBytes = bytes
        if pin { registry[id]?.pinned = true }
        hotResident += bytes
        return true
    }

    /// Moves a hot adapter to warm (serializing it when it has no warm copy); a derived adapter that does not fit in
    /// warm is dropped.
    private func evictHot(_ id: String) {
        guard let entry = registry[id], let adapter = entry.hot else { return }
        registry[id]?.hot = nil
        registry[id]?.hotBytes = 0
        hotResident -= entry.hotBytes
        counters.hotEvictions += 1
        guard entry.warm == nil else { return }
        let origin: String
        if case .derived = entry.origin { origin = "derived adapter \(id)" } else { origin = "adapter \(id)" }
        if let bytes = try? SerializedAdapter(adapter: adapter, origin: origin), storeWarm(id, bytes) { return }
        if case .derived = entry.origin {
            registry[id] = nil
            counters.dropped += 1
        }
    }

    /// Keeps `bytes` as the warm copy of `id`, evicting warm copies of pinned adapters, then least recently used warm
    /// copies, to make room; false (nothing stored) when it is larger than the warm budget or the room cannot be made.
    @discardableResult
    private func storeWarm(_ id: String, _ bytes: SerializedAdapter) -> Bool {
        guard registry[id] != nil, bytes.byteCount <= budgets.warmBytes else { return false }
        if let old = registry[id]?.warm {
            warmResident -= old.byteCount
            registry[id]?.warm = nil
        }
        while warmResident + bytes.byteCount > budgets.warmBytes {
            // The warm copy of a pinned adapter is of no use until it is unpinned: those go first.
            guard
                let victim = leastRecentlyUsed(except: id, { $0.warm != nil && $0.pinned && $0.hot != nil })
                    ?? leastRecentlyUsed(except: id, { $0.warm != nil && $0.loading == nil })
            else { break }
            evictWarm(victim)
        }
        guard warmResident + bytes.byteCount <= budgets.warmBytes else { return false }
        registry[id]?.warm = bytes
        warmResident += bytes.byteCount
        return true
    }

    /// Drops a warm copy: the adapter goes cold, or stays hot when it is; a derived adapter that is not hot is
    /// dropped from the registry.
    private func evictWarm(_ id: String) {
        guard let entry = registry[id], let bytes = entry.warm else { return }
        registry[id]?.warm = nil
        warmResident -= bytes.byteCount
        counters.warmEvictions += 1
        if entry.hot == nil, case .derived = entry.origin {
            registry[id] = nil
            counters.dropped += 1
        }
    }
}
