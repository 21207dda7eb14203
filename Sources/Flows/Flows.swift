/// # Flows
///
/// The flows Foundry runs end to end, as library functions with typed options and `Codable` results, so a Swift
/// program, a pipeline and the `foundry` command all run the same code:
///
/// - ``TableLabeling``: apply declarative labeling functions to a table → label matrix and LF summary.
/// - ``TrainingCorpus`` and ``AdapterTraining``: weak labels → label model → soft labels → LoRA adapter → test scores →
///   Fisher information.
/// - ``StoredFlows``: the same steps reading a dataset-store version and writing each step's output back (label
///   matrix, soft labels with the label-model file, adapter with its configuration and metrics), linked by lineage,
///   each step in one unit of work.
///
/// ```swift
/// let corpus = try TrainingCorpus.wrench(folder: youtube, labelModel: LabelModelConfiguration(method: .auto), seed: 0)
/// let encoder = try SentenceEncoder(directory: modelFolder)
/// let outcome = try AdapterTraining.run(corpus: corpus, encoder: encoder, options: AdapterTraining.Options())
/// print(outcome.result.testAccuracy ?? .nan)
/// ```
public enum FlowsModule {}
