import Foundation
import FoundryCore
import Tensors

/// Merges full checkpoints of one architecture (Hugging Face layout: `model.safetensors`, or shards listed by
/// `model.safetensors.index.json`, + config files) with mergekit's methods, streaming one tensor per input at a time.
///
/// Every floating-point tensor (F32, F16, BF16 or F64) is read as Float32, merged by ``TaskVectorMerge`` with
/// mergekit 0.1.5's conventions and defaults (linear and TIES normalize; task arithmetic, DARE and breadcrumbs do not;
/// DARE rescales to the original L1 norm) and written back in the reference's dtype (the base's, else the first
/// model's; F16 and BF16 round to nearest even), so the inputs may mix dtypes; other tensors (such as `position_ids`)
/// are copied from the base. `regmean` (not mergekit's) solves Σᵢ wᵢW′G̃ᵢ = Σᵢ wᵢWᵢG̃ᵢ for every linear layer's weight
/// with the Gram matrices saved beside each checkpoint (``CheckpointGram``, `foundry merge gram`) and averages every
/// other tensor (biases, layer norms, embeddings), as Jin et al. do. The output has the reference's layout: one `model.safetensors`, or the same shards
/// with a new index. The output folder is written beside `output` and renamed into place when complete, with the
/// base's config and tokenizer files, so nothing half-written is ever at `output`.
public enum CheckpointMerge {
    /// Merge settings.
    public struct Configuration: Sendable {
        /// The method (one of ``MergeMethod/allCheckpointMethods``).
        public var method: MergeMethod = .ties
        /// One weight per model (default: 1 each for the methods that add task vectors, else equal weights summing
        /// to 1; see ``MergeMethod/defaultWeights(count:peftCompatible:)``).
        public var weights: [Double]?
        /// Kept fraction for TIES, DARE and breadcrumbs, in (0, 1].
        public var density: Double = 0.5
        /// Breadcrumbs' fraction of largest magnitudes dropped.
        public var gamma: Double = 0.01
        /// λ scaling the merged task vector.
        public var lambda: Float = 1
        /// Divide by the (agreeing) weights; default per method as mergekit (linear and TIES: yes).
        public var normalize: Bool?
        /// Seed of DARE's masks.
        public var seed: UInt64 = 0
        /// RegMean's scaling of the Gram matrices' off-diagonal entries, in [0, 1].
        public var regmeanAlpha: Float = 0.9

        /// Default settings for `method`.
        public init(method: MergeMethod = .ties) { self.method = method }
    }

    /// What a merge did.
    public struct Report: Codable, Sendable, Equatable {
        /// The method's name.
        public var method: String
        /// Tensors merged.
        public var mergedTensors: Int
        /// Tensors copied from the base (not floating point).
        public var copiedTensors: Int
        /// Values written.
        public var values: Int
        /// model_stock's interpolation ratio t per tensor.
        public var modelStockRatios: [String: Float]?
    }

