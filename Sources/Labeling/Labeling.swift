/// Labeling: the programmatic-labeling layer of Foundry.
///
/// People write ``LabelingFunction``s (or declare them in YAML/JSON specs, ``LFSpec``) that vote a
/// class or abstain on each example; ``LFApplier`` runs them over a corpus on all cores and produces
/// a sparse ``LabelMatrix``; ``LFAnalysis`` summarises each function's coverage, overlaps, conflicts
/// and (given gold labels) accuracy, with snorkel 0.10's definitions. ``WrenchDataset`` and
/// ``SignedLFMatrixCSV`` read benchmark folders into label matrices. Files are read through the Tabular
/// module (`CSVReader`, `JSONLReader`, `TextTable`, `Record`).
///
/// ```swift
/// import Tabular
///
/// let table = try CSVReader.read(url)                     // COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS
/// let text = Preprocessors.field("CONTENT")               // shared by every function below
/// let lfs: [LabelingFunction<Record>] = [
///     .keyword(name: "subscribe", text: text, keywords: ["subscribe", "sub4sub"], label: 1),
///     try .regex(name: "check_out", text: text, pattern: "check.*out", label: 1),
///     .threshold(name: "short", value: text.whitespaceTokenCount(cappedAt: 5), .lessThan(5), label: 0),
/// ]
/// let result = try LFApplier(lfs, classNames: ["HAM", "SPAM"]).apply(table.records)
/// print(try LFAnalysis(result.labelMatrix, goldLabels: gold).table())
/// ```
public enum LabelingModule {}
