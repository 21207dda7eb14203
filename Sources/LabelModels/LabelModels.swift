/// LabelModels: turn a ``Labeling/LabelMatrix`` of noisy votes into probabilistic training labels without gold labels.
///
/// Every model conforms to ``LabelModel``: `fit` on a label matrix (optionally with a small
/// dev set and/or a class balance), `predictProbabilities` (n × k, rows sum to 1), `predict`
/// with a ``TieBreakPolicy``, `score`, learned per-LF parameters and versioned JSON persistence
/// (``LabelModelFile``).
///
/// | model | idea | paper |
/// |---|---|---|
/// | ``MajorityVote`` | plurality of votes | — |
/// | ``WeightedMajorityVote`` | log-odds-weighted votes | — |
/// | ``DawidSkene`` | EM over per-LF confusion matrices, abstain as a response | Dawid & Skene 1979 |
/// | ``MomentMatching`` | snorkel's matrix-completion model, solved to a tolerance | Ratner et al. 2019 |
/// | ``Triplet`` | closed-form accuracies from triplets of LFs | Fu et al. 2020 |
/// | ``AutoLabelModel`` | the default: picks/combines the above, never much worse than MV | — |
///
/// The flows the CLI and the examples call: ``LabelModelConfiguration`` (a ``LabelModelMethod`` with its settings,
/// validated) builds models; ``LabelModelEvaluation`` fits and scores one on a WRENCH or ±1 LF-matrix CSV folder, or
/// every method on every folder under a root; ``LabelModelRobustness`` and ``LabelModelScale`` benchmark them on tasks
/// from ``Labeling/SyntheticLabelingTask``. Predictions leave as ``FoundryCore/SoftLabels``
/// (``LabelModel/predictSoftLabels(_:)``); scores use the Float64 probabilities.
///
/// Fitting reads sufficient statistics (``LabelStatistics``: per-LF vote counts, pairwise
/// co-vote counts) that add up across shards; prediction is a sparse pass over the votes.
public enum LabelModelsModule {}
