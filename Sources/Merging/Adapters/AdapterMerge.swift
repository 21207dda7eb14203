import Adapters
import Foundation
import FoundryCore
import Tensors

/// Merges LoRA adapters trained from the same base model into one adapter (PEFT layout) with every task's head.
///
/// **Default: exact ΔW space.** Each adapter's update ΔWᵢ = sᵢ·Bᵢ·Aᵢ is merged as the full `outputs × inputs` matrix
/// it is, and the result is re-factored: losslessly by concatenating ranks when the merge is a weighted sum
/// (`linear`, `task_arithmetic`, `cat`; rank Σ rᵢ), otherwise by truncated SVD through LAPACK at `rank` (default Σ rᵢ).
/// PEFT's factor-space `linear` merges A and B separately, which adds cross terms Bⱼ·Aᵢ that belong to no task (on the
/// reference adapters ‖ΔW′‖ = 0.867 against 0.634 for the weighted sum); the ΔW-space default has none.
/// ``Configuration/peftCompatible`` reproduces PEFT's arithmetic instead (``PEFTCombination``).
///
/// In ΔW space the sparsifying methods follow mergekit's conventions (``TaskVectorMerge``): TIES elects signs on the
/// weighted updates and divides by the agreeing weights; DARE draws seeded masks and rescales the L1 norm; breadcrumbs
/// drops both tails. `fisher` averages ΔW entries weighted by a Kronecker estimate of their Fisher information,
/// F̂(o, i) = √(mean_r F_B(o, r) · mean_r F_A(r, i)) (the saved Fisher is that of the factors; Matena & Raffel 2022
/// average parameters by their own Fisher). `regmean` solves Σᵢ ΔW′G̃ᵢ = Σᵢ ΔWᵢG̃ᵢ per layer with the Gram matrices of
/// that layer's inputs and off-diagonal scaling α (Jin et al. 2023). `tsv` decorrelates the tasks' singular vectors
/// before adding them (``TaskSingularVectors``).
///
/// **Heads.** PEFT gives the merged adapter the base model's original classifier. Foundry keeps each task's own head
/// beside the merged encoder update (`heads.safetensors`, a multi-task model); the adapter file itself carries the first
/// task's head, the average of all heads (tasks sharing one label space), or a given head (PEFT's behaviour).
public enum AdapterMerge {
    /// What the merged adapter's own head is.
    public enum HeadChoice: Sendable, Equatable {
        /// The first task's head (every task's head is kept in `heads.safetensors`).
        case firstTask
        /// The weighted average of the heads (all tasks must share the class count and pooling).
        case average
        /// A given head, such as the base model's classifier PEFT keeps.
        case given(ClassificationHead)
    }

    /// Merge settings.
    public struct Configuration: Sendable {
        /// The method.
        public var method: MergeMethod = .linear
        /// One weight per adapter (default: ``MergeMethod/defaultWeights(count:peftCompatible:)`` — 1 each for the
        /// methods that add task vectors, else equal weights summing to 1).
        public var weights: [Double]?
        /// Kept fraction for the sparsifying methods, in (0, 1].
        public var density: Double = 0.5
        /// Breadcrumbs' fraction of largest magnitudes dropped.
        public var gamma: Double = 0.01
        /// Rank of the re-factored update (default: Σ rᵢ in ΔW space, PEFT's own default in PEFT mode).
        public var rank: Int?
        /// λ scaling the merged update of task arithmetic, TIES, DARE, breadcrumbs, magnitude pruning and TSV (the
        /// paper's α).
        public var lambda: Float = 1
        /// Reproduce PEFT's `add_weighted_adapter` arithmetic instead of the exact ΔW-space merge.
        public var peftCompatible = false
        /// RegMean's scaling of the Gram matrices' off-diagonal entries, in [0, 1].
        public var regmeanAlpha: Float = 0.9
        /// Seed of DARE's masks.
        public var seed: UInt64 = 0
        /// The merged adapter's own head.
        public var head: HeadChoice = .firstTask

        /// Default settings (linear, equal weights, density 0.5).
        public init(method: MergeMethod = .linear) { self.method = method }
    }

