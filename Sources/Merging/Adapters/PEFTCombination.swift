import Adapters
import Tensors

/// PEFT 0.21's `add_weighted_adapter` arithmetic, reproduced value for value (`peft/tuners/lora/model.py`,
/// `peft/utils/merge_utils.py`).
///
/// With adapter weights wᵢ and scalings sᵢ = αᵢ/rᵢ, the factor-space types weight Aᵢ by aᵢ = sign(wᵢsᵢ)·√|wᵢsᵢ| and Bᵢ by
/// bᵢ = √|wᵢsᵢ| and combine A and B **separately** — so `linear` yields B′A′ = Σᵢ wᵢΔWᵢ + Σ_{i≠j} √(cᵢcⱼ)·BⱼAᵢ, cross
/// terms that belong to no task. `cat` concatenates ranks (exact). The `_svd` types merge the ΔWᵢ = sᵢ·BᵢAᵢ themselves
/// and re-factor by truncated SVD (B′ = U·S, A′ = Vh). PEFT's TIES elects signs on the **unweighted** pruned tensors and
/// divides by the **count** of agreeing adapters (mergekit's TIES differs on both points). The merged adapter has
/// lora_alpha = r′, so its scaling is 1.
public enum PEFTCombination {
    /// PEFT's deterministic `combination_type`s.
    public enum CombinationType: String, Sendable, CaseIterable, Codable {
        /// Factor space: A′ = Σ aᵢAᵢ, B′ = Σ bᵢBᵢ.
        case linear
        /// Concatenated ranks: A′ = [wᵢsᵢAᵢ], B′ = [Bᵢ] (exact).
        case cat
        /// ΔW space: Σ wᵢΔWᵢ, truncated SVD.
        case svd
        /// Factor space TIES on A and B separately.
        case ties
        /// ΔW space TIES, truncated SVD.
        case tiesSVD = "ties_svd"
        /// Factor space magnitude pruning on A and B separately.
        case magnitudePrune = "magnitude_prune"
        /// ΔW space magnitude pruning, truncated SVD.
        case magnitudePruneSVD = "magnitude_prune_svd"

        /// Whether the type re-factors a merged ΔW by SVD.
        public var usesSVD: Bool { self == .svd || self == .tiesSVD || self == .magnitudePruneSVD }
    }

    /// The merged factors (every module of the adapters) and their common rank r′ (scaling 1).
    public struct Result: Sendable {
        /// r′.
        public var rank: Int
        /// Per layer, the merged factors of each target.
        public var factors: [[LoRATarget: LoRAFactors]]
    }

    /// Merges adapters as `add_weighted_adapter` does.
    /// - Parameters:
    ///   - adapters: adapters with the same targets and layers (and, except for `cat` and the SVD types, the same
    ///     rank); checked by the caller (``AdapterMerge``).
    ///   - weights: one weight per adapter (Python floats in PEFT: Float64 here).
    ///   - type: the combination type.
    ///   - density: the kept fraction for TIES and magnitude pruning.
    ///   - svdRank: r′ of the SVD types (default: the largest input rank).
    /// - Throws: ``MergingError/numericalFailure(tensor:reason:)`` from the SVD.
    /// - Complexity: O(layers · targets · outputs · inputs) for the factor types; the SVD types add an SVD per module.
    public static func merge(
        _ adapters: [LoRAAdapter], weights: [Double], type: CombinationType, density: Double = 1, svdRank: Int? = nil
    ) throws -> Result {
        precondition(!adapters.isEmpty && adapters.count == weights.count, "one weight per adapter")
        let scalings = adapters.map { Double($0.configuration.scaling) }
        let products = zip(weights, scalings).map { $0 * $1 }
        let downWeights = products.map { Float(($0 < 0 ? -1 : 1) * abs($0).squareRoot()) }
        let upWeights = products.map { Float(abs($0).squareRoot()) }
        let weights32 = weights.map { Float($0) }
        let rank: Int
        switch type {
        case .cat: rank = adapters.map(\.configuration.rank).reduce(0, +)
        case .svd, .tiesSVD, .magnitudePruneSVD: rank = svdRank ?? adapters.map(\.configuration.rank).max() ?? 1
        case .linear, .ties, .magnitudePrune: rank = adapters[0].configuration.rank
        }
        var merged = [[LoRATarget: LoRAFactors]](repeating: [:], count: adapters[0].factors.count)
        for layer in merged.indices {
            for target in adapters[0].configuration.targets {
                let parts = adapters.compactMap { $0.factors[layer][target] }
                guard parts.count == adapters.count else { continue }
                let name = "layer \(layer) \(target.modulePath)"
                let downs = parts.map(\.down.scalars), ups = parts.map(\.up.scalars)
                let outputs = parts[0].up.rows, inputs = parts[0].down.columns
                switch type {
                case .linear:
                    merged[layer][target] = LoRAFactors(
                        down: Tensor(shape: parts[0].down.shape, scalars: weightedSum(downs, downWeights)),
                        up: Tensor(shape: parts[0].up.shape, scalars: weightedSum(ups, upWeights)))
                case .ties, .magnitudePrune:
                    let combine = type == .ties ? ties : magnitudePrune
                    merged[layer][target] = LoRAFactors(
                        down: Tensor(
                            shape: parts[0].down.shape, scalars: combine(downs, downWeights, density)),
                        up: Tensor(shape: parts[0].up.shape, scalars: combine(ups, upWeights, density)))
                case .cat:
                    var down: [Float] = []
                    var up = [Float](repeating: 0, count: outputs * rank)
                    var column = 0
                    for (index, part) in parts.enumerated() {
                        let w = weights32[index], s = Float(scalings[index])
                        down += part.down.scalars.map { ($0 * w) * s }
                        let r = part.down.rows
                        for o in 0..<outputs {
                            for j in 0..<r { up[o * rank + column + j] = part.up.scalars[o * r + j] }
                        }
                        column += r
                    }
                    merged[layer][target] = LoRAFactors(
                        down: Tensor(shape: [rank, inputs], scalars: down),
                        up: Tensor(shape: [outputs, rank], scalars: up))
                case .svd, .tiesSVD, .magnitudePruneSVD:
                    let matrix = preSVDMatrix(
                        parts, scalings: scalings.map { Float($0) }, weights: weights32, type: type, density: density)
                    let factors = try LowRankFactorization.truncated(
                        matrix, rows: outputs, columns: inputs, rank: rank, name: name)
                    merged[layer][target] = LoRAFactors(down: factors.down, up: factors.up)
                }
            }
        }
        return Result(rank: rank, factors: merged)
    }

