import Adapters
import Foundation
import FoundryCore
import FoundryTestSupport
import Serving
import Testing

@Suite("AdapterCache tiers")
struct AdapterCacheTests {
    /// A folder of adapters a, b, c, d and a cache over it.
    struct Setup {
        let directory = TemporaryDirectory(prefix: "adapter-cache")
        let adapters: [String: LoRAAdapter]
        let source: CountingSource
        let cache: AdapterCache

        init(ids: [String] = ["a", "b", "c", "d"], hotAdapters: Int = 2, warmBytes: Int = 1 << 20) throws {
            adapters = try TiersFixtures.writeAdapters(ids, in: directory.url)
            source = CountingSource(directory: directory.url)
            let budgets = AdapterTierBudgets(hotBytes: hotAdapters * (try TiersFixtures.hotBytes), warmBytes: warmBytes)
            cache = try AdapterCache(model: TiersFixtures.model, sources: [source], budgets: budgets)
        }

        /// The adapter as decoded from its files by the Adapters module.
        func fromFiles(_ id: String) throws -> LoRAAdapter {
            try LoRAAdapter(peftDirectory: directory.url.appendingPathComponent(id), model: TiersFixtures.model)
        }
    }

    @Test("listing registers every adapter cold and reads nothing")
    func listingReadsNothing() throws {
        let setup = try Setup()
        #expect(setup.cache.entries().map(\.id) == ["a", "b", "c", "d"])
        #expect(setup.cache.entries().allSatisfy { $0.tier == .cold && !$0.pinned })
        #expect(setup.source.totalReads == 0)
        let statistics = setup.cache.statistics()
        #expect(statistics.cold.adapters == 4)
        #expect(statistics.hot.residentBytes == 0 && statistics.warm.residentBytes == 0)
    }

    @Test("a hot budget of two adapters evicts the least recently used; a just-used adapter survives")
    func evictionOrder() throws {
        let setup = try Setup()
        let cache = setup.cache
        _ = try cache.acquire("a")
        _ = try cache.acquire("b")
        #expect(cache.tier(of: "a") == .hot && cache.tier(of: "b") == .hot)
        _ = try cache.acquire("a")  // a is now more recent than b
        _ = try cache.acquire("c")  // evicts b
        #expect(cache.tier(of: "a") == .hot)
        #expect(cache.tier(of: "b") == .warm)
        #expect(cache.tier(of: "c") == .hot)
        _ = try cache.acquire("d")  // evicts a (used before c)
        #expect(cache.tier(of: "a") == .warm)
        #expect(cache.tier(of: "c") == .hot && cache.tier(of: "d") == .hot)
        let statistics = cache.statistics()
        #expect(statistics.hot.evictions == 2)
        #expect(statistics.hot.hits == 1)
        #expect(statistics.misses == 4)
        #expect(statistics.hot.adapters == 2 && statistics.warm.adapters == 2)
        #expect(statistics.hot.residentBytes == 2 * (try TiersFixtures.hotBytes))
    }

    @Test("warm → hot counts a warm hit, reads no file and returns the numbers of the files")
    func warmPromotion() throws {
        let setup = try Setup()
        let cache = setup.cache
        let first = try cache.acquire("a")
        _ = try cache.acquire("b")
        _ = try cache.acquire("c")  // a → warm
        #expect(cache.tier(of: "a") == .warm)
        let promoted = try cache.acquire("a")
        #expect(cache.tier(of: "a") == .hot)
        #expect(setup.source.readCount("a") == 1)
        let statistics = cache.statistics()
        #expect(statistics.warm.hits == 1)
        #expect(statistics.misses == 3)
        let files = try setup.fromFiles("a")
        #expect(promoted == files)
        #expect(first == files)
        let original = try #require(setup.adapters["a"])
        #expect(promoted.flattened() == original.flattened())
    }

    @Test("a pinned adapter stays hot under pressure and its acquire is a hit")
    func pinning() throws {
        let setup = try Setup()
        let cache = setup.cache
        try cache.pin("a")
        #expect(cache.tier(of: "a") == .hot)
        for id in ["b", "c", "d", "b", "c", "d"] { _ = try cache.acquire(id) }
        #expect(cache.tier(of: "a") == .hot)
        #expect(cache.entries().first { $0.id == "a" }?.pinned == true)
        let before = cache.statistics().hot.hits
        _ = try cache.acquire("a")
        #expect(cache.statistics().hot.hits == before + 1)
        #expect(cache.statistics().pinned == 1)

        cache.unpin("a")
        _ = try cache.acquire("b")
        _ = try cache.acquire("c")
        #expect(cache.tier(of: "a") == .warm)
    }