    /// A merged adapter with every task's head.
    public struct Merged: Sendable {
        /// The merged adapter (scaling 1: lora_alpha = rank), with the head chosen by ``Configuration/head``.
        public var adapter: LoRAAdapter
        /// Each task's own head, by task name, in input order.
        public var taskHeads: [(name: String, head: ClassificationHead)]
        /// What was done, for `merge.json`.
        public var record: MergeRecord

        /// The adapter with task `name`'s head (nil for an unknown name).
        public func adapter(forTask name: String) -> LoRAAdapter? {
            guard let head = taskHeads.first(where: { $0.name == name })?.head else { return nil }
            var copy = adapter
            copy.head = head
            return copy
        }

        /// The folder's files: PEFT's `adapter_config.json` and `adapter_model.safetensors`, `heads.safetensors`
        /// (`<task>.weight`, `<task>.bias`, pooling in the metadata) and `merge.json`.
        /// - Throws: ``MergingError/io(path:reason:)`` when the records cannot be encoded.
        public func files(baseModel: String = "sentence-transformers/all-MiniLM-L6-v2") throws -> [String: Data] {
            var files: [String: Data]
            do {
                files = try adapter.peftFiles(baseModel: baseModel)
                files["merge.json"] = Data(try FoundryJSON.string(record, pretty: true).utf8)
            } catch {
                throw MergingError.io(path: "merge.json", reason: "cannot encode the merge record: \(error)")
            }
            var heads: [String: Tensor] = [:]
            var metadata: [String: String] = ["format": "pt"]
            for (name, head) in taskHeads {
                heads["\(name).weight"] = head.weight
                heads["\(name).bias"] = Tensor(shape: [head.bias.count], scalars: head.bias)
                metadata["foundry.head_pooling.\(name)"] = head.pooling.rawValue
            }
            files["heads.safetensors"] = SafeTensors(tensors: heads, metadata: metadata).serialized()
            return files
        }

        /// Writes the folder all at once (a temporary sibling folder renamed into place), so nothing half-written is
        /// ever at `directory`.
        /// - Throws: ``MergingError/io(path:reason:)``.
        public func save(to directory: URL, baseModel: String = "sentence-transformers/all-MiniLM-L6-v2") throws {
            let files = try files(baseModel: baseModel)
            do {
                try adapter.save(to: directory, files: files)
            } catch {
                throw MergingError.io(path: directory.path, reason: "\(error)")
            }
        }
    }

