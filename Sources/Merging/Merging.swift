/// # Merging
///
/// Combines updates fine-tuned from the same base the way developers merge code: task vectors, PEFT's
/// `add_weighted_adapter` combination types, mergekit's full-weight methods, Fisher-weighted averaging and RegMean, plus
/// a conflict report to read before merging.
///
/// - ``TaskVectorMerge``: the per-tensor arithmetic of mergekit 0.1.5 (linear, task arithmetic with λ, TIES, DARE,
///   breadcrumbs, model stock) on contiguous Float32 buffers; DARE masks come from a seeded generator.
/// - ``PEFTCombination``: PEFT 0.21's factor-space arithmetic (linear, cat, ties, magnitude_prune on A and B
///   separately; svd, ties_svd, magnitude_prune_svd on ΔW, re-factored as B′ = U·S, A′ = Vh).
/// - ``AdapterMerge``: merges LoRA adapters. The default is exact ΔW-space merging — each adapter's
///   ΔWᵢ = scaling·Bᵢ·Aᵢ is merged as a full matrix and re-factored losslessly (concatenated ranks) or by truncated SVD
///   through LAPACK — because PEFT's factor-space linear merge adds cross terms Bⱼ·Aᵢ that belong to no task. The
///   PEFT-compatible mode is one flag away. Every task keeps its own classification head beside the merged encoder
///   update; heads of tasks sharing a label space can be averaged instead.
/// - ``CheckpointMerge``: full safetensors checkpoints of one architecture, streamed one tensor per input at a time.
/// - ``ConflictReport``: per tensor cosine, sign conflicts among the top-k% entries, support overlap and magnitude
///   ratio; layers ranked by conflict.
public enum MergingModule {}