    @Test("pinning more than the hot budget holds is refused; the pinned adapters stay")
    func pinningOverBudget() throws {
        let setup = try Setup()
        let cache = setup.cache
        try cache.pin("a")
        try cache.pin("b")
        let hot = try TiersFixtures.hotBytes
        #expect(throws: ServingError.adapterTooLarge(id: "c", bytes: hot, hotBudget: 0)) { try cache.pin("c") }
        #expect(cache.tier(of: "a") == .hot && cache.tier(of: "b") == .hot)
        #expect(cache.tier(of: "c") == .warm)  // read once, kept warm
        // With the hot tier full of pinned adapters, an acquire still answers, without keeping the adapter hot.
        let c = try cache.acquire("c")
        #expect(c == (try setup.fromFiles("c")))
        #expect(cache.tier(of: "c") == .warm)
        let statistics = cache.statistics()
        #expect(statistics.hot.residentBytes <= statistics.hot.budgetBytes)
    }

    @Test("prefetch lands in warm in the background; the acquire after it is a warm hit")
    func prefetchLandsWarm() throws {
        let setup = try Setup()
        let cache = setup.cache
        cache.prefetch("b")
        #expect(TiersFixtures.eventually { cache.tier(of: "b") == .warm })
        #expect(setup.source.readCount("b") == 1)
        cache.prefetch("b")  // already warm: no second read
        #expect(cache.statistics().prefetches == 1)
        _ = try cache.acquire("b")
        #expect(setup.source.readCount("b") == 1)
        let statistics = cache.statistics()
        #expect(statistics.warm.hits == 1 && statistics.misses == 0)
        #expect(statistics.cold.hits == 1)
    }

    @Test("an acquire does not wait for a prefetch still queued behind other reads: it loads at once")
    func acquireOvertakesQueuedPrefetch() throws {
        let directory = TemporaryDirectory(prefix: "adapter-cache")
        let ids = ["a", "b", "c", "d", "e"]
        let adapters = try TiersFixtures.writeAdapters(ids, in: directory.url)
        let source = CountingSource(directory: directory.url, holding: ["a", "b"])
        let cache = try AdapterCache(model: TiersFixtures.model, sources: [source])
        for id in ["a", "b", "c"] { cache.prefetch(id) }  // a and b hold both lanes; c queues behind a
        #expect(TiersFixtures.eventually { source.readCount("a") == 1 && source.readCount("b") == 1 })
        let c = try cache.acquire("c")
        #expect(c.flattened() == adapters["c"]?.flattened())
        #expect(cache.tier(of: "c") == .hot)
        #expect(cache.tier(of: "a") == .cold)
        source.release()
        #expect(TiersFixtures.eventually { cache.tier(of: "a") == .warm && cache.tier(of: "b") == .warm })
        for id in ["d", "e"] { cache.prefetch(id) }  // queued after c's superseded prefetch on each lane
        #expect(TiersFixtures.eventually { cache.tier(of: "d") == .warm && cache.tier(of: "e") == .warm })
        #expect(source.readCount("c") == 1)
        #expect(cache.statistics().prefetches == 5)
        #expect(cache.statistics().misses == 1)
    }

    @Test("concurrent acquires of one cold adapter read it once and all get the same numbers")
    func concurrentAcquiresReadOnce() throws {
        let directory = TemporaryDirectory(prefix: "adapter-cache")
        try TiersFixtures.writeAdapters(["a", "b"], in: directory.url)
        let source = CountingSource(directory: directory.url, held: true)
        let cache = try AdapterCache(model: TiersFixtures.model, sources: [source])
        let callers = 6
        let results = ResultBox()
        let group = DispatchGroup()
        for _ in 0..<callers {
            group.enter()
            Thread {
                results.append(Result { try cache.acquire("a") })
                group.leave()
            }.start()
        }
        // Every caller has counted its miss (one is reading, the rest wait for its load); then the read may finish.
        let allWaiting = TiersFixtures.eventually { cache.statistics().misses == callers }
        source.release()
        #expect(allWaiting)
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(source.readCount("a") == 1)
        let adapters = try results.values.map { try $0.get() }
        #expect(adapters.count == callers)
        let expected = try LoRAAdapter(
            peftDirectory: directory.url.appendingPathComponent("a"), model: TiersFixtures.model)
        #expect(adapters.allSatisfy { $0 == expected })
        #expect(cache.tier(of: "a") == .hot)
    }

