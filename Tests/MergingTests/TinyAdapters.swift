import Adapters
import Foundation
import FoundryCore
import FoundryTestSupport
import Merging
import Tensors

/// A tiny random encoder and adapters on it, for tests that need no downloaded model.
enum TinyAdapters {
    static let model = BertModel(
        randomWithConfiguration: BertConfiguration(
            vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32, maxPositions: 24),
        seed: 5)

    /// An adapter with random A and B (B is zero at initialisation; here it is not, so ΔW ≠ 0).
    static func adapter(
        seed: UInt64, rank: Int = 2, targets: [LoRATarget] = [.query, .value], classes: Int = 2
    ) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(
            model: model,
            configuration: .init(rank: rank, alpha: Float(2 * rank), targets: targets, classCount: classes, seed: seed))
        var generator = SeededGenerator(seed: seed &+ 100)
        for layer in adapter.factors.indices {
            for target in targets {
                let count = adapter.factors[layer][target]?.up.count ?? 0
                adapter.factors[layer][target]?.up.scalars = (0..<count).map { _ in
                    Float(generator.nextGaussian()) * 0.2
                }
            }
        }
        return adapter
    }

    static func input(_ adapter: LoRAAdapter, name: String) -> AdapterMergeInput {
        AdapterMergeInput(name: name, path: name, adapter: adapter)
    }

    /// Saves an adapter folder (PEFT layout) and returns it.
    static func save(
        _ adapter: LoRAAdapter, in folder: TemporaryDirectory, as name: String, files: [String: Data] = [:]
    )
        throws -> URL
    {
        let url = folder.url.appendingPathComponent(name)
        try adapter.save(to: url, extraFiles: files)
        return url
    }

    /// ΔW of one module.
    static func delta(_ adapter: LoRAAdapter, layer: Int = 0, target: LoRATarget = .query) -> [Float] {
        adapter.factors[layer][target]?.delta(scaling: adapter.configuration.scaling).scalars ?? []
    }
}
