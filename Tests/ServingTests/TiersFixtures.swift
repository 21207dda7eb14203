import Adapters
import Foundation
import FoundryCore
import Serving

/// Tiny random models and adapters for the adapter-tier tests (fast: a 2-layer, 16-wide encoder).
enum TiersFixtures {
    /// all-MiniLM-L6-v2's architecture, shrunk.
    static func configuration(hiddenSize: Int = 16) -> BertConfiguration {
        BertConfiguration(
            vocabularySize: 40, hiddenSize: hiddenSize, layerCount: 2, headCount: 4, intermediateSize: 32,
            maxPositions: 24, typeVocabularySize: 2, layerNormEpsilon: 1e-12)
    }

    /// The base model of the tests.
    static let model = BertModel(randomWithConfiguration: configuration(), seed: 11)

    /// A rank-2 query + value adapter whose every value (B included) is a seeded Gaussian, so adapters differ.
    static func adapter(seed: UInt64, model: BertModel = model) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2, alpha: 4, seed: seed))
        var generator = SeededGenerator(seed: seed &+ 1000)
        adapter.assign(flattened: (0..<adapter.parameterCount).map { _ in Float(generator.nextGaussian()) })
        return adapter
    }

    /// Writes one PEFT folder per id under `directory` (adapter seeds 1, 2, …) and returns the adapters.
    @discardableResult
    static func writeAdapters(_ ids: [String], in directory: URL, model: BertModel = model) throws -> [String:
        LoRAAdapter]
    {
        var out: [String: LoRAAdapter] = [:]
        for (index, id) in ids.enumerated() {
            let adapter = try adapter(seed: UInt64(index + 1), model: model)
            try adapter.save(to: directory.appendingPathComponent(id), files: try adapter.peftFiles())
            out[id] = adapter
        }
        return out
    }

    /// The hot bytes of one fixture adapter.
    static var hotBytes: Int {
        get throws { AdapterCache.hotBytes(of: try adapter(seed: 1)) }
    }

    /// Polls `condition` every 5 ms, at most `attempts` times; whether it became true.
    static func eventually(attempts: Int = 4000, _ condition: () -> Bool) -> Bool {
        for _ in 0..<attempts {
            if condition() { return true }
            usleep(5000)
        }
        return condition()
    }
}

/// A source over a folder that counts reads per id and can hold reads (of every id, or of some) until ``release()``.
///
/// `@unchecked Sendable` invariant: `reads`, `holdsAll` and `heldIDs` are only read or written while holding
/// `condition`.
final class CountingSource: AdapterSource, @unchecked Sendable {
    let inner: DirectoryAdapterSource
    private let condition = NSCondition()
    private var reads: [String: Int] = [:]
    private var holdsAll: Bool
    private var heldIDs: Set<String>

    /// - Parameters:
    ///   - held: hold every read until ``release()``.
    ///   - holding: hold the reads of these ids until ``release()``.
    init(directory: URL, held: Bool = false, holding: Set<String> = []) {
        inner = DirectoryAdapterSource(directory: directory)
        holdsAll = held
        heldIDs = holding
    }

    func adapterIDs() throws -> [String] { try inner.adapterIDs() }

    func read(_ id: String) throws -> SerializedAdapter {
        condition.lock()
        reads[id, default: 0] += 1
        while holdsAll || heldIDs.contains(id) { condition.wait() }
        condition.unlock()
        return try inner.read(id)
    }

    /// Lets held reads (and every later one) proceed.
    func release() {
        condition.lock()
        holdsAll = false
        heldIDs = []
        condition.broadcast()
        condition.unlock()
    }

    /// Reads of `id` so far.
    func readCount(_ id: String) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return reads[id] ?? 0
    }

    /// Reads of every id so far.
    var totalReads: Int {
        condition.lock()
        defer { condition.unlock() }
        return reads.values.reduce(0, +)
    }
}