    @Test("both budgets hold after every step of a random sequence of acquires, prefetches and pins")
    func budgetsHold() throws {
        let ids = (0..<10).map { "adapter-\($0)" }
        let directory = TemporaryDirectory(prefix: "adapter-cache")
        let adapters = try TiersFixtures.writeAdapters(ids, in: directory.url)
        let serialized = try DirectoryAdapterSource(directory: directory.url).read("adapter-0").byteCount
        let hot = try TiersFixtures.hotBytes
        let budgets = AdapterTierBudgets(hotBytes: 3 * hot + hot / 2, warmBytes: 4 * serialized + 10)
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)], budgets: budgets)
        var generator = SeededGenerator(seed: 42)
        for step in 0..<300 {
            let id = ids[Int(generator.next() % UInt64(ids.count))]
            switch generator.next() % 10 {
            case 0: cache.prefetch(id)
            case 1: try? cache.pin(id)
            case 2: cache.unpin(id)
            default:
                let adapter = try cache.acquire(id)
                #expect(adapter.flattened() == adapters[id]?.flattened(), "step \(step)")
            }
            let statistics = cache.statistics()
            #expect(statistics.hot.residentBytes <= budgets.hotBytes, "step \(step)")
            #expect(statistics.warm.residentBytes <= budgets.warmBytes, "step \(step)")
            #expect(statistics.hot.residentBytes == statistics.hot.adapters * hot, "step \(step)")
            #expect(statistics.adapters == ids.count, "step \(step)")
        }
        let statistics = cache.statistics()
        #expect(statistics.hot.evictions > 0 && statistics.warm.evictions > 0)
        #expect(statistics.hot.hits + statistics.hot.misses > 0)
    }

    @Test(
        "threads acquiring, prefetching, pinning, unregistering and registering at once keep the budgets and the numbers"
    )
    func concurrentMixedOperations() throws {
        let ids = (0..<8).map { "adapter-\($0)" }
        let directory = TemporaryDirectory(prefix: "adapter-cache")
        let adapters = try TiersFixtures.writeAdapters(ids, in: directory.url)
        let serialized = try DirectoryAdapterSource(directory: directory.url).read("adapter-0").byteCount
        let budgets = AdapterTierBudgets(hotBytes: 3 * (try TiersFixtures.hotBytes), warmBytes: 3 * serialized)
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)], budgets: budgets)
        let failures = ErrorBox()
        let group = DispatchGroup()
        for thread in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                var generator = SeededGenerator(seed: UInt64(thread) + 7)
                for _ in 0..<150 {
                    let id = ids[Int(generator.next() % UInt64(ids.count))]
                    do {
                        switch generator.next() % 8 {
                        case 0: cache.prefetch(id)
                        case 1: try cache.pin(id)
                        case 2: cache.unpin(id)
                        case 3:
                            if cache.unregister(id) {
                                try cache.register(id: id, directory: directory.url.appendingPathComponent(id))
                            }
                        default:
                            let adapter = try cache.acquire(id)
                            if adapter.flattened() != adapters[id]?.flattened() {
                                failures.append("\(id): wrong numbers")
                            }
                        }
                    } catch ServingError.unknownAdapter, ServingError.adapterExists, ServingError.adapterTooLarge {
                        // Expected races: another thread unregistered or re-registered it; pins fill the hot tier.
                    } catch {
                        failures.append("\(id): \(error)")
                    }
                    let statistics = cache.statistics()
                    if statistics.hot.residentBytes > budgets.hotBytes
                        || statistics.warm.residentBytes > budgets.warmBytes
                    {
                        failures.append("over budget: \(statistics)")
                    }
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 300) == .success)
        #expect(failures.values == [])
        for id in ids where !cache.contains(id) {
            try cache.register(id: id, directory: directory.url.appendingPathComponent(id))
        }
        for id in ids {
            cache.unpin(id)
            #expect(try cache.acquire(id).flattened() == adapters[id]?.flattened())
        }
        let statistics = cache.statistics()
        #expect(statistics.adapters == ids.count)
        #expect(statistics.hot.residentBytes <= budgets.hotBytes && statistics.warm.residentBytes <= budgets.warmBytes)
    }

    @Test("register(id:directory:) lands hot and is read back from the folder after eviction")
    func runtimeRegistration() throws {
        let setup = try Setup(ids: ["a", "b"], hotAdapters: 1, warmBytes: 0)
        let extra = TemporaryDirectory(prefix: "adapter-extra")
        let written = try TiersFixtures.writeAdapters(["x", "y", "z"], in: extra.url)
        try setup.cache.register(id: "new", directory: extra.url.appendingPathComponent("z"))
        #expect(setup.cache.tier(of: "new") == .hot)
        #expect(setup.cache.entries().map(\.id) == ["a", "b", "new"])
        _ = try setup.cache.acquire("a")  // no warm budget: new → cold
        #expect(setup.cache.tier(of: "new") == .cold)
        let again = try setup.cache.acquire("new")
        #expect(again.flattened() == written["z"]?.flattened())
        #expect(throws: ServingError.adapterExists(id: "new")) {
            try setup.cache.register(id: "new", directory: extra.url.appendingPathComponent("x"))
        }
        #expect(throws: ServingError.adapterExists(id: "a")) {
            try setup.cache.register(id: "a", directory: extra.url.appendingPathComponent("x"))
        }
    }

    @Test("refresh registers adapters that appeared in the source since, cold, and leaves the others alone")
    func refreshing() throws {
        let setup = try Setup(ids: ["a", "b"])
        _ = try setup.cache.acquire("a")
        #expect(try setup.cache.refresh() == [])
        try TiersFixtures.writeAdapters(["c", "d"], in: setup.directory.url)
        #expect(try setup.cache.refresh() == ["c", "d"])
        #expect(setup.cache.entries().map(\.id) == ["a", "b", "c", "d"])
        #expect(setup.cache.tier(of: "a") == .hot && setup.cache.tier(of: "c") == .cold)
        #expect(setup.source.readCount("c") == 0)
        #expect(try setup.cache.acquire("d").flattened() == (try setup.fromFiles("d")).flattened())
    }

    @Test("unregister forgets an adapter in every tier and frees its bytes")
    func unregistering() throws {
        let setup = try Setup()
        _ = try setup.cache.acquire("a")
        setup.cache.prefetch("b")
        #expect(TiersFixtures.eventually { setup.cache.tier(of: "b") == .warm })
        #expect(setup.cache.unregister("a"))
        #expect(setup.cache.unregister("b"))
        #expect(!setup.cache.unregister("a"))
        #expect(!setup.cache.contains("a") && setup.cache.tier(of: "b") == nil)
        let statistics = setup.cache.statistics()
        #expect(statistics.hot.residentBytes == 0 && statistics.warm.residentBytes == 0)
        #expect(statistics.adapters == 2)
        #expect(throws: ServingError.unknownAdapter(id: "a")) { try setup.cache.acquire("a") }
        // The files are left alone: the folder can be registered again.
        try setup.cache.register(id: "a", directory: setup.directory.url.appendingPathComponent("a"))
        #expect(setup.cache.tier(of: "a") == .hot)
    }

    @Test("a derived adapter is hot, moves to warm, and is dropped when evicted from warm")
    func derivedAdapters() throws {
        let setup = try Setup(hotAdapters: 1, warmBytes: 0)
        let merged = try TiersFixtures.adapter(seed: 99)
        try setup.cache.register(id: "a:0.5,b:0.5", adapter: merged)
        #expect(setup.cache.tier(of: "a:0.5,b:0.5") == .hot)
        #expect(try setup.cache.acquire("a:0.5,b:0.5") == merged)
        _ = try setup.cache.acquire("c")  // the merge leaves hot; no warm room: dropped
        #expect(!setup.cache.contains("a:0.5,b:0.5"))
        #expect(setup.cache.statistics().droppedDerived == 1)

        let roomy = try Setup(hotAdapters: 1)
        try roomy.cache.register(id: "m", adapter: merged)
        _ = try roomy.cache.acquire("c")
        #expect(roomy.cache.tier(of: "m") == .warm)
        let back = try roomy.cache.acquire("m")
        #expect(back.flattened() == merged.flattened())
        #expect(roomy.cache.tier(of: "m") == .hot)
        #expect(roomy.cache.statistics().warm.hits == 1)
    }
}

/// Results collected from several threads.
///
/// `@unchecked Sendable` invariant: `stored` is only read or written while holding `lock`.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<LoRAAdapter, any Error>] = []

    func append(_ result: Result<LoRAAdapter, any Error>) {
        lock.lock()
        stored.append(result)
        lock.unlock()
    }

    var values: [Result<LoRAAdapter, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// Messages collected from several threads.
///
/// `@unchecked Sendable` invariant: `stored` is only read or written while holding `lock`.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ message: String) {
        lock.lock()
        stored.append(message)
        lock.unlock()
    }

    var values: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
