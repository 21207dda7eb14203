import Adapters
import Foundation

/// Where task vectors disagree, per tensor and per layer, computed before merging.
///
/// For each tensor and each pair of tasks (a, b): the cosine between τ_a and τ_b; the fraction of sign conflicts over
/// the union of their top-k% supports (entries where both are non-zero with opposite signs — what TIES has to resolve);
/// the overlap of the two supports (Jaccard); and the magnitude ratio ‖τ_a‖/‖τ_b‖. A tensor's conflict score is its
/// mean sign-conflict fraction; layers are ranked by the mean score of their tensors.
public struct ConflictReport: Codable, Sendable, Equatable {
    /// One pair of tasks on one tensor.
    public struct Pair: Codable, Sendable, Equatable {
        /// The first task.
        public var first: String
        /// The second task.
        public var second: String
        /// cos(τ_a, τ_b) (0 when either is zero).
        public var cosine: Double
        /// Sign conflicts over the union of the top-k% supports.
        public var signConflicts: Double
        /// |S_a ∩ S_b| / |S_a ∪ S_b| of the top-k% supports.
        public var supportOverlap: Double
        /// ‖τ_a‖ / ‖τ_b‖ (nil when τ_b is zero).
        public var magnitudeRatio: Double?
    }

    /// One tensor.
    public struct TensorConflict: Codable, Sendable, Equatable {
        /// The tensor's name.
        public var tensor: String
        /// Every pair of tasks.
        public var pairs: [Pair]
        /// The mean sign-conflict fraction over the pairs.
        public var score: Double
    }

    /// One layer's summary.
    public struct LayerConflict: Codable, Sendable, Equatable {
        /// The layer (`encoder.layer.3`, or the tensor's own name outside the encoder layers).
        public var layer: String
        /// The mean score of its tensors.
        public var score: Double
        /// The mean cosine over its tensors and pairs.
        public var cosine: Double
        /// How many tensors it holds.
        public var tensors: Int
    }

    /// The tasks, in input order.
    public var tasks: [String]
    /// The fraction of largest magnitudes each support holds.
    public var top: Double
    /// Per tensor, in input order.
    public var tensors: [TensorConflict]
    /// Layers ranked by conflict, highest first.
    public var layers: [LayerConflict]