    /// Checks that the adapters can be merged with `configuration`.
    /// - Throws: ``MergingError`` naming the adapter folder and the tensor or parameter.
    public static func validate(_ inputs: [AdapterMergeInput], configuration: Configuration) throws {
        guard let first = inputs.first else {
            throw MergingError.invalidParameter(name: "adapters", reason: "name at least one adapter")
        }
        let weights = configuration.weights ?? []
        if configuration.weights != nil {
            guard weights.count == inputs.count else {
                throw MergingError.invalidParameter(
                    name: "weights", reason: "\(weights.count) weights for \(inputs.count) adapters")
            }
            if let bad = weights.firstIndex(where: { !$0.isFinite }) {
                throw MergingError.invalidParameter(
                    name: "weights", reason: "weight \(bad + 1) is \(weights[bad]), expected a finite number")
            }
        }
        let method = configuration.method
        // Methods that divide by the weighted total.
        if [.fisher, .regmean].contains(method), configuration.weights != nil, abs(weights.reduce(0, +)) < 1e-12 {
            throw MergingError.invalidParameter(
                name: "weights", reason: "\(method.rawValue) divides by the weights' sum, which is zero")
        }
        guard configuration.density > 0, configuration.density <= 1 else {
            throw MergingError.invalidParameter(
                name: "density", reason: "must be in (0, 1], got \(configuration.density)")
        }
        if let rank = configuration.rank, rank <= 0 {
            throw MergingError.invalidParameter(name: "rank", reason: "must be positive, got \(rank)")
        }
        guard configuration.lambda.isFinite else {
            throw MergingError.invalidParameter(name: "lambda", reason: "must be a finite number")
        }
        guard (0...1).contains(configuration.regmeanAlpha) else {
            throw MergingError.invalidParameter(name: "regmean-alpha", reason: "must be in [0, 1]")
        }
        if configuration.peftCompatible {
            let peftTypes: [MergeMethod] = [
                .linear, .cat, .svd, .ties, .tiesSVD, .magnitudePrune, .magnitudePruneSVD,
            ]
            guard peftTypes.contains(method) else {
                throw MergingError.invalidParameter(
                    name: "method",
                    reason:
                        "\(method.rawValue) has no PEFT add_weighted_adapter equivalent; PEFT's deterministic types are \(peftTypes.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        for input in inputs.dropFirst() {
            if let a = first.baseModel, let b = input.baseModel, a != b {
                throw MergingError.incompatible(
                    path: input.path, tensor: nil,
                    reason: "base model \(b) differs from \(a) of \(first.path); adapters must share their base model")
            }
            guard input.adapter.configuration.targets == first.adapter.configuration.targets else {
                throw MergingError.incompatible(
                    path: input.path, tensor: nil,
                    reason:
                        "target modules \(input.adapter.configuration.targets.map(\.rawValue)) differ from \(first.adapter.configuration.targets.map(\.rawValue)) of \(first.path)"
                )
            }
            guard input.adapter.factors.count == first.adapter.factors.count else {
                throw MergingError.incompatible(
                    path: input.path, tensor: nil,
                    reason: "\(input.adapter.factors.count) layers, \(first.path) has \(first.adapter.factors.count)")
            }
            for (layer, perLayer) in input.adapter.factors.enumerated() {
                for (target, factor) in perLayer {
                    let name = "encoder.layer.\(layer).\(target.modulePath)"
                    guard let other = first.adapter.factors[layer][target] else {
                        throw MergingError.incompatible(
                            path: input.path, tensor: name, reason: "this module is not adapted in \(first.path)")
                    }
                    guard factor.up.rows == other.up.rows, factor.down.columns == other.down.columns else {
                        throw MergingError.incompatible(
                            path: input.path, tensor: name,
                            reason:
                                "ΔW is \(factor.up.rows)×\(factor.down.columns), in \(first.path) \(other.up.rows)×\(other.down.columns)"
                        )
                    }
                }
            }
            let needsSameRank: [MergeMethod] = [.linear, .ties, .magnitudePrune]
            if configuration.peftCompatible, needsSameRank.contains(method),
                input.adapter.configuration.rank != first.adapter.configuration.rank
            {
                throw MergingError.incompatible(
                    path: input.path, tensor: nil,
                    reason:
                        "rank \(input.adapter.configuration.rank) differs from \(first.adapter.configuration.rank) of \(first.path); PEFT's \(method.rawValue) needs equal ranks (use cat or an SVD type, or drop --peft-compatible)"
                )
            }
        }
        if method == .fisher, let missing = inputs.first(where: { $0.fisher == nil }) {
            throw MergingError.missingFile(
                path: missing.path + "/fisher.safetensors", reason: "the fisher method needs each adapter's Fisher file"
            )
        }
        if method == .regmean, let missing = inputs.first(where: { $0.grams == nil }) {
            throw MergingError.missingFile(
                path: missing.path + "/gram.safetensors", reason: "the regmean method needs each adapter's Gram file")
        }
        if case .average = configuration.head {
            for input in inputs.dropFirst()
            where input.adapter.head.classCount != first.adapter.head.classCount
                || input.adapter.head.pooling != first.adapter.head.pooling
            {
                throw MergingError.incompatible(
                    path: input.path, tensor: "classifier",
                    reason:
                        "its head (\(input.adapter.head.classCount) classes, \(input.adapter.head.pooling.rawValue) pooling) differs from \(first.path)'s; heads can be averaged only over one label space"
                )
            }
        }
    }

    /// Merges adapters.
    /// - Parameters:
    ///   - inputs: the adapters (with their Fisher or Gram files for `fisher` / `regmean`).
    ///   - configuration: method and settings.
    /// - Returns: the merged adapter with every task's head.
    /// - Throws: ``MergingError`` for inputs that cannot be merged (see ``validate(_:configuration:)``) or a failed SVD.
    /// - Complexity: per adapted module O(adapters · outputs · inputs) plus one SVD when the result is re-factored.
    public static func merge(_ inputs: [AdapterMergeInput], configuration: Configuration) throws -> Merged {
        try validate(inputs, configuration: configuration)
        let adapters = inputs.map(\.adapter)
        let weights =
            configuration.weights
            ?? configuration.method.defaultWeights(count: inputs.count, peftCompatible: configuration.peftCompatible)
        let method = configuration.method
        let first = adapters[0]
        var rank: Int
        var factors: [[LoRATarget: LoRAFactors]]
        var retained: [String: Double] = [:]
        let peftType = PEFTCombination.CombinationType(rawValue: method.rawValue)
        if let peftType, configuration.peftCompatible || peftType.usesSVD {
            let result = try PEFTCombination.merge(
                adapters, weights: weights, type: peftType, density: configuration.density,
                svdRank: configuration.rank)
            rank = result.rank
            factors = result.factors
        } else {
            let totalRank = adapters.map(\.configuration.rank).reduce(0, +)
            let lossless: Bool = [.linear, .taskArithmetic, .cat].contains(method) && configuration.rank == nil
            rank = configuration.rank ?? totalRank
            factors = [[LoRATarget: LoRAFactors]](repeating: [:], count: first.factors.count)
            var generator = SeededGenerator(seed: configuration.seed)
            for layer in factors.indices {
                for target in first.configuration.targets {
                    let parts = adapters.compactMap { $0.factors[layer][target] }
                    guard parts.count == adapters.count else { continue }
                    let name = "encoder.layer.\(layer).\(target.modulePath)"
                    let lambda = method == .taskArithmetic ? configuration.lambda : 1
                    if lossless {
                        factors[layer][target] = concatenated(
                            parts,
                            coefficients: zip(weights, adapters).map { Float($0) * $1.configuration.scaling * lambda })
                        continue
                    }
                    let outputs = parts[0].up.rows, columns = parts[0].down.columns
                    let deltas = zip(parts, adapters).map { $0.delta(scaling: $1.configuration.scaling).scalars }
                    let matrix = try mergedDelta(
                        deltas, weights: weights.map { Float($0) }, layer: layer, target: target, inputs: columns,
                        sources: inputs, configuration: configuration, generator: &generator, name: name)
                    let svd = try LowRankFactorization.truncated(
                        matrix, rows: outputs, columns: columns, rank: rank, name: name)
                    let total = svd.singularValues.reduce(0) { $0 + $1 * $1 }
                    let kept = svd.singularValues.prefix(rank).reduce(0) { $0 + $1 * $1 }
                    retained[name] = total > 0 ? kept / total : 1
                    factors[layer][target] = LoRAFactors(down: svd.down, up: svd.up)
                }
            }
        }
        let taskHeads = inputs.map { ($0.name, $0.adapter.head) }
        let head: ClassificationHead
        switch configuration.head {
        case .firstTask: head = first.head
        case let .given(given): head = given
        case .average:
            let total = weights.reduce(0, +)
            let scale = abs(total) < 1e-12 ? weights.map { _ in 1 / Double(weights.count) } : weights.map { $0 / total }
            var weight = Tensor(shape: first.head.weight.shape)
            var bias = [Float](repeating: 0, count: first.head.bias.count)
            for (adapter, w) in zip(adapters, scale) {
                for i in weight.scalars.indices { weight.scalars[i] += Float(w) * adapter.head.weight.scalars[i] }
                for i in bias.indices { bias[i] += Float(w) * adapter.head.bias[i] }
            }
            head = ClassificationHead(pooling: first.head.pooling, weight: weight, bias: bias)
        }
        let adapterConfiguration = LoRAAdapter.Configuration(
            rank: rank, alpha: Float(rank), dropout: 0, targets: first.configuration.targets,
            headPooling: head.pooling, classCount: head.classCount)
        let merged = LoRAAdapter(configuration: adapterConfiguration, factors: factors, head: head)
        let mode =
            configuration.peftCompatible
            ? "peft_factor_space" : (peftType?.usesSVD == true ? "peft_delta_space_svd" : "exact_delta_space")
        let record = MergeRecord(
            method: method.rawValue, mode: mode, tasks: inputs.map(\.name), adapters: inputs.map(\.path),
            weights: weights, density: method.usesDensity ? configuration.density : nil,
            lambda: [.taskArithmetic, .tsv].contains(method) ? Double(configuration.lambda) : nil, rank: rank,
            seed: [.dareLinear, .dareTies].contains(method) ? configuration.seed : nil,
            head: {
                switch configuration.head {
                case .firstTask: "first_task:\(inputs[0].name)"
                case .average: "average"
                case .given: "given"
                }
            }(), retainedEnergy: retained.isEmpty ? nil : retained)
        return Merged(adapter: merged, taskHeads: taskHeads, record: record)
    }

    /// Lossless concatenation: A′ = [cᵢ·Aᵢ] (rows), B′ = [Bᵢ] (columns), so B′A′ = Σᵢ cᵢBᵢAᵢ.
    static func concatenated(_ parts: [LoRAFactors], coefficients: [Float]) -> LoRAFactors {
        let rank = parts.map(\.down.rows).reduce(0, +)
        let outputs = parts[0].up.rows, inputs = parts[0].down.columns
        var down: [Float] = []
        down.reserveCapacity(rank * inputs)
        var up = [Float](repeating: 0, count: outputs * rank)
        var column = 0
        for (part, coefficient) in zip(parts, coefficients) {
            down += part.down.scalars.map { $0 * coefficient }
            let r = part.down.rows
            for o in 0..<outputs { for j in 0..<r { up[o * rank + column + j] = part.up.scalars[o * r + j] } }
            column += r
        }
        return LoRAFactors(
            down: Tensor(shape: [rank, inputs], scalars: down), up: Tensor(shape: [outputs, rank], scalars: up))
    }

    /// The merged ΔW of one module for the methods that need a full matrix.
    static func mergedDelta(
        _ deltas: [[Float]], weights: [Float], layer: Int, target: LoRATarget, inputs: Int,
        sources: [AdapterMergeInput], configuration: Configuration, generator: inout SeededGenerator, name: String
    ) throws -> [Float] {
        let density = configuration.density
        let lambda = configuration.lambda
        switch configuration.method {
        case .linear, .taskArithmetic, .cat, .svd:
            let scale = configuration.method == .taskArithmetic ? lambda : 1
            return TaskVectorMerge.combine(
                base: [], deltas: deltas, weights: weights, consensus: false, normalize: false, lambda: scale)
        case .ties, .tiesSVD:
            return TaskVectorMerge.combine(
                base: [], deltas: deltas.map { TaskVectorMerge.magnitudePruned($0, density: density) },
                weights: weights, consensus: true, normalize: true, lambda: lambda)
        case .magnitudePrune, .magnitudePruneSVD:
            return TaskVectorMerge.combine(
                base: [], deltas: deltas.map { TaskVectorMerge.magnitudePruned($0, density: density) },
                weights: weights, consensus: false, normalize: false, lambda: lambda)
        case .dareLinear, .dareTies:
            let dropped = deltas.map {
                TaskVectorMerge.sparsified($0, .random(density: density, rescale: true), generator: &generator)
            }
            return TaskVectorMerge.combine(
                base: [], deltas: dropped, weights: weights, consensus: configuration.method == .dareTies,
                normalize: false, lambda: lambda)
        case .breadcrumbs:
            return TaskVectorMerge.combine(
                base: [],
                deltas: deltas.map {
                    TaskVectorMerge.outliersPruned($0, density: density, gamma: configuration.gamma)
                }, weights: weights, consensus: false, normalize: false, lambda: lambda)
        case .modelStock:
            let zero = [Float](repeating: 0, count: deltas[0].count)
            return TaskVectorMerge.modelStock(base: zero, models: deltas).merged
        case .fisher:
            return fisherAverage(deltas, weights: weights, layer: layer, target: target, sources: sources)
        case .regmean:
            return try regmean(
                deltas, weights: weights, inputs: inputs,
                grams: sources.map { $0.grams?[AdapterMergeInput.gramKey(layer: layer, target: target)] },
                alpha: configuration.regmeanAlpha, name: name)
        case .tsv:
            return try TaskSingularVectors.merge(
                deltas, weights: weights, inputs: inputs, ranks: sources.map(\.adapter.configuration.rank),
                lambda: lambda, name: name)
        }
    }

    /// Σᵢ wᵢF̂ᵢ⊙ΔWᵢ / Σᵢ wᵢF̂ᵢ with F̂ᵢ(o, i) = √(mean_r F_B(o, r) · mean_r F_A(r, i)); entries without information
    /// fall back to the weighted average.
    static func fisherAverage(
        _ deltas: [[Float]], weights: [Float], layer: Int, target: LoRATarget, sources: [AdapterMergeInput]
    ) -> [Float] {
        let n = deltas[0].count
        var numerator = [Double](repeating: 0, count: n)
        var denominator = [Double](repeating: 0, count: n)
        var plain = [Double](repeating: 0, count: n)
        let total = Double(weights.reduce(0, +))
        for (index, source) in sources.enumerated() {
            guard let fisher = source.fisher?.factors[layer][target] else { continue }
            let rank = fisher.down.rows, outputs = fisher.up.rows, inputs = fisher.down.columns
            var rowImportance = [Double](repeating: 0, count: outputs)
            var columnImportance = [Double](repeating: 0, count: inputs)
            for o in 0..<outputs {
                for r in 0..<rank { rowImportance[o] += Double(fisher.up.scalars[o * rank + r]) / Double(rank) }
            }
            for r in 0..<rank {
                for i in 0..<inputs {
                    columnImportance[i] += Double(fisher.down.scalars[r * inputs + i]) / Double(rank)
                }
            }
            let w = Double(weights[index])
            for o in 0..<outputs {
                for i in 0..<inputs {
                    let importance = (rowImportance[o] * columnImportance[i]).squareRoot()
                    let value = Double(deltas[index][o * inputs + i])
                    numerator[o * inputs + i] += w * importance * value
                    denominator[o * inputs + i] += w * importance
                    plain[o * inputs + i] += w * value
                }
            }
        }
        return (0..<n).map { k in
            abs(denominator[k]) > 1e-30 ? Float(numerator[k] / denominator[k]) : Float(plain[k] / total)
        }
    }

    /// RegMean: ΔW′ = (Σᵢ wᵢΔWᵢG̃ᵢ)(Σᵢ wᵢG̃ᵢ)⁻¹ with G̃ = αG + (1 − α)·diag(G), solved through LAPACK.
    static func regmean(
        _ deltas: [[Float]], weights: [Float], inputs: Int, grams: [Tensor?], alpha: Float, name: String
    ) throws -> [Float] {
        let outputs = deltas[0].count / inputs
        var gramSum = Matrix(rows: inputs, columns: inputs)
        var rightSide = Matrix(rows: inputs, columns: outputs)  // Σ wᵢ G̃ᵢ ΔWᵢᵀ
        for (index, gram) in grams.enumerated() {
            guard let gram else { continue }
            let w = Double(weights[index])
            var scaled = Matrix(rows: inputs, columns: inputs)
            for r in 0..<inputs {
                for c in 0..<inputs {
                    let value = Double(gram.scalars[r * inputs + c])
                    scaled[r, c] = r == c ? value : Double(alpha) * value
                }
            }
            gramSum = gramSum + w * scaled
            let delta = Matrix(rows: outputs, columns: inputs, values: deltas[index].map(Double.init))
            rightSide = rightSide + w * scaled.multiplied(by: delta, transposeOther: true)
        }
        let solution: Matrix
        do {
            solution = try gramSum.solve(rightSide)
        } catch {
            throw MergingError.numericalFailure(
                tensor: name, reason: "the summed Gram matrix is singular (\(error)); lower --regmean-alpha")
        }
        var out = [Float](repeating: 0, count: outputs * inputs)
        for o in 0..<outputs { for i in 0..<inputs { out[o * inputs + i] = Float(solution[i, o]) } }
        return out
    }
}

/// What a merge did, saved as `merge.json` beside the merged adapter.
public struct MergeRecord: Codable, Sendable, Equatable {
    /// The method's name.
    public var method: String
    /// `exact_delta_space`, `peft_delta_space_svd` or `peft_factor_space`.
    public var mode: String
    /// Task names, in input order.
    public var tasks: [String]
    /// Adapter folders, in input order.
    public var adapters: [String]
    /// The weights used.
    public var weights: [Double]
    /// Kept fraction, for the sparsifying methods.
    public var density: Double?
    /// λ, for task arithmetic.
    public var lambda: Double?
    /// The merged rank.
    public var rank: Int
    /// DARE's seed.
    public var seed: UInt64?
    /// Which head the adapter file carries.
    public var head: String
    /// Per re-factored module, the fraction of ‖ΔW′‖² its rank keeps (1 = lossless).
    public var retainedEnergy: [String: Double]?
}
