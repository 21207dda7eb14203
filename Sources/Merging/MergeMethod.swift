/// A merge method, by the name the CLI and the JSON records use.
///
/// PEFT's seven deterministic `combination_type`s, mergekit's full-weight methods, and the two methods that need
/// statistics saved beside each adapter (Fisher information, Gram matrices). ``AdapterMerge`` and ``CheckpointMerge``
/// document which apply where.
public enum MergeMethod: String, Sendable, CaseIterable, Codable {
    /// Weighted sum (adapters: lossless; full models: mergekit's normalized linear average).
    case linear
    /// Concatenated LoRA ranks (exact weighted sum of the ΔWᵢ).
    case cat
    /// Weighted sum of the ΔWᵢ re-factored by truncated SVD.
    case svd
    /// TIES-merging (Yadav et al. 2023).
    case ties
    /// PEFT's TIES on the ΔWᵢ, then truncated SVD.
    case tiesSVD = "ties_svd"
    /// Magnitude pruning, then a weighted sum.
    case magnitudePrune = "magnitude_prune"
    /// PEFT's magnitude pruning on the ΔWᵢ, then truncated SVD.
    case magnitudePruneSVD = "magnitude_prune_svd"
    /// Task arithmetic: base + λ·Σ wᵢτᵢ (Ilharco et al. 2023); negative weights forget a task.
    case taskArithmetic = "task_arithmetic"
    /// DARE (Yu et al. 2024) random drop with L1 rescale, then a weighted sum.
    case dareLinear = "dare_linear"
    /// DARE, then TIES sign consensus.
    case dareTies = "dare_ties"
    /// Model breadcrumbs (Davari & Belilovsky 2024): drop the smallest and the largest magnitudes.
    case breadcrumbs
    /// Model stock (Jang et al. 2024): interpolate towards the base by the task vectors' angle.
    case modelStock = "model_stock"
    /// Fisher-weighted averaging (Matena & Raffel 2022).
    case fisher
    /// RegMean (Jin et al. 2023, "Dataless Knowledge Fusion by Merging Weights of Language Models").
    case regmean
    /// TSV-Merge (Gargiulo et al. 2025, "Task Singular Vectors: Reducing Task Interference in Model Merging"):
    /// task arithmetic on each module's singular vectors after decorrelating them across tasks. Adapters only.
    case tsv

    /// Whether the method sparsifies by a density (and so reads `--density`).
    public var usesDensity: Bool {
        switch self {
        case .ties, .tiesSVD, .magnitudePrune, .magnitudePruneSVD, .dareLinear, .dareTies, .breadcrumbs: true
        default: false
        }
    }

    /// Whether the method adds task vectors without dividing by the weights (task arithmetic, DARE, breadcrumbs,
    /// magnitude pruning, TSV): its default weight is 1 per input (θ_base + λ·Σ τᵢ); the others default to equal
    /// weights summing to 1.
    public var addsTaskVectors: Bool {
        switch self {
        case .taskArithmetic, .dareLinear, .dareTies, .breadcrumbs, .magnitudePrune, .tsv: true
        default: false
        }
    }

    /// The default weights of `count` inputs: 1 each for the methods that add task vectors, else 1/count each.
    /// - Parameter peftCompatible: PEFT's types always default to 1/count.
    public func defaultWeights(count: Int, peftCompatible: Bool = false) -> [Double] {
        [Double](repeating: addsTaskVectors && !peftCompatible ? 1 : 1 / Double(max(1, count)), count: count)
    }

    /// The methods that merge full checkpoints (mergekit's).
    public static let checkpointMethods: [MergeMethod] = [
        .linear, .taskArithmetic, .ties, .dareLinear, .dareTies, .breadcrumbs, .modelStock,
    ]

    /// Every method ``CheckpointMerge`` runs: mergekit's, and RegMean with the Gram files `foundry merge gram` writes
    /// beside each checkpoint.
    public static let allCheckpointMethods: [MergeMethod] = checkpointMethods + [.regmean]
}