    /// Merges `models` (task checkpoints) relative to `base` into `output`.
    /// - Parameters:
    ///   - models: the task models' folders.
    ///   - base: the base model's folder (required except for `linear`).
    ///   - output: the merged model's folder (created or replaced).
    ///   - configuration: method and settings.
    /// - Returns: what was merged.
    /// - Throws: ``MergingError`` naming the file and tensor: missing or truncated files, different tensor sets or
    ///   shapes, NaN values, weights summing to zero where the method normalizes.
    /// - Complexity: O(tensor values · models) plus a selection per tensor for the sparsifying methods; memory is one
    ///   tensor per input at a time.
    public static func merge(
        models: [URL], base: URL?, output: URL, configuration: Configuration
    ) throws -> Report {
        let method = configuration.method
        guard MergeMethod.allCheckpointMethods.contains(method) else {
            throw MergingError.invalidParameter(
                name: "method",
                reason:
                    "\(method.rawValue) does not apply to full checkpoints; use one of \(MergeMethod.allCheckpointMethods.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard !models.isEmpty else { throw MergingError.invalidParameter(name: "models", reason: "name a model") }
        if method == .modelStock, models.count < 2 {
            throw MergingError.invalidParameter(name: "models", reason: "model_stock needs at least two models")
        }
        let weights = configuration.weights ?? method.defaultWeights(count: models.count)
        guard weights.count == models.count else {
            throw MergingError.invalidParameter(
                name: "weights", reason: "\(weights.count) weights for \(models.count) models")
        }
        if let bad = weights.firstIndex(where: { !$0.isFinite }) {
            throw MergingError.invalidParameter(
                name: "weights", reason: "weight \(bad + 1) is \(weights[bad]), expected a finite number")
        }
        let normalize = configuration.normalize ?? (method == .linear || method == .ties || method == .regmean)
        if normalize, method == .linear || method == .regmean, abs(weights.reduce(0, +)) < 1e-8 {
            throw MergingError.invalidParameter(
                name: "weights", reason: "\(method.rawValue) divides by the weights' sum, which is zero")
        }
        guard (0...1).contains(configuration.regmeanAlpha) else {
            throw MergingError.invalidParameter(name: "regmean-alpha", reason: "must be in [0, 1]")
        }
        guard configuration.density > 0, configuration.density <= 1 else {
            throw MergingError.invalidParameter(
                name: "density", reason: "must be in (0, 1], got \(configuration.density)")
        }
        guard method == .linear || method == .regmean || base != nil else {
            throw MergingError.invalidParameter(name: "base", reason: "\(method.rawValue) needs the base model")
        }
        let inputs = try models.map { try open($0) }
        let baseFile = try base.map { try open($0) }
        let grams = method == .regmean ? try models.map { try gramFile($0) } : []
        let reference = baseFile ?? inputs[0]
        // Floating-point tensors must match everywhere (in shape; dtypes may differ); other tensors (position ids) are
        // copied from the base and may be absent from the task models, as mergekit treats them as optional.
        let floating = SafeTensorsStream.floatingPointDTypes
        for file in inputs + (baseFile.map { [$0] } ?? []) where file !== reference {
            for entry in reference.entries where floating.contains(entry.dtype) {
                guard let other = file.entry(entry.name) else {
                    throw MergingError.incompatible(
                        path: file.path, tensor: entry.name, reason: "absent here but present in \(reference.path)")
                }
                guard other.shape == entry.shape else {
                    throw MergingError.incompatible(
                        path: file.path(of: entry.name), tensor: entry.name,
                        reason: "shape \(other.shape), in \(reference.path(of: entry.name)) \(entry.shape)")
                }
                guard floating.contains(other.dtype) else {
                    throw MergingError.incompatible(
                        path: file.path(of: entry.name), tensor: entry.name,
                        reason: "dtype \(other.dtype), in \(reference.path(of: entry.name)) \(entry.dtype)")
                }
            }
            if let extra = file.entries.first(where: { floating.contains($0.dtype) && reference.entry($0.name) == nil })
            {
                throw MergingError.incompatible(
                    path: file.path(of: extra.name), tensor: extra.name, reason: "absent from \(reference.path)")
            }
        }
        let referenceFolder = base ?? models[0]
        let staging = output.deletingLastPathComponent().appendingPathComponent(
            ".\(output.lastPathComponent).tmp-\(UUID().uuidString)")
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw MergingError.io(path: staging.path, reason: error.localizedDescription)
        }
        do {
            let report = try mergeTensors(
                inputs: inputs, base: baseFile, reference: reference, grams: grams, weights: weights.map { Float($0) },
                normalize: normalize, configuration: configuration, into: staging)
            for name in (try? manager.contentsOfDirectory(atPath: referenceFolder.path)) ?? []
            where !name.hasSuffix(".safetensors") && !name.hasPrefix(".") && name != CheckpointWeights.indexFileName {
                var isDirectory: ObjCBool = false
                let source = referenceFolder.appendingPathComponent(name)
                guard manager.fileExists(atPath: source.path, isDirectory: &isDirectory), !isDirectory.boolValue
                else { continue }
                try manager.copyItem(at: source, to: staging.appendingPathComponent(name))
            }
            if manager.fileExists(atPath: output.path) {
                let old = output.deletingLastPathComponent().appendingPathComponent(
                    ".\(output.lastPathComponent).old-\(UUID().uuidString)")
                try manager.moveItem(at: output, to: old)
                try manager.moveItem(at: staging, to: output)
                try? manager.removeItem(at: old)
            } else {
                try manager.moveItem(at: staging, to: output)
            }
            return report
        } catch let error as MergingError {
            try? manager.removeItem(at: staging)
            throw error
        } catch {
            try? manager.removeItem(at: staging)
            throw MergingError.io(path: output.path, reason: error.localizedDescription)
        }
    }

    static func open(_ folder: URL) throws -> CheckpointWeights { try CheckpointWeights(folder: folder) }

    /// A checkpoint's Gram file, for regmean.
    static func gramFile(_ folder: URL) throws -> SafeTensorsStream {
        let url = folder.appendingPathComponent(CheckpointGram.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MergingError.missingFile(
                path: url.path,
                reason: "the regmean method needs each checkpoint's Gram matrices (foundry merge gram --model DIR)")
        }
        return try SafeTensorsStream(url: url)
    }

    static func finiteValues(_ file: CheckpointWeights, _ name: String) throws -> [Float] {
        let values = try file.floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw MergingError.invalidFile(
                path: file.path(of: name), tensor: name,
                reason: "value \(bad) is \(values[bad]); weights must be finite")
        }
        return values
    }