    /// The matrix PEFT hands to `torch.linalg.svd` for one module: Σ wᵢΔWᵢ, TIES of the ΔWᵢ, or Σ wᵢ·prune(ΔWᵢ).
    public static func preSVDMatrix(
        _ parts: [LoRAFactors], scalings: [Float], weights: [Float], type: CombinationType, density: Double
    ) -> [Float] {
        let deltas = zip(parts, scalings).map { part, scaling in part.delta(scaling: scaling).scalars }
        switch type {
        case .tiesSVD: return ties(deltas, weights, density)
        case .magnitudePruneSVD: return magnitudePrune(deltas, weights, density)
        default: return weightedSum(deltas, weights)
        }
    }

    /// Σᵢ fl(wᵢ·Xᵢ), summed in order.
    static func weightedSum(_ tensors: [[Float]], _ weights: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: tensors[0].count)
        for (tensor, weight) in zip(tensors, weights) {
            for i in out.indices { out[i] += tensor[i] * weight }
        }
        return out
    }

    /// PEFT's `magnitude_based_pruning`: keeps the ⌊density·n⌋ largest magnitudes (none when that is 0).
    static func pruned(_ tensor: [Float], _ density: Double) -> [Float] {
        let keep = Int(density * Double(tensor.count))
        let mask = MagnitudeSelection.largest(tensor, count: keep)
        var out = [Float](repeating: 0, count: tensor.count)
        for i in out.indices where mask[i] { out[i] = tensor[i] }
        return out
    }

    /// PEFT `magnitude_prune`: Σᵢ wᵢ·prune(Xᵢ).
    static func magnitudePrune(_ tensors: [[Float]], _ weights: [Float], _ density: Double) -> [Float] {
        weightedSum(tensors.map { pruned($0, density) }, weights)
    }

    /// PEFT `ties` with `majority_sign_method="total"`.
    static func ties(_ tensors: [[Float]], _ weights: [Float], _ density: Double) -> [Float] {
        let prunedTensors = tensors.map { pruned($0, density) }
        let n = tensors[0].count
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var total: Float = 0
            for tensor in prunedTensors { total += tensor[i] }
            let elected: Float = total >= 0 ? 1 : -1
            var sum: Float = 0
            var count: Float = 0
            for (tensor, weight) in zip(prunedTensors, weights) {
                let value = tensor[i]
                let sign: Float = value > 0 ? 1 : value < 0 ? -1 : 0
                if sign == elected {
                    sum += value * weight
                    count += 1
                } else {
                    sum += (value * weight) * 0
                }
            }
            out[i] = sum / max(count, 1)
        }
        return out
    }
}
