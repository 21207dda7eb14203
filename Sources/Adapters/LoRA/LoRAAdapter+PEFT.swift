import Foundation
import Tensors

extension LoRAAdapter {
    /// The PEFT key prefix of an encoder layer's module (`base_model.model.bert.encoder.layer.{L}.`).
    static func peftKey(layer: Int, target: LoRATarget, factor: String) -> String {
        "base_model.model.bert.encoder.layer.\(layer).\(target.modulePath).\(factor).weight"
    }

    static let classifierWeightKey = "base_model.model.classifier.weight"
    static let classifierBiasKey = "base_model.model.classifier.bias"
    static let poolingMetadataKey = "foundry.head_pooling"

    /// Loads an adapter saved by PEFT (`PeftModel.save_pretrained`) or by ``save(to:baseModel:)``.
    ///
    /// Reads `adapter_config.json` (`peft_type` LORA, `r`, `lora_alpha`, `lora_dropout`, `use_rslora`) and
    /// `adapter_model.safetensors` with keys such as `base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight`
    /// and the head under `base_model.model.classifier.*` (`modules_to_save`). The targets are taken from the keys present.
    /// - Parameters:
    ///   - directory: the adapter directory.
    ///   - model: the base model it must fit.
    /// - Throws: ``AdaptersError/invalidAdapter(path:reason:)`` for unsupported options, unknown keys or shapes that do not
    ///   fit `model`; ``AdaptersError/invalidSafeTensors(path:reason:)`` for a malformed weights file;
    ///   ``AdaptersError/io(path:reason:)`` for unreadable files.
    public init(peftDirectory directory: URL, model: BertModel) throws {
        let path = directory.path
        let configURL = directory.appendingPathComponent("adapter_config.json")
        let weightsURL = directory.appendingPathComponent("adapter_model.safetensors")
        for url in [configURL, weightsURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw AdaptersError.invalidAdapter(path: path, reason: "missing \(url.lastPathComponent)")
        }
        let data: Data
        do { data = try Data(contentsOf: configURL) } catch {
            throw AdaptersError.io(path: configURL.path, reason: error.localizedDescription)
        }
        let file = try AdaptersError.readSafeTensors(weightsURL)
        try self.init(peftConfiguration: data, weights: file, layerCount: model.layers.count, path: path)
        try validate(against: model, path: path)
    }

    /// Parses an adapter from the bytes of its two PEFT files (`adapter_config.json` and
    /// `adapter_model.safetensors`) held in memory, without checking it against a base model: call
    /// ``validate(against:path:)`` before using it.
    ///
    /// The adapter has one entry in ``factors`` per layer up to the highest layer its keys name (layers without
    /// tensors have no factors); pad ``factors`` with empty entries to the base model's layer count before validating
    /// an adapter that adapts only the first layers.
    /// - Parameters:
    ///   - configuration: the bytes of `adapter_config.json`.
    ///   - weights: the bytes of `adapter_model.safetensors`.
    ///   - path: the adapter's name in error messages (its folder, or an id).
    /// - Throws: ``AdaptersError/invalidAdapter(path:reason:)`` for unsupported options, unknown keys or factors whose
    ///   rank is not the configured one; ``AdaptersError/invalidSafeTensors(path:reason:)`` for malformed weights.
    public init(peftConfiguration configuration: Data, weights: Data, path: String) throws {
        let file: SafeTensors
        do { file = try SafeTensors(data: weights, path: "\(path)/adapter_model.safetensors") } catch let error
            as TensorsError
        {
            throw AdaptersError(error)
        }
        try self.init(peftConfiguration: configuration, weights: file, layerCount: nil, path: path)
    }

    /// Parses the configuration and tensors of a PEFT adapter; `layerCount`, when given, is the base model's layer
    /// count (a key naming a layer beyond it throws) and the number of entries of ``factors``.
    init(peftConfiguration data: Data, weights file: SafeTensors, layerCount: Int?, path: String) throws {
        func fail(_ reason: String) -> AdaptersError { .invalidAdapter(path: path, reason: reason) }
        guard let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail("adapter_config.json is not a JSON object")
        }
        guard (config["peft_type"] as? String)?.uppercased() == "LORA" else { throw fail("peft_type must be LORA") }
        guard let rank = (config["r"] as? NSNumber)?.intValue, rank > 0 else {
            throw fail("r must be a positive integer")
        }
        guard let alpha = (config["lora_alpha"] as? NSNumber)?.floatValue, alpha > 0 else {
            throw fail("lora_alpha must be positive")
        }
        let dropout = (config["lora_dropout"] as? NSNumber)?.floatValue ?? 0
        if config["use_dora"] as? Bool == true { throw fail("DoRA adapters are not supported") }
        if config["fan_in_fan_out"] as? Bool == true { throw fail("fan_in_fan_out adapters are not supported") }
        if let bias = config["bias"] as? String, bias != "none" {
            throw fail("bias \"\(bias)\" is not supported (only \"none\")")
        }
        let rsLoRA = config["use_rslora"] as? Bool == true
        if let pattern = config["rank_pattern"] as? [String: Any], !pattern.isEmpty {
            throw fail("rank_pattern is not supported")
        }
        if let pattern = config["alpha_pattern"] as? [String: Any], !pattern.isEmpty {
            throw fail("alpha_pattern is not supported")
        }

