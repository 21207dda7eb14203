import Adapters
import Foundation
import FoundryCore

/// Seeded random LoRA adapters for serving benchmarks: rank 8 on query and value, a 2-class head, every factor
/// non-zero (a freshly initialized adapter has B = 0 and would change nothing), saved in PEFT's layout.
enum SyntheticAdapters {
    /// The id of adapter `index`.
    static func id(_ index: Int) -> String { String(format: "adapter-%04d", index) }

    /// Makes sure `folder` holds adapters `0..<count` for `model`, writing the missing ones.
    ///
    /// - Returns: the ids, in order.
    static func ensure(count: Int, in folder: URL, model: BertModel, seed: UInt64) throws -> [String] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var ids: [String] = []
        for index in 0..<count {
            let id = id(index)
            ids.append(id)
            let directory = folder.appendingPathComponent(id, isDirectory: true)
            if FileManager.default.fileExists(
                atPath: directory.appendingPathComponent("adapter_model.safetensors").path)
            {
                continue
            }
            try make(model: model, seed: seed &+ UInt64(index)).save(to: directory)
        }
        return ids
    }

    /// One adapter with seeded Gaussian factors (scale 0.02, about the size trained adapters reach) and head.
    static func make(model: BertModel, seed: UInt64) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(
            model: model,
            configuration: .init(rank: 8, alpha: 16, targets: [.query, .value], classCount: 2, seed: seed))
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.02 })
        return adapter
    }
}
