import Cleaning
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Tabular

/// Runs a `clean` step: validates the table against the constraints (the `Cleaning` module's evaluation), drops the
/// rows failing an error-severity constraint (and later exact duplicates of the text, when asked).
enum CleanStepRunner {
    static func run(table: TableArtifact, step: CleanStep, constraints: ConstraintSet, name: String) throws
        -> StepOutcome
    {
        let cleaningTable = CleaningTable(table.table)
        let report = try constraints.validate(cleaningTable, options: ValidationOptions(maxFailuresListed: nil))
        var dropped = Set<Int>()
        var findings: [CleaningSection.Finding] = []
        for result in report.results {
            findings.append(
                CleaningSection.Finding(
                    constraint: result.name, severity: result.severity.rawValue, failures: result.rowsFailed,
                    examples: Array(result.sampleValues.prefix(5))))
            if step.dropFailing, result.severity == .error {
                for failure in result.failures { dropped.insert(failure.row) }
            }
        }
        if step.dropDuplicates {
            var seen = Set<String>()
            for (row, text) in try table.texts().enumerated() where !seen.insert(text).inserted { dropped.insert(row) }
        }
        let kept = (0..<table.rowCount).filter { !dropped.contains($0) }
        let cleaned = table.keeping(kept)
        let section = CleaningSection(rows: table.rowCount, droppedRows: dropped.count, findings: findings)
        let figures: [String: Double] = [
            "rows": Double(table.rowCount), "dropped_rows": Double(dropped.count), "kept_rows": Double(kept.count),
            "constraints": Double(report.results.count),
            "failed_constraints": Double(report.results.filter { !$0.passed }.count),
        ]
        return StepOutcome(figures: figures) { directory in
            try cleaned.write(to: directory)
            try AtomicFile.write(
                Data(try FoundryJSON.string(section, pretty: true).utf8),
                to: directory.appendingPathComponent("cleaning.json"))
            try AtomicFile.write(
                Data(try FoundryJSON.string(report, pretty: true).utf8),
                to: directory.appendingPathComponent("validation.json"))
        }
    }
}

/// Runs an `apply` step column by column: each function's votes are cached under the key of (the input table, the
/// function's canonical spec, the class names), so editing one function re-applies that column only, and the label
/// matrix is assembled from the columns — equal, vote for vote, to applying all functions at once with ``LFApplier``.
/// The functions whose columns are not cached are applied together in one pass over the rows (sharing tokens and
/// other preprocessed columns); similarity functions in one pass per encoder and text field, with its embeddings.
struct ApplyStepRunner {
    let table: TableArtifact
    let tableKey: String
    let spec: LFSpec
    let classes: [String]
    let cache: PipelineCache
    let progress: ProgressHandler?
    let cancellation: CancellationFlag?
    /// The encoder of each similarity function, by function name.
    var encoders: [String: SimilarityEncoder] = [:]
    /// Each function's ``CanonicalText`` as the step's fingerprint rendered it, by function name (rendered again here
    /// when missing).
    var functionTexts: [String: String] = [:]
    /// Timing marks.
    var trace: PipelineTrace?

    /// The cache key of one function's column (a similarity function's key includes its encoder's content hash).
    ///
    /// - Parameter functionText: the function's ``CanonicalText``, when the caller has it already.
    static func columnKey(
        tableKey: String, function: LabelingFunctionSpec, classes: [String], encoderDigest: String? = nil,
        functionText: String? = nil
    ) -> String {
        var text =
            "foundry-pipeline-column \(PipelineCache.formatVersion)\ntable \(tableKey)\n"
            + "classes \(CanonicalText.of(classes))\nfunction \(functionText ?? CanonicalText.of(function))\n"
        if let encoderDigest { text += "encoder \(encoderDigest)\n" }
        return Digest.sha256Hex(Array(text.utf8))
    }

