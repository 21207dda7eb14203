import Foundation
import FoundryCore
import Labeling
import Tabular

/// Applies the labeling functions of a declarative spec to a table: the flow behind `foundry apply`.
///
/// The spec's functions are compiled against the table's columns (functions without `field` read
/// ``Options/textField``), applied on all cores (rows in order, bit-identical for any thread count), and summarised
/// with snorkel 0.10's definitions, with accuracies when a gold column is given.
public enum TableLabeling {
    /// What to apply and how.
    public struct Options: Sendable {
        /// The column functions without a `field` read.
        public var textField: String
        /// Class names; nil takes the spec's `classes`.
        public var classNames: [String]?
        /// A column with gold class names or indices, for accuracies in the summary (empty cell = unknown).
        public var goldColumn: String?
        /// Stop at the first function error instead of abstaining on that row.
        public var failFast: Bool
        /// The encoder for `similarity` functions: the distinct texts they read are embedded once, in one batch.
        public var embedder: (any TextEmbedder)?

        /// Creates options.
        public init(
            textField: String, classNames: [String]? = nil, goldColumn: String? = nil, failFast: Bool = false,
            embedder: (any TextEmbedder)? = nil
        ) {
            self.textField = textField
            self.classNames = classNames
            self.goldColumn = goldColumn
            self.failFast = failFast
            self.embedder = embedder
        }
    }

    /// What an application produced, as `foundry apply --json` prints it.
    public struct Report: Sendable, Codable {
        /// Where the rows came from (a file path or `dataset@version`).
        public var input: String
        /// Rows labelled.
        public var rows: Int
        /// Labeling functions applied.
        public var lfs: Int
        /// Wall-clock seconds of the application.
        public var seconds: Double
        /// The class names the votes refer to.
        public var classNames: [String]
        /// The LF summary (coverage, overlaps, conflicts, accuracy with gold labels).
        public var summary: LFAnalysis
        /// Functions that threw on some rows (they abstained there).
        public var faults: [LFFaultReport]
    }

    /// The label matrix, the gold labels read from the table and the report.
    public struct Outcome: Sendable {
        /// n × m votes.
        public var labelMatrix: LabelMatrix
        /// Gold class indices (`-1` = unknown) when a gold column was given.
        public var goldLabels: [Int]?
        /// The report.
        public var report: Report
    }

    /// Applies `spec` to `table`.
    ///
    /// - Parameters:
    ///   - table: the rows (its ``TextTable/source`` names them in errors and the report).
    ///   - spec: the declarative functions.
    ///   - options: text field, classes, gold column, fault policy.
    ///   - progress: called as blocks of rows finish.
    ///   - cancellation: checked between blocks.
    /// - Throws: ``FlowsError/invalidOptions(_:)`` without class names; ``TabularError`` for a missing column or an
    ///   unknown gold class (file, line and column named); ``LabelingError`` for an invalid spec or, with
    ///   `failFast`, a failing function.
    /// - Complexity: O(rows · functions) on all cores.
    public static func run(
        table: TextTable, spec: LFSpec, options: Options, progress: ProgressHandler? = nil,
        cancellation: CancellationFlag? = nil
    ) throws -> Outcome {
        _ = try table.columnIndex(options.textField)
        guard let classNames = options.classNames ?? spec.classNames, classNames.count >= 2 else {
            throw FlowsError.invalidOptions(
                "no class names: add 'classes: [...]' to \(spec.source) or pass them (at least two)")
        }
        let gold = try options.goldColumn.map { try table.classIndices(column: $0, classNames: classNames) }
        var embeddings: EmbeddingLookup?
        if spec.needsEmbeddings, let embedder = options.embedder {
            let fields = spec.embeddingFields(defaultField: options.textField).filter(table.columnNames.contains)
            embeddings = try EmbeddingLookup(texts: try fields.flatMap { try table.column($0) }, embedder: embedder)
        }
        let functions = try spec.compile(
            classNames: classNames, defaultField: options.textField, columns: table.columnNames,
            embeddings: embeddings)
        let applier = LFApplier(functions, classNames: classNames, configuration: .init(failFast: options.failFast))
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try applier.apply(table.records, progress: progress, cancellation: cancellation)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let summary = try LFAnalysis(result.labelMatrix, goldLabels: gold)
        let report = Report(
            input: table.source, rows: table.rowCount, lfs: functions.count, seconds: seconds, classNames: classNames,
            summary: summary, faults: result.faults)
        return Outcome(labelMatrix: result.labelMatrix, goldLabels: gold, report: report)
    }
}