        var pending: [String: (down: Tensor?, up: Tensor?)] = [:]
        var classifierWeight: Tensor?
        var classifierBias: Tensor?
        var layers = layerCount ?? 0
        for (key, tensor) in file.tensors {
            if key == Self.classifierWeightKey || key == "base_model.model.classifier.modules_to_save.default.weight" {
                classifierWeight = tensor
                continue
            }
            if key == Self.classifierBiasKey || key == "base_model.model.classifier.modules_to_save.default.bias" {
                classifierBias = tensor
                continue
            }
            guard let parsed = Self.parseFactorKey(key) else { throw fail("unsupported tensor \(key)") }
            if let layerCount {
                guard parsed.layer < layerCount else {
                    throw fail("tensor \(key) names layer \(parsed.layer); the base model has \(layerCount) layers")
                }
            } else {
                layers = max(layers, parsed.layer + 1)
            }
            let slot = "\(parsed.layer)|\(parsed.target.rawValue)"
            var entry = pending[slot] ?? (nil, nil)
            if parsed.isDown { entry.down = tensor } else { entry.up = tensor }
            pending[slot] = entry
        }
        var factors = [[LoRATarget: LoRAFactors]](repeating: [:], count: layers)
        var targets = Set<LoRATarget>()
        for (slot, entry) in pending {
            let parts = slot.split(separator: "|")
            guard parts.count == 2, let layer = Int(parts[0]), let target = LoRATarget(rawValue: String(parts[1]))
            else { continue }
            guard let down = entry.down, let up = entry.up, down.shape.count == 2, up.shape.count == 2,
                down.rows == rank, up.columns == rank
            else {
                throw fail(
                    "layer \(layer) \(target.modulePath): needs lora_A [r, in] and lora_B [out, r] with r = \(rank)")
            }
            factors[layer][target] = LoRAFactors(down: down, up: up)
            targets.insert(target)
        }
        guard !targets.isEmpty else { throw fail("no lora_A/lora_B tensors found") }
        guard let classifierWeight, let classifierBias, classifierWeight.shape.count == 2,
            classifierBias.shape == [classifierWeight.rows]
        else {
            throw fail(
                "missing or misshapen classifier head (base_model.model.classifier.weight [classes, hidden] and .bias [classes])"
            )
        }
        let pooling = HeadPooling(rawValue: file.metadata[Self.poolingMetadataKey] ?? "cls") ?? .classifierToken
        var configuration = Configuration(
            rank: rank, alpha: alpha, dropout: dropout, targets: Array(targets), headPooling: pooling,
            classCount: classifierWeight.rows)
        // rsLoRA scales by alpha / √r; store the equivalent alpha for the alpha / r convention.
        if rsLoRA { configuration.alpha = alpha * Float(rank).squareRoot() }
        let head = ClassificationHead(pooling: pooling, weight: classifierWeight, bias: classifierBias.scalars)
        self.init(configuration: configuration, factors: factors, head: head)
    }

    /// Parses `base_model.model.[bert.]encoder.layer.{L}.{module}.lora_{A|B}[.default].weight`.
    static func parseFactorKey(_ key: String) -> (layer: Int, target: LoRATarget, isDown: Bool)? {
        var rest = Substring(key)
        for prefix in ["base_model.model.", "bert."] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
        }
        guard rest.hasPrefix("encoder.layer.") else { return nil }
        rest = rest.dropFirst("encoder.layer.".count)
        guard let dot = rest.firstIndex(of: "."), let layer = Int(rest[..<dot]) else { return nil }
        rest = rest[rest.index(after: dot)...]
        for suffix in [".weight", ".default"] where rest.hasSuffix(suffix) { rest = rest.dropLast(suffix.count) }
        let isDown: Bool
        if rest.hasSuffix(".lora_A") {
            isDown = true
        } else if rest.hasSuffix(".lora_B") {
            isDown = false
        } else {
            return nil
        }
        let module = String(rest.dropLast(".lora_A".count))
        guard let target = LoRATarget.allCases.first(where: { $0.modulePath == module }) else { return nil }
        return (layer, target, isDown)
    }

    /// The adapter's tensors under PEFT's key names (as `save_pretrained` writes them).
    public var peftTensors: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (layer, perLayer) in factors.enumerated() {
            for (target, factor) in perLayer {
                out[Self.peftKey(layer: layer, target: target, factor: "lora_A")] = factor.down
                out[Self.peftKey(layer: layer, target: target, factor: "lora_B")] = factor.up
            }
        }
        out[Self.classifierWeightKey] = head.weight
        out[Self.classifierBiasKey] = Tensor(shape: [head.bias.count], scalars: head.bias)
        return out
    }

    /// PEFT's `target_modules`: short names where unambiguous, otherwise a regular expression PEFT full-matches.
    var peftTargetModules: Any {
        let targets = configuration.targets
        if targets.contains(.output) && !targets.contains(.attentionOutput) {
            let alternatives = targets.map { NSRegularExpression.escapedPattern(for: $0.modulePath) }.joined(
                separator: "|")
            return ".*encoder\\.layer\\.\\d+\\.(\(alternatives))"
        }
        return targets.map { target -> String in
            switch target {
            case .query, .key, .value: target.rawValue
            case .attentionOutput, .intermediate: target.modulePath
            case .output: "output.dense"
            }
        }
    }

    /// The adapter's files in PEFT's layout: `adapter_config.json` and `adapter_model.safetensors` (PEFT key names,
    /// the head under `modules_to_save`), by file name.
    ///
    /// - Parameter baseModel: `base_model_name_or_path` for PEFT.
    /// - Throws: ``AdaptersError/io(path:reason:)`` when the configuration cannot be encoded.
    public func peftFiles(baseModel: String = "sentence-transformers/all-MiniLM-L6-v2") throws -> [String: Data] {
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "SEQ_CLS", "r": configuration.rank,
            "lora_alpha": Double(configuration.alpha),
            "lora_dropout": Double(configuration.dropout), "target_modules": peftTargetModules,
            "modules_to_save": ["classifier"],
            "bias": "none", "fan_in_fan_out": false, "use_rslora": false, "use_dora": false, "inference_mode": true,
            "init_lora_weights": true, "base_model_name_or_path": baseModel, "revision": NSNull(),
            "layers_to_transform": NSNull(), "layers_pattern": NSNull(), "rank_pattern": [String: Any](),
            "alpha_pattern": [String: Any](),
        ]
        let configData: Data
        do {
            configData = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw AdaptersError.io(path: "adapter_config.json", reason: "cannot encode the adapter configuration")
        }
        var weights = SafeTensors(tensors: peftTensors)
        weights.metadata[Self.poolingMetadataKey] = head.pooling.rawValue
        return ["adapter_config.json": configData, "adapter_model.safetensors": weights.serialized()]
    }

    /// Saves the adapter in PEFT's layout (`adapter_config.json` + `adapter_model.safetensors`), atomically: the files
    /// are written into a temporary sibling directory that then replaces `directory`.
    /// - Parameters:
    ///   - directory: the adapter directory (created or replaced).
    ///   - baseModel: `base_model_name_or_path` for PEFT.
    ///   - extraFiles: further files to place beside the adapter (for example `fisher.safetensors`).
    /// - Throws: ``AdaptersError/io(path:reason:)``.
    public func save(
        to directory: URL, baseModel: String = "sentence-transformers/all-MiniLM-L6-v2",
        extraFiles: [String: Data] = [:]
    ) throws {
        try save(to: directory, files: extraFiles.merging(try peftFiles(baseModel: baseModel)) { $1 })
    }

    /// Writes a folder of files (typically ``peftFiles(baseModel:)`` plus training records) all at once: the files go
    /// into a temporary sibling folder that then replaces `directory`.
    ///
    /// - Throws: ``AdaptersError/io(path:reason:)``.
    public func save(to directory: URL, files: [String: Data]) throws {
        try AtomicDirectory.write(files, to: directory)
    }
}

/// Writes a set of files as one directory that appears all at once.
enum AtomicDirectory {
    /// Writes `files` into `directory.tmp-<uuid>`, then swaps it into place (an existing directory is replaced).
    static func write(_ files: [String: Data], to directory: URL) throws {
        let manager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
            for (name, data) in files { try data.write(to: staging.appendingPathComponent(name)) }
            if manager.fileExists(atPath: directory.path) {
                let old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(UUID().uuidString)")
                try manager.moveItem(at: directory, to: old)
                try manager.moveItem(at: staging, to: directory)
                try? manager.removeItem(at: old)
            } else {
                try manager.moveItem(at: staging, to: directory)
            }
        } catch {
            try? manager.removeItem(at: staging)
            throw AdaptersError.io(path: directory.path, reason: error.localizedDescription)
        }
    }
}
