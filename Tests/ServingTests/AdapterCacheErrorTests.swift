import Adapters
import Foundation
import FoundryTestSupport
import Serving
import Testing

@Suite("AdapterCache bad inputs")
struct AdapterCacheErrorTests {
    /// The error `body` throws, as a ``ServingError``.
    func servingError(_ body: () throws -> Void) -> ServingError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ServingError
        }
    }

    @Test("a folder with an adapter for another hidden size is refused as incompatible and nothing is registered")
    func wrongShapedAdapter() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        let wide = BertModel(randomWithConfiguration: TiersFixtures.configuration(hiddenSize: 24), seed: 3)
        try TiersFixtures.writeAdapters(["wide"], in: directory.url, model: wide)
        try TiersFixtures.writeAdapters(["ok"], in: directory.url)
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)])
        let before = cache.entries().map(\.id)

        let error = servingError {
            try cache.register(id: "w", directory: directory.url.appendingPathComponent("wide"))
        }
        guard case let .adapterIncompatible(id, reason) = error else {
            Issue.record("expected adapterIncompatible, got \(String(describing: error))")
            return
        }
        #expect(id == "w")
        #expect(reason.contains("attention.self") && reason.contains("16×16"), "\(reason)")
        #expect(cache.entries().map(\.id) == before)
        #expect(!cache.contains("w"))

        // Listed from a folder, the same adapter fails when it is first used, and stays cold.
        let listed = servingError { _ = try cache.acquire("wide") }
        #expect(listed?.code == "adapter_incompatible")
        #expect(cache.tier(of: "wide") == .cold)
        #expect(cache.statistics().cold.misses == 1)
        #expect(try cache.acquire("ok").head.weight.columns == 16)
    }

    @Test("a missing safetensors file fails the load naming the file")
    func missingWeights() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        try TiersFixtures.writeAdapters(["spam"], in: directory.url)
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("spam/adapter_model.safetensors"))
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)])
        let error = servingError { _ = try cache.acquire("spam") }
        guard case let .adapterLoadFailed(id, reason) = error else {
            Issue.record("expected adapterLoadFailed, got \(String(describing: error))")
            return
        }
        #expect(id == "spam")
        #expect(reason.contains("spam/adapter_model.safetensors"), "\(reason)")
        #expect(cache.tier(of: "spam") == .cold)

        let registered = servingError {
            try cache.register(id: "again", directory: directory.url.appendingPathComponent("spam"))
        }
        #expect(registered?.code == "adapter_load_failed")
        #expect(!cache.contains("again"))
    }

    @Test("a truncated or overwritten safetensors file fails the load naming the file")
    func corruptWeights() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        try TiersFixtures.writeAdapters(["cut", "junk"], in: directory.url)
        let cut = directory.url.appendingPathComponent("cut/adapter_model.safetensors")
        let bytes = try Data(contentsOf: cut)
        try bytes.prefix(bytes.count - 100).write(to: cut)
        try directory.write("junk/adapter_model.safetensors", "not a safetensors file at all")

        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)])
        for id in ["cut", "junk"] {
            let error = servingError { _ = try cache.acquire(id) }
            guard case let .adapterLoadFailed(failedID, reason) = error else {
                Issue.record("\(id): expected adapterLoadFailed, got \(String(describing: error))")
                continue
            }
            #expect(failedID == id)
            #expect(reason.contains("\(id)/adapter_model.safetensors"), "\(reason)")
            #expect(cache.tier(of: id) == .cold)
        }
    }

    @Test("an adapter_config.json that is not JSON fails the load naming it")
    func corruptConfiguration() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        try TiersFixtures.writeAdapters(["spam"], in: directory.url)
        try directory.write("spam/adapter_config.json", "{ not json")
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)])
        let error = servingError { _ = try cache.acquire("spam") }
        guard case let .adapterLoadFailed(_, reason) = error else {
            Issue.record("expected adapterLoadFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("spam/adapter_config.json"), "\(reason)")
    }

    @Test("a prefetch's error is thrown by the next acquire, then the adapter can be loaded again")
    func prefetchErrorIsRemembered() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        try TiersFixtures.writeAdapters(["spam"], in: directory.url)
        let weights = directory.url.appendingPathComponent("spam/adapter_model.safetensors")
        let good = try Data(contentsOf: weights)
        try Data([1, 2, 3]).write(to: weights)
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)])
        cache.prefetch("spam")
        #expect(TiersFixtures.eventually { cache.statistics().cold.misses == 1 })
        #expect(cache.tier(of: "spam") == .cold)
        try good.write(to: weights)  // repaired on disk: the remembered error is still reported once
        #expect(servingError { _ = try cache.acquire("spam") }?.code == "adapter_load_failed")
        #expect(try cache.acquire("spam").head.classCount == 2)
        #expect(cache.tier(of: "spam") == .hot)
    }

    @Test("unknown ids, duplicate ids, oversize adapters and bad budgets are refused")
    func refusals() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        try TiersFixtures.writeAdapters(["a"], in: directory.url)
        let source = DirectoryAdapterSource(directory: directory.url)
        let cache = try AdapterCache(model: TiersFixtures.model, sources: [source])
        #expect(throws: ServingError.unknownAdapter(id: "nope")) { try cache.acquire("nope") }
        #expect(throws: ServingError.unknownAdapter(id: "nope")) { try cache.pin("nope") }
        #expect(cache.tier(of: "nope") == nil)
        cache.prefetch("nope")  // no-op
        cache.unpin("nope")  // no-op
        #expect(throws: ServingError.adapterExists(id: "a")) {
            try cache.register(id: "a", adapter: try TiersFixtures.adapter(seed: 5))
        }
        #expect(
            servingError { try cache.register(id: "", adapter: try TiersFixtures.adapter(seed: 5)) }?.code
                == "invalid_request")
        #expect(throws: ServingError.adapterExists(id: "a")) {
            _ = try AdapterCache(model: TiersFixtures.model, sources: [source, source])
        }
        #expect(
            servingError { _ = try AdapterCache(model: TiersFixtures.model, sources: [], budgets: .init(hotBytes: 0)) }?
                .code == "invalid_request")

        let hot = try TiersFixtures.hotBytes
        let tiny = try AdapterCache(
            model: TiersFixtures.model, sources: [source], budgets: AdapterTierBudgets(hotBytes: hot - 4))
        #expect(throws: ServingError.adapterTooLarge(id: "a", bytes: hot, hotBudget: hot - 4)) {
            try tiny.acquire("a")
        }
        #expect(tiny.tier(of: "a") == .cold)
        #expect(tiny.statistics().hot.residentBytes == 0 && tiny.statistics().warm.residentBytes == 0)

        let wide = BertModel(randomWithConfiguration: TiersFixtures.configuration(hiddenSize: 24), seed: 3)
        let error = servingError {
            try cache.register(id: "wide", adapter: try TiersFixtures.adapter(seed: 1, model: wide))
        }
        #expect(error?.code == "adapter_incompatible")
        #expect(!cache.contains("wide"))
    }

    @Test("an adapter whose files vanish after listing fails with a load error, not as unknown")
    func vanishedFolder() throws {
        let directory = TemporaryDirectory(prefix: "adapter-errors")
        try TiersFixtures.writeAdapters(["gone"], in: directory.url)
        let cache = try AdapterCache(
            model: TiersFixtures.model, sources: [DirectoryAdapterSource(directory: directory.url)])
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("gone"))
        #expect(servingError { _ = try cache.acquire("gone") }?.code == "adapter_load_failed")
        #expect(cache.contains("gone"))
    }
}
