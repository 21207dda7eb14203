/// Labeling: the programmatic-labeling layer of Foundry.
///
/// People write ``LabelingFunction``s (or declare them in YAML/JSON specs) that vote a class or
/// abstain on each example; ``LFApplier`` runs them over a corpus on all cores and produces a
/// sparse ``LabelMatrix``; ``LFAnalysis`` summarises each function's coverage, overlaps,
/// conflicts and (given gold labels) accuracy, with snorkel 0.10's definitions. Readers turn
/// CSV (RFC 4180), JSONL and WRENCH folders into ``TextTable``s and label matrices.
public enum LabelingModule {}
