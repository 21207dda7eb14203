import Foundation
import FoundryCore

/// Merges full checkpoints of one architecture (Hugging Face layout: `model.safetensors` + config files) with
/// mergekit's methods, streaming one tensor per input at a time.
///
/// Every floating-point tensor is merged by ``TaskVectorMerge`` with mergekit 0.1.5's conventions and defaults
/// (linear and TIES normalize; task arithmetic, DARE and breadcrumbs do not; DARE rescales to the original L1 norm);
/// other tensors (such as `position_ids`) are copied from the base. The output folder is written beside `output` and
/// renamed into place when complete, with the base's config and tokenizer files, so nothing half-written is ever at
/// `output`.
public enum CheckpointMerge {
    /// Merge settings.
    public struct Configuration: Sendable {
        /// The method (one of ``MergeMethod/checkpointMethods``).
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

    /// The weights file of a model folder.
    static func weightsURL(_ folder: URL) -> URL { folder.appendingPathComponent("model.safetensors") }

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
        guard MergeMethod.checkpointMethods.contains(method) else {
            throw MergingError.invalidParameter(
                name: "method",
                reason:
                    "\(method.rawValue) does not apply to full checkpoints; use one of \(MergeMethod.checkpointMethods.map(\.rawValue).joined(separator: ", "))"
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
        let normalize = configuration.normalize ?? (method == .linear || method == .ties)
        if normalize, method == .linear, abs(weights.reduce(0, +)) < 1e-8 {
            throw MergingError.invalidParameter(
                name: "weights", reason: "linear divides by the weights' sum, which is zero")
        }
        guard configuration.density > 0, configuration.density <= 1 else {
            throw MergingError.invalidParameter(
                name: "density", reason: "must be in (0, 1], got \(configuration.density)")
        }
        guard method == .linear || base != nil else {
            throw MergingError.invalidParameter(name: "base", reason: "\(method.rawValue) needs the base model")
        }
        let inputs = try models.map { try open($0) }
        let baseFile = try base.map { try open($0) }
        let reference = baseFile ?? inputs[0]
        // Floating-point tensors must match everywhere; other tensors (position ids) are copied from the base and may be
        // absent from the task models, as mergekit treats them as optional.
        for file in inputs + (baseFile.map { [$0] } ?? []) where file !== reference {
            for entry in reference.entries where entry.dtype == "F32" {
                guard let other = file.entry(entry.name) else {
                    throw MergingError.incompatible(
                        path: file.path, tensor: entry.name, reason: "absent here but present in \(reference.path)")
                }
                guard other.shape == entry.shape else {
                    throw MergingError.incompatible(
                        path: file.path, tensor: entry.name,
                        reason: "shape \(other.shape), in \(reference.path) \(entry.shape)")
                }
            }
            if let extra = file.entries.first(where: { $0.dtype == "F32" && reference.entry($0.name) == nil }) {
                throw MergingError.incompatible(
                    path: file.path, tensor: extra.name, reason: "absent from \(reference.path)")
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
                inputs: inputs, base: baseFile, reference: reference, weights: weights.map { Float($0) },
                normalize: normalize, configuration: configuration,
                into: weightsURL(staging))
            for name in (try? manager.contentsOfDirectory(atPath: referenceFolder.path)) ?? []
            where !name.hasSuffix(".safetensors") && !name.hasPrefix(".") {
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

    static func open(_ folder: URL) throws -> SafeTensorsStream {
        let url = weightsURL(folder)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw MergingError.missingFile(
                path: url.path, reason: "a checkpoint folder needs model.safetensors (sharded checkpoints are not read)"
            )
        }
        return try SafeTensorsStream(url: url)
    }

    static func finiteValues(_ file: SafeTensorsStream, _ name: String) throws -> [Float] {
        let values = try file.floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw MergingError.invalidFile(
                path: file.path, tensor: name, reason: "value \(bad) is \(values[bad]); weights must be finite")
        }
        return values
    }

    static func mergeTensors(
        inputs: [SafeTensorsStream], base: SafeTensorsStream?, reference: SafeTensorsStream, weights: [Float],
        normalize: Bool, configuration: Configuration, into url: URL
    ) throws -> Report {
        let writer = try SafeTensorsStreamWriter(url: url, entries: reference.entries, metadata: ["format": "pt"])
        var merged = 0, copied = 0, values = 0
        var ratios: [String: Float] = [:]
        let method = configuration.method
        let density = configuration.density
        for entry in reference.entries {
            guard entry.dtype == "F32" else {
                if ["F16", "BF16", "F64"].contains(entry.dtype) {
                    throw MergingError.invalidFile(
                        path: reference.path, tensor: entry.name,
                        reason: "dtype \(entry.dtype); merging reads F32 checkpoints")
                }
                try writer.append(bytes: try reference.bytes(entry.name))
                copied += 1
                continue
            }
            let out: [Float]
            if method == .linear {
                out = TaskVectorMerge.linear(
                    try inputs.map { try finiteValues($0, entry.name) }, weights: weights, normalize: normalize)
            } else if let base {
                let baseValues = try finiteValues(base, entry.name)
                if method == .modelStock {
                    let result = TaskVectorMerge.modelStock(
                        base: baseValues, models: try inputs.map { try finiteValues($0, entry.name) })
                    ratios[entry.name] = result.t
                    out = result.merged
                } else {
                    let sparsification: TaskVectorMerge.Sparsification =
                        switch method {
                        case .ties: .magnitude(density: density)
                        case .dareLinear, .dareTies: .random(density: density, rescale: true)
                        case .breadcrumbs: .outliers(density: density, gamma: configuration.gamma)
                        default: .none
                        }
                    // The models' task vectors are read and sparsified concurrently; each DARE mask draws from its
                    // own generator, seeded by (seed, tensor, model), so the result does not depend on scheduling.
                    var results = [Result<[Float], Error>?](repeating: nil, count: inputs.count)
                    let tensorIndex = merged + copied
                    results.withUnsafeMutableBufferPointer { slots in
                        ParallelChunks.forEach(count: inputs.count, chunkSize: 1) { index, _ in
                            slots[index] = Result {
                                var own = SeededGenerator(
                                    seed: configuration.seed ^ (UInt64(tensorIndex) &* 0x9E37_79B9_7F4A_7C15)
                                        ^ (UInt64(index + 1) &* 0xC2B2_AE3D_27D4_EB4F))
                                let delta = TaskVectorMerge.difference(
                                    try finiteValues(inputs[index], entry.name), baseValues)
                                return TaskVectorMerge.sparsified(delta, sparsification, generator: &own)
                            }
                        }
                    }
                    var deltas: [[Float]] = []
                    for result in results {
                        guard let result else { preconditionFailure("every model was processed") }
                        deltas.append(try result.get())
                    }
                    out = TaskVectorMerge.combine(
                        base: baseValues, deltas: deltas, weights: weights,
                        consensus: method == .ties || method == .dareTies, normalize: normalize,
                        lambda: configuration.lambda)
                }
            } else {
                preconditionFailure("checked above: only linear runs without a base")
            }
            try writer.append(out)
            merged += 1
            values += out.count
        }
        try writer.finish()
        return Report(
            method: method.rawValue, mergedTensors: merged, copiedTensors: copied, values: values,
            modelStockRatios: method == .modelStock ? ratios : nil)
    }
}
