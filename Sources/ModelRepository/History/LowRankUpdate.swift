import Foundation

/// One adapted module of a LoRA adapter commit: the update of a base weight kept as its factors, ΔW = scaling·B·A.
public struct LowRankUpdate: Sendable, Equatable {
    /// The base model's weight the update applies to (`encoder.layer.0.attention.self.query.weight`).
    public var weight: String
    /// A (lora_A, `[rank, in]`).
    public var down: Tree.TensorEntry
    /// B (lora_B, `[out, rank]`).
    public var up: Tree.TensorEntry
    /// lora_alpha / r (or / √r with rsLoRA).
    public var scaling: Float

    /// The update's shape `[out, in]`.
    public var shape: [Int] { [up.shape.first ?? 0, down.shape.last ?? 0] }

    /// ΔW = scaling · B · A in Float32, summing over the rank in order (the same bits on every machine and core).
    public func delta(_ store: ObjectStore) throws -> [Float] {
        guard let a = try store.tensor(down.object).floats, let b = try store.tensor(up.object).floats else {
            throw ModelRepositoryError.corruptObject(id: down.object, reason: "LoRA factors must be F32")
        }
        let rank = down.shape.first ?? 0
        let (rows, columns) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: rows * columns)
        for i in 0..<rows {
            for j in 0..<columns {
                var sum: Float = 0
                for k in 0..<rank { sum += b[i * rank + k] * a[k * columns + j] }
                out[i * columns + j] = scaling * sum
            }
        }
        return out
    }

    /// The adapted modules of an adapter tree (`adapter_config.json` + `adapter_model.safetensors`), nil for another
    /// tree.
    /// - Throws: ``ModelRepositoryError/invalidInput(path:reason:)`` when the config lacks `r` or `lora_alpha`, or a
    ///   module lacks one of its factors.
    public static func updates(of tree: Tree, store: ObjectStore) throws -> [LowRankUpdate]? {
        guard tree.isAdapter, let config = tree.file("adapter_config.json"),
            let weights = tree.file("adapter_model.safetensors")
        else { return nil }
        let data = try store.bytes(config.object, kind: .blob)
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let rank = (json["r"] as? NSNumber)?.doubleValue, rank > 0,
            let alpha = (json["lora_alpha"] as? NSNumber)?.doubleValue
        else {
            throw ModelRepositoryError.invalidInput(
                path: "adapter_config.json", reason: "needs a positive \"r\" and a \"lora_alpha\"")
        }
        let scaling = Float(json["use_rslora"] as? Bool == true ? alpha / rank.squareRoot() : alpha / rank)
        var pending: [String: (down: Tree.TensorEntry?, up: Tree.TensorEntry?)] = [:]
        for tensor in weights.tensors ?? [] {
            var name = Substring(tensor.name)
            if name.hasPrefix("base_model.model.") { name = name.dropFirst("base_model.model.".count) }
            for suffix in [".weight", ".default"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
            let isDown = name.hasSuffix(".lora_A")
            guard isDown || name.hasSuffix(".lora_B") else { continue }
            let module = String(name.dropLast(".lora_A".count))
            var entry = pending[module] ?? (nil, nil)
            if isDown { entry.down = tensor } else { entry.up = tensor }
            pending[module] = entry
        }
        return try pending.keys.sorted().map { module in
            guard let down = pending[module]?.down, let up = pending[module]?.up, down.shape.count == 2,
                up.shape.count == 2, up.shape[1] == down.shape[0]
            else {
                throw ModelRepositoryError.invalidInput(
                    path: "adapter_model.safetensors",
                    reason: "module \(module) needs lora_A [r, in] and lora_B [out, r]")
            }
            return LowRankUpdate(weight: module + ".weight", down: down, up: up, scaling: scaling)
        }
    }

    /// Whether the update applies to the base tensor `name` (PEFT keys may carry a `bert.` prefix the base lacks).
    func applies(to name: String) -> Bool {
        name == weight || weight.hasSuffix("." + name) || name.hasSuffix("." + weight)
    }
}