    /// Writes the merged weights into `folder` in the reference's layout (one file, or its shards and an index).
    static func mergeTensors(
        inputs: [CheckpointWeights], base: CheckpointWeights?, reference: CheckpointWeights, grams: [SafeTensorsStream],
        weights: [Float], normalize: Bool, configuration: Configuration, into folder: URL
    ) throws -> Report {
        var merged = 0, copied = 0, values = 0
        var ratios: [String: Float] = [:]
        var weightMap: [String: String] = [:]
        var totalSize = 0
        for file in reference.files {
            let writer = try SafeTensorsStreamWriter(
                url: folder.appendingPathComponent(file.name), entries: file.stream.entries,
                metadata: ["format": "pt"])
            for entry in file.stream.entries {
                weightMap[entry.name] = file.name
                totalSize += entry.byteCount
                guard SafeTensorsStream.floatingPointDTypes.contains(entry.dtype) else {
                    try writer.append(bytes: try reference.bytes(entry.name))
                    copied += 1
                    continue
                }
                let result = try mergedValues(
                    entry, inputs: inputs, base: base, grams: grams, weights: weights, normalize: normalize,
                    configuration: configuration, index: merged + copied)
                if let ratio = result.ratio { ratios[entry.name] = ratio }
                try writer.append(result.values)
                merged += 1
                values += result.values.count
            }
            try writer.finish()
        }
        if reference.isSharded {
            let url = folder.appendingPathComponent(CheckpointWeights.indexFileName)
            let index: [String: Any] = ["metadata": ["total_size": totalSize], "weight_map": weightMap]
            do {
                let data = try JSONSerialization.data(withJSONObject: index, options: [.prettyPrinted, .sortedKeys])
                try data.write(to: url)
            } catch {
                throw MergingError.io(path: url.path, reason: error.localizedDescription)
            }
        }
        return Report(
            method: configuration.method.rawValue, mergedTensors: merged, copiedTensors: copied, values: values,
            modelStockRatios: configuration.method == .modelStock ? ratios : nil)
    }

