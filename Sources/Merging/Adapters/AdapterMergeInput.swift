import Adapters
import Foundation
import Tensors

/// One adapter to merge: its task name, files and the statistics saved beside it.
public struct AdapterMergeInput: Sendable {
    /// The task's name (used for its head in the merged folder).
    public var name: String
    /// The adapter folder, for messages.
    public var path: String
    /// The adapter.
    public var adapter: LoRAAdapter
    /// `base_model_name_or_path` from `adapter_config.json`, when present.
    public var baseModel: String?
    /// The diagonal Fisher information, shaped like the adapter (`fisher.safetensors`), when loaded.
    public var fisher: LoRAAdapter?
    /// Gram matrices XᵀX/n of each adapted layer's inputs (`gram.safetensors`, keyed
    /// `encoder.layer.{L}.{module}`), when loaded.
    public var grams: [String: Tensor]?

    /// Creates an input from values in memory.
    public init(
        name: String, path: String, adapter: LoRAAdapter, baseModel: String? = nil, fisher: LoRAAdapter? = nil,
        grams: [String: Tensor]? = nil
    ) {
        self.name = name
        self.path = path
        self.adapter = adapter
        self.baseModel = baseModel
        self.fisher = fisher
        self.grams = grams
    }

    /// The key of a Gram matrix in `gram.safetensors`.
    public static func gramKey(layer: Int, target: LoRATarget) -> String {
        "encoder.layer.\(layer).\(target.modulePath)"
    }

    /// Loads an adapter folder (PEFT layout) and, when asked, the Fisher information and Gram matrices beside it.
    /// - Parameters:
    ///   - directory: the adapter folder.
    ///   - name: the task's name (default: the folder's name).
    ///   - model: the base encoder the adapter must fit.
    ///   - fisher: load `fisher.safetensors`.
    ///   - grams: load `gram.safetensors`.
    /// - Throws: ``MergingError/invalidFile(path:tensor:reason:)`` for a malformed adapter or one holding NaN or
    ///   infinite values (naming the tensor); ``MergingError/missingFile(path:reason:)`` when a requested statistics
    ///   file is absent; ``MergingError/incompatible(path:tensor:reason:)`` when it does not fit the adapter.
    public static func load(
        directory: URL, name: String? = nil, model: BertModel, fisher: Bool = false, grams: Bool = false
    ) throws -> AdapterMergeInput {
        let path = directory.path
        let adapter: LoRAAdapter
        do {
            adapter = try LoRAAdapter(peftDirectory: directory, model: model)
        } catch let error as AdaptersError {
            throw MergingError.invalidFile(path: path, tensor: nil, reason: error.description)
        }
        try checkFinite(adapter, path: path)
        var input = AdapterMergeInput(
            name: name ?? directory.lastPathComponent, path: path, adapter: adapter,
            baseModel: baseModelName(directory.appendingPathComponent("adapter_config.json")))
        if fisher { input.fisher = try loadFisher(directory.appendingPathComponent("fisher.safetensors"), adapter) }
        if grams { input.grams = try loadGrams(directory.appendingPathComponent("gram.safetensors"), adapter) }
        return input
    }

    /// Throws naming the first tensor of `adapter` that holds a NaN or an infinity.
    static func checkFinite(_ adapter: LoRAAdapter, path: String) throws {
        for (layer, perLayer) in adapter.factors.enumerated() {
            for target in adapter.configuration.targets {
                guard let factor = perLayer[target] else { continue }
                for (tensor, label) in [(factor.down, "lora_A"), (factor.up, "lora_B")]
                where !tensor.scalars.allSatisfy({ $0.isFinite }) {
                    throw MergingError.invalidFile(
                        path: path, tensor: "encoder.layer.\(layer).\(target.modulePath).\(label).weight",
                        reason: "holds NaN or infinite values")
                }
            }
        }
        if !adapter.head.weight.scalars.allSatisfy({ $0.isFinite }) || !adapter.head.bias.allSatisfy({ $0.isFinite }) {
            throw MergingError.invalidFile(path: path, tensor: "classifier", reason: "holds NaN or infinite values")
        }
    }

    static func baseModelName(_ url: URL) -> String? {
        guard let data = try? Data(contentsOf: url),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return nil }
        return object["base_model_name_or_path"] as? String
    }

    static func readSafeTensors(_ url: URL, purpose: String) throws -> SafeTensors {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MergingError.missingFile(path: url.path, reason: purpose)
        }
        do {
            return try SafeTensors(contentsOf: url)
        } catch let error as TensorsError {
            throw MergingError.invalidFile(path: url.path, tensor: nil, reason: "\(error)")
        }
    }

    static func loadFisher(_ url: URL, _ adapter: LoRAAdapter) throws -> LoRAAdapter {
        let file = try readSafeTensors(
            url, purpose: "the fisher method needs the diagonal Fisher information that `foundry train` saves")
        var shaped = adapter
        for layer in shaped.factors.indices {
            for target in adapter.configuration.targets {
                guard var factor = shaped.factors[layer][target] else { continue }
                for isDown in [true, false] {
                    let key =
                        "base_model.model.bert.encoder.layer.\(layer).\(target.modulePath).\(isDown ? "lora_A" : "lora_B").weight"
                    let expected = isDown ? factor.down.shape : factor.up.shape
                    guard let tensor = file.tensors[key] else {
                        throw MergingError.incompatible(
                            path: url.path, tensor: key, reason: "missing from the Fisher file")
                    }
                    guard tensor.shape == expected else {
                        throw MergingError.incompatible(
                            path: url.path, tensor: key, reason: "shape \(tensor.shape), the adapter's is \(expected)")
                    }
                    guard tensor.scalars.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                        throw MergingError.invalidFile(
                            path: url.path, tensor: key, reason: "Fisher values must be finite and non-negative")
                    }
                    if isDown { factor.down = tensor } else { factor.up = tensor }
                }
                shaped.factors[layer][target] = factor
            }
        }
        return shaped
    }

    static func loadGrams(_ url: URL, _ adapter: LoRAAdapter) throws -> [String: Tensor] {
        let file = try readSafeTensors(
            url, purpose: "the regmean method needs the Gram matrices of layer inputs that `foundry train` saves")
        var grams: [String: Tensor] = [:]
        for (layer, perLayer) in adapter.factors.enumerated() {
            for target in adapter.configuration.targets {
                guard let factor = perLayer[target] else { continue }
                let key = gramKey(layer: layer, target: target)
                let inputs = factor.down.columns
                guard let tensor = file.tensors[key] else {
                    throw MergingError.incompatible(path: url.path, tensor: key, reason: "missing from the Gram file")
                }
                guard tensor.shape == [inputs, inputs] else {
                    throw MergingError.incompatible(
                        path: url.path, tensor: key, reason: "shape \(tensor.shape), expected [\(inputs), \(inputs)]")
                }
                guard tensor.scalars.allSatisfy({ $0.isFinite }) else {
                    throw MergingError.invalidFile(path: url.path, tensor: key, reason: "holds NaN or infinite values")
                }
                grams[key] = tensor
            }
        }
        return grams
    }
}