    func run() throws -> StepOutcome {
        var records: [Record]?  // built once, when the first column has to be computed
        let n = table.rowCount
        var columns = [[Int16]?](repeating: nil, count: spec.labelingFunctions.count)
        var keys: [String] = []
        var cached = 0
        var faults: [LFFaultReport] = []
        for (index, function) in spec.labelingFunctions.enumerated() {
            let key = Self.columnKey(
                tableKey: tableKey, function: function, classes: classes,
                encoderDigest: encoders[function.name]?.digest, functionText: functionTexts[function.name])
            keys.append(key)
            if let column = cache.column(key, rows: n) {
                columns[index] = column
                cached += 1
            }
        }
        trace?.mark("column keys: \(cached) cached")
        let missing = columns.indices.filter { columns[$0] == nil }
        var done = cached
        func report(_ name: String) {
            progress?(FoundryCore.Progress(completed: done, total: spec.labelingFunctions.count, message: name))
        }
        if cached > 0 { report("\(cached) cached") }
        func rows() -> [Record] {
            let rows = records ?? table.table.records
            records = rows
            return rows
        }
        /// Applies `functions` together (one pass over the rows, the tokens and other preprocessed columns shared) and
        /// caches each one's column.
        func compute(_ positions: [Int], embeddings: EmbeddingLookup?) throws {
            let functions = positions.map { spec.labelingFunctions[$0] }
            let together = LFSpec(source: spec.source, classNames: classes, labelingFunctions: functions)
            let compiled = try together.compile(
                classNames: classes, defaultField: table.textField, columns: table.table.columnNames,
                embeddings: embeddings)
            let result = try LFApplier(compiled, classNames: classes).apply(rows(), cancellation: cancellation)
            var computed = [[Int16]](repeating: [Int16](repeating: -1, count: n), count: positions.count)
            result.labelMatrix.forEachVote { row, lf, classIndex in computed[lf][row] = Int16(classIndex) }
            faults += result.faults.filter { $0.count > 0 }
            trace?.mark("applied \(positions.count)")
            for (offset, position) in positions.enumerated() {
                try cache.storeColumn(keys[position], votes: computed[offset])
                columns[position] = computed[offset]
                done += 1
            }
            report(functions.map(\.name).joined(separator: ", "))
        }
        // Every function but the similarity ones (those with an encoder) in one pass.
        func embeds(_ position: Int) -> Bool {
            spec.labelingFunctions[position].kind == .similarity
                && encoders[spec.labelingFunctions[position].name] != nil
        }
        let plain = missing.filter { !embeds($0) }
        if !plain.isEmpty {
            if cancellation?.isCancelled == true { throw LabelingError.cancelled }
            try compute(plain, embeddings: nil)
            trace?.mark("computed \(plain.count)")
        }
        // Similarity functions: one pass per encoder and text field, with that field's embeddings computed once.
        var groups: [(key: String, encoder: SimilarityEncoder, field: String, positions: [Int])] = []
        for position in missing where embeds(position) {
            let function = spec.labelingFunctions[position]
            guard let encoder = encoders[function.name] else { continue }
            let field = function.field ?? table.textField
            let key = encoder.digest + "\n" + field
            if let group = groups.firstIndex(where: { $0.key == key }) {
                groups[group].positions.append(position)
            } else {
                groups.append((key, encoder, field, [position]))
            }
        }
        for group in groups {
            if cancellation?.isCancelled == true { throw LabelingError.cancelled }
            let embedder = try SentenceEmbedder(directory: group.encoder.directory)
            let lookup = try EmbeddingLookup(texts: try table.table.column(group.field), embedder: embedder)
            try compute(group.positions, embeddings: lookup)
        }
        let computed = missing.count
        let complete = columns.compactMap { $0 }
        guard complete.count == columns.count else {
            throw PipelinesError.cacheCorrupted(
                path: cache.columnsDirectory.path, reason: "a labeling function's votes are missing")
        }
        trace?.mark("columns: \(cached) cached, \(computed) computed")
        let matrix = Self.assemble(
            complete, rows: n, lfNames: spec.labelingFunctions.map(\.name), classNames: classes)
        let analysis = try LFAnalysis(matrix, goldLabels: table.gold)
        trace?.mark("matrix assembled and analysed")
        let figures: [String: Double] = [
            "rows": Double(n), "labeling_functions": Double(matrix.lfCount), "coverage": analysis.coverage,
            "overlap": analysis.overlap, "conflict": analysis.conflict, "votes": Double(matrix.voteCount),
        ]
        return StepOutcome(figures: figures, partsCached: cached, partsComputed: computed, tableKey: tableKey) {
            directory in
            try MatrixFiles.write(matrix, to: directory)
            try AtomicFile.write(
                Data(try FoundryJSON.string(analysis, pretty: true).utf8),
                to: directory.appendingPathComponent("analysis.json"))
            if !faults.isEmpty {
                try AtomicFile.write(
                    Data(try FoundryJSON.string(faults, pretty: true).utf8),
                    to: directory.appendingPathComponent("faults.json"))
            }
        }
    }

    /// The label matrix of per-function columns (−1 = abstain), votes in function order within each row.
    static func assemble(_ columns: [[Int16]], rows: Int, lfNames: [String], classNames: [String]) -> LabelMatrix {
        var builder = LabelMatrix.Builder(lfNames: lfNames, classNames: classNames)
        for row in 0..<rows {
            for (lf, column) in columns.enumerated() where column[row] >= 0 {
                builder.appendVote(lf: lf, classIndex: Int(column[row]))
            }
            builder.finishRow()
        }
        return builder.build()
    }
}

/// What a `label_model` step chose and scored, in `summary.json`.
struct LabelModelSummary: Codable, Sendable, Equatable {
    var method: String
    var choice: String?
    var reason: String?
    var trainRows: Int
    var devRows: Int?
    var evaluatedRows: Int
    var accuracy: Double?
    var f1: Double?
    var macroF1: Double?
    /// The prior the model was fitted with, when one was given (the LF spec's or the step's).
    var classBalance: [Double]?
}