    /// The Gram matrices of a linear layer's weight in every model's Gram file, or nil when the tensor is not a
    /// weight matrix with saved Gram matrices (it is then averaged).
    /// - Throws: ``MergingError/missingFile(path:reason:)`` when some files have the layer and others do not;
    ///   ``MergingError/incompatible(path:tensor:reason:)`` for a Gram matrix that does not fit the weight.
    static func regmeanGrams(for entry: SafeTensorsStream.Entry, in files: [SafeTensorsStream]) throws -> [Tensor?]? {
        guard entry.shape.count == 2 else { return nil }
        let keys = CheckpointGram.keys(of: entry.name)
        let found = files.map { file in keys.first { file.entry($0) != nil } }
        if found.allSatisfy({ $0 == nil }) { return nil }
        let width = entry.shape[1]
        return try zip(files, found).map { file, key in
            guard let key else {
                throw MergingError.missingFile(
                    path: file.path, reason: "no Gram matrix for \(entry.name), which the other checkpoints' files have"
                )
            }
            guard file.entry(key)?.shape == [width, width] else {
                throw MergingError.incompatible(
                    path: file.path, tensor: key,
                    reason: "shape \(file.entry(key)?.shape ?? []), expected [\(width), \(width)] for \(entry.name)")
            }
            let values = try file.floats(key)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw MergingError.invalidFile(path: file.path, tensor: key, reason: "value \(bad) is \(values[bad])")
            }
            return Tensor(shape: [width, width], scalars: values)
        }
    }

    /// The merged values of one floating-point tensor (the `index`-th of the reference, which seeds DARE's masks),
    /// and model_stock's interpolation ratio.
    static func mergedValues(
        _ entry: SafeTensorsStream.Entry, inputs: [CheckpointWeights], base: CheckpointWeights?,
        grams: [SafeTensorsStream], weights: [Float], normalize: Bool, configuration: Configuration,
        index tensorIndex: Int
    ) throws -> (values: [Float], ratio: Float?) {
        let method = configuration.method
        let density = configuration.density
        if method == .regmean {
            let values = try inputs.map { try finiteValues($0, entry.name) }
            guard let layerGrams = try regmeanGrams(for: entry, in: grams) else {
                return (TaskVectorMerge.linear(values, weights: weights, normalize: true), nil)
            }
            return (
                try AdapterMerge.regmean(
                    values, weights: weights, inputs: entry.shape[1], grams: layerGrams,
                    alpha: configuration.regmeanAlpha, name: entry.name), nil
            )
        }
        if method == .linear {
            return (
                TaskVectorMerge.linear(
                    try inputs.map { try finiteValues($0, entry.name) }, weights: weights, normalize: normalize), nil
            )
        }
        guard let base else { preconditionFailure("checked by merge: only linear runs without a base") }
        let baseValues = try finiteValues(base, entry.name)
        if method == .modelStock {
            let result = TaskVectorMerge.modelStock(
                base: baseValues, models: try inputs.map { try finiteValues($0, entry.name) })
            return (result.merged, result.t)
        }
        let sparsification: TaskVectorMerge.Sparsification =
            switch method {
            case .ties: .magnitude(density: density)
            case .dareLinear, .dareTies: .random(density: density, rescale: true)
            case .breadcrumbs: .outliers(density: density, gamma: configuration.gamma)
            default: .none
            }
        // The models' task vectors are read and sparsified concurrently; each DARE mask draws from its own generator,
        // seeded by (seed, tensor, model), so the result does not depend on scheduling.
        var results = [Result<[Float], Error>?](repeating: nil, count: inputs.count)
        results.withUnsafeMutableBufferPointer { slots in
            ParallelChunks.forEach(count: inputs.count, chunkSize: 1) { index, _ in
                slots[index] = Result {
                    var own = SeededGenerator(
                        seed: configuration.seed ^ (UInt64(tensorIndex) &* 0x9E37_79B9_7F4A_7C15)
                            ^ (UInt64(index + 1) &* 0xC2B2_AE3D_27D4_EB4F))
                    let delta = TaskVectorMerge.difference(try finiteValues(inputs[index], entry.name), baseValues)
                    return TaskVectorMerge.sparsified(delta, sparsification, generator: &own)
                }
            }
        }
        var deltas: [[Float]] = []
        for result in results {
            guard let result else { preconditionFailure("every model was processed") }
            deltas.append(try result.get())
        }
        let out = TaskVectorMerge.combine(
            base: baseValues, deltas: deltas, weights: weights, consensus: method == .ties || method == .dareTies,
            normalize: normalize, lambda: configuration.lambda)
        return (out, nil)
    }
}