    /// Compares the task vectors of one tensor.
    /// - Parameters:
    ///   - name: the tensor's name.
    ///   - vectors: one task vector per task (same length).
    ///   - tasks: the tasks' names.
    ///   - top: the fraction of largest magnitudes that forms each support, in (0, 1].
    /// - Complexity: O(n · tasks²) with an O(n) selection per task.
    public static func compare(name: String, vectors: [[Float]], tasks: [String], top: Double) -> TensorConflict {
        precondition(vectors.count == tasks.count && vectors.count >= 2, "one vector per task, at least two")
        let n = vectors[0].count
        let keep = max(1, Int(top * Double(n)))
        let supports = vectors.map { MagnitudeSelection.largest($0, count: keep) }
        let norms = vectors.map { vector in vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        var pairs: [Pair] = []
        for a in 0..<vectors.count {
            for b in (a + 1)..<vectors.count {
                var dot = 0.0
                var union = 0, both = 0, conflicts = 0
                let x = vectors[a], y = vectors[b], sx = supports[a], sy = supports[b]
                for i in 0..<n {
                    dot += Double(x[i]) * Double(y[i])
                    if sx[i] || sy[i] {
                        union += 1
                        if sx[i] && sy[i] { both += 1 }
                        if (x[i] > 0 && y[i] < 0) || (x[i] < 0 && y[i] > 0) { conflicts += 1 }
                    }
                }
                let denominator = norms[a] * norms[b]
                pairs.append(
                    Pair(
                        first: tasks[a], second: tasks[b], cosine: denominator > 0 ? dot / denominator : 0,
                        signConflicts: union > 0 ? Double(conflicts) / Double(union) : 0,
                        supportOverlap: union > 0 ? Double(both) / Double(union) : 0,
                        magnitudeRatio: norms[b] > 0 ? norms[a] / norms[b] : nil))
            }
        }
        let score = pairs.map(\.signConflicts).reduce(0, +) / Double(pairs.count)
        return TensorConflict(tensor: name, pairs: pairs, score: score)
    }

    /// Assembles a report from per-tensor comparisons, ranking layers by conflict.
    public init(tasks: [String], top: Double, tensors: [TensorConflict]) {
        self.tasks = tasks
        self.top = top
        self.tensors = tensors
        var groups: [String: [TensorConflict]] = [:]
        var order: [String] = []
        for tensor in tensors {
            let layer = Self.layerName(tensor.tensor)
            if groups[layer] == nil { order.append(layer) }
            groups[layer, default: []].append(tensor)
        }
        layers = order.map { layer in
            let members = groups[layer] ?? []
            let cosines = members.flatMap { $0.pairs.map(\.cosine) }
            return LayerConflict(
                layer: layer, score: members.map(\.score).reduce(0, +) / Double(max(1, members.count)),
                cosine: cosines.reduce(0, +) / Double(max(1, cosines.count)), tensors: members.count)
        }.sorted { ($0.score, $1.layer) > ($1.score, $0.layer) }
    }

    /// `encoder.layer.N` for tensors inside an encoder layer, otherwise the tensor's name without `.weight`/`.bias`.
    static func layerName(_ tensor: String) -> String {
        if let range = tensor.range(of: #"encoder\.layer\.\d+"#, options: .regularExpression) {
            return String(tensor[range])
        }
        for suffix in [".weight", ".bias"] where tensor.hasSuffix(suffix) {
            return String(tensor.dropLast(suffix.count))
        }
        return tensor
    }

    /// The report for LoRA adapters: per adapted module, the ΔWᵢ = sᵢ·Bᵢ·Aᵢ compared.
    /// - Throws: ``MergingError`` when the adapters cannot be merged together.
    public static func adapters(_ inputs: [AdapterMergeInput], top: Double) throws -> ConflictReport {
        try check(top: top, count: inputs.count)
        try AdapterMerge.validate(inputs, configuration: AdapterMerge.Configuration(method: .cat))
        let first = inputs[0].adapter
        var tensors: [TensorConflict] = []
        for layer in first.factors.indices {
            for target in first.configuration.targets {
                let parts = inputs.compactMap { $0.adapter.factors[layer][target] }
                guard parts.count == inputs.count else { continue }
                let deltas = zip(parts, inputs).map { $0.delta(scaling: $1.adapter.configuration.scaling).scalars }
                tensors.append(
                    compare(
                        name: "encoder.layer.\(layer).\(target.modulePath)", vectors: deltas,
                        tasks: inputs.map(\.name), top: top))
            }
        }
        return ConflictReport(tasks: inputs.map(\.name), top: top, tensors: tensors)
    }

    /// The report for full checkpoints: per floating-point tensor, τᵢ = θᵢ − θ_base, streamed one tensor per input.
    /// - Throws: ``MergingError`` for missing, truncated or mismatched files.
    public static func checkpoints(models: [URL], base: URL, names: [String]? = nil, top: Double) throws
        -> ConflictReport
    {
        try check(top: top, count: models.count)
        let baseFile = try CheckpointMerge.open(base)
        let files = try models.map { try CheckpointMerge.open($0) }
        let tasks = names ?? models.map(\.lastPathComponent)
        var tensors: [TensorConflict] = []
        for entry in baseFile.entries where SafeTensorsStream.floatingPointDTypes.contains(entry.dtype) {
            let baseValues = try CheckpointMerge.finiteValues(baseFile, entry.name)
            var vectors: [[Float]] = []
            for file in files {
                guard let other = file.entry(entry.name), other.shape == entry.shape else {
                    throw MergingError.incompatible(
                        path: file.path(of: entry.name), tensor: entry.name,
                        reason: "absent or shaped differently from the base")
                }
                vectors.append(
                    TaskVectorMerge.difference(try CheckpointMerge.finiteValues(file, entry.name), baseValues))
            }
            // Tensors no task changed carry no conflict information.
            if vectors.allSatisfy({ $0.allSatisfy { $0 == 0 } }) { continue }
            tensors.append(compare(name: entry.name, vectors: vectors, tasks: tasks, top: top))
        }
        return ConflictReport(tasks: tasks, top: top, tensors: tensors)
    }

    static func check(top: Double, count: Int) throws {
        guard top > 0, top <= 1 else {
            throw MergingError.invalidParameter(name: "top", reason: "must be in (0, 1], got \(top)")
        }
        guard count >= 2 else {
            throw MergingError.invalidParameter(name: "inputs", reason: "a conflict report compares at least two tasks")
        }
    }

    /// A Markdown report: the ranked layers, then the tensors.
    public var markdown: String {
        var lines = [
            "# Conflict report", "", "Tasks: \(tasks.joined(separator: ", ")); supports: top \(top * 100)% magnitudes.",
            "", "## Layers ranked by conflict", "", "| layer | sign conflicts | cosine | tensors |",
            "|---|---|---|---|",
        ]
        for layer in layers {
            lines.append(
                "| \(layer.layer) | \(String(format: "%.4f", layer.score)) | \(String(format: "%.4f", layer.cosine)) | \(layer.tensors) |"
            )
        }
        lines += [
            "", "## Tensors", "", "| tensor | tasks | cosine | sign conflicts | support overlap | magnitude ratio |",
            "|---|---|---|---|---|---|",
        ]
        for tensor in tensors {
            for pair in tensor.pairs {
                lines.append(
                    "| \(tensor.tensor) | \(pair.first) / \(pair.second) | \(String(format: "%.4f", pair.cosine)) | \(String(format: "%.4f", pair.signConflicts)) | \(String(format: "%.4f", pair.supportOverlap)) | \(pair.magnitudeRatio.map { String(format: "%.3f", $0) } ?? "–") |"
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