/// Runs a `label_model` step: fits the label model on the train rows' votes (with the valid rows' gold as the dev
/// set when asked), predicts soft labels for every row and scores them on the test rows' gold.
enum LabelModelStepRunner {
    static func run(
        votes: URL, matrix: LabelMatrix, table: TableArtifact, tableKey: String, step: LabelModelStep,
        classBalance: ClassBalance, classes: [String],
        progress: ProgressHandler?, trace: PipelineTrace? = nil
    ) throws -> StepOutcome {
        guard matrix.rowCount == table.rowCount else {
            throw PipelinesError.cacheCorrupted(
                path: votes.path, reason: "\(matrix.rowCount) rows of votes for a table of \(table.rowCount)")
        }
        let method = try LabelModelMethod(name: step.method)
        var model = try LabelModelConfiguration(method: method).makeModel()
        let trainRows = table.rows(in: .train)
        guard !trainRows.isEmpty else {
            throw PipelinesError.invalidData(
                source: table.table.source, row: nil, field: nil, reason: "no train rows to fit the label model on")
        }
        var options = FitOptions(classBalance: classBalance, seed: step.seed, progress: progress)
        var devRows: Int?
        if step.useDevSet {
            guard let gold = table.gold else {
                throw PipelinesError.invalidData(
                    source: table.table.source, row: nil, field: table.labelField,
                    reason: "use_dev_set needs gold labels (a label_field on the data step)")
            }
            let valid = table.rows(in: .valid).filter { gold[$0] >= 0 }
            guard !valid.isEmpty else {
                throw PipelinesError.invalidData(
                    source: table.table.source, row: nil, field: table.labelField,
                    reason: "use_dev_set needs valid rows with gold labels (add split: {valid: …} to the data step)")
            }
            options.devMatrix = matrix.rows(valid)
            options.devLabels = valid.map { gold[$0] }
            devRows = valid.count
        }
        try model.fit(matrix.rows(trainRows), options: options)
        trace?.mark("label model fitted")
        let probabilities = try model.predictProbabilities(matrix)
        let softLabels = try SoftLabels(probabilities, classNames: classes, source: "label model")
        let auto = model as? AutoLabelModel
        var summary = LabelModelSummary(
            method: step.method, choice: auto?.choice?.rawValue, reason: auto?.reason, trainRows: trainRows.count,
            devRows: devRows, evaluatedRows: 0)
        if case .given(let prior) = classBalance { summary.classBalance = prior }
        var figures: [String: Double] = ["train_rows": Double(trainRows.count)]
        if let gold = table.gold {
            let test = table.rows(in: .test)
            let rows = (test.isEmpty ? Array(0..<table.rowCount) : test).filter { gold[$0] >= 0 }
            if !rows.isEmpty {
                // Under a prior other than uniform, ties go to the likelier class (as `bench synthesize-lfs` scores).
                let predicted = try model.predict(
                    matrix.rows(rows), tieBreak: classBalance == .uniform ? .rowHash : .prior
                ).map(\.rawValue)
                let score = ClassificationScore(
                    gold: rows.map { gold[$0] }, predicted: predicted, cardinality: classes.count)
                summary.evaluatedRows = rows.count
                summary.accuracy = score.accuracy
                summary.f1 = classes.count == 2 ? score.f1 : nil
                summary.macroF1 = score.macroF1
                figures["accuracy"] = score.accuracy
                figures["f1"] = classes.count == 2 ? score.f1 : nil
                figures["macro_f1"] = score.macroF1
                figures["evaluated_rows"] = Double(rows.count)
            }
        }
        trace?.mark("label model predicted and scored")
        let covered = (0..<matrix.rowCount).map { matrix.rowOffsets[$0 + 1] > matrix.rowOffsets[$0] }
        let file = LabelModelFile(model)
        return StepOutcome(figures: figures, tableKey: tableKey) { directory in
            try softLabels.writeNumPy(to: directory.appendingPathComponent("soft_labels.npy"))
            // The JSON array JSONEncoder writes, built directly (the encoder costs ~0.5 ms for 2,000 Booleans).
            let coveredJSON = "[" + covered.map { $0 ? "true" : "false" }.joined(separator: ",") + "]"
            try AtomicFile.write(Data(coveredJSON.utf8), to: directory.appendingPathComponent("covered.json"))
            try file.write(to: directory.appendingPathComponent("label_model.json"))
            try AtomicFile.write(
                Data(try FoundryJSON.string(summary, pretty: true).utf8),
                to: directory.appendingPathComponent("summary.json"))
        }
    }
}

/// The encoder a similarity labeling function embeds texts with: its folder and the hash of its files.
struct SimilarityEncoder: Sendable, Equatable {
    /// The model folder (Hugging Face layout).
    var directory: URL
    /// The content hash of its files (part of the column's cache key).
    var digest: String
}
