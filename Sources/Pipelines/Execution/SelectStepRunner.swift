import Adapters
import Foundation
import FoundryCore
import Tabular

/// Runs a `select` step: scores each candidate adapter on the gold rows of one split of the evaluation table
/// (``ModelSelection``), and in `route` mode also trains an ``ExpertRouter``: on the step's exemplars when it names
/// them, else cross-fitted on the rows each candidate gets right.
///
/// The step's output is an adapter, so `register` and `deploy` may follow it: the best single candidate's files
/// (in `route` mode too, as the fallback a single endpoint serves), with `selection.json` (every candidate's scores)
/// and, when routing, `router.json` beside them.
enum SelectStepRunner {
    /// Folds of the router's cross-fitting (as `foundry select --route` without exemplars).
    static let routerFolds = 5

    static func run(
        candidates: [(name: String, directory: URL)], table: TableArtifact, step: SelectStep, model: URL,
        classes: [String], name: String, exemplars: URL? = nil
    ) throws -> StepOutcome {
        guard let metric = SelectionMetric(rawValue: step.metric) else {
            throw PipelinesError.stepFailed(step: name, reason: "unknown metric '\(step.metric)'")
        }
        guard let split = RowSplit(rawValue: step.split) else {
            throw PipelinesError.stepFailed(step: name, reason: "unknown split '\(step.split)'")
        }
        guard let gold = table.gold else {
            throw PipelinesError.stepFailed(
                step: name, reason: "the evaluation table '\(step.evaluation)' has no gold labels (label_field)")
        }
        let rows = table.rows(in: split).filter { gold[$0] >= 0 }
        guard !rows.isEmpty else {
            throw PipelinesError.stepFailed(
                step: name, reason: "the '\(step.split)' split of '\(step.evaluation)' has no rows with gold labels")
        }
        let texts = try table.texts()
        let encoder = try SentenceEncoder(directory: model)
        let result = try ModelSelection.evaluate(
            candidates: candidates.map { SelectionCandidate(name: $0.name, adapterDirectory: $0.directory) },
            encoder: encoder, texts: rows.map { texts[$0] }, gold: rows.map { gold[$0] }, classes: classes,
            metric: metric, routing: try routing(step, exemplars: exemplars, candidates: candidates.map(\.name)))
        guard let chosen = candidates.first(where: { $0.name == result.chosen }) else {
            throw PipelinesError.stepFailed(step: name, reason: "the chosen candidate '\(result.chosen)' is unknown")
        }
        var figures = ["rows": Double(rows.count), "chosen_score": result.chosenScore]
        if let routing = result.routing { figures["routed_score"] = routing.scores.score }
        return StepOutcome(figures: figures) { directory in
            let files = try FileManager.default.contentsOfDirectory(
                at: chosen.directory, includingPropertiesForKeys: [.isRegularFileKey])
            // The chosen adapter's files; not its cache entry's manifest (this entry gets its own).
            for file in files
            where file.lastPathComponent != PipelineCache.manifestName
                && (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
            {
                try FileManager.default.copyItem(at: file, to: directory.appendingPathComponent(file.lastPathComponent))
            }
            try AtomicFile.write(
                Data(try FoundryJSON.string(result, pretty: true).utf8),
                to: directory.appendingPathComponent("selection.json"))
            try AtomicFile.write(
                Data(try FoundryJSON.string(result.section, pretty: true).utf8),
                to: directory.appendingPathComponent("selection_section.json"))
            try result.router?.write(to: directory.appendingPathComponent("router.json"))
        }
    }

    /// How the router is trained: nil in `best` mode; the exemplars when the step names them; else cross-fitted.
    static func routing(_ step: SelectStep, exemplars: URL?, candidates: [String]) throws -> RouterTraining? {
        guard step.mode == .route else { return nil }
        guard let exemplars else { return .crossFitted(folds: routerFolds, seed: 0) }
        return .exemplars(try readExemplars(exemplars, step: step, candidates: candidates))
    }

    /// The exemplars file: one text per row in `text_field`, the input step that should handle it in `task_field`.
    ///
    /// - Throws: ``PipelinesError/invalidData(source:row:field:reason:)`` naming the file, line and column for a
    ///   missing column, an empty text or an adapter step that is not among the step's inputs.
    static func readExemplars(_ url: URL, step: SelectStep, candidates: [String]) throws -> [RoutingExemplar] {
        let table: TextTable
        do {
            table = try TableFormat.read(url)
        } catch {
            throw PipelinesError.invalidData(source: url.path, row: nil, field: nil, reason: "\(error)")
        }
        func column(_ name: String) throws -> [String] {
            do {
                return try table.column(name)
            } catch {
                throw PipelinesError.invalidData(
                    source: url.path, row: nil, field: name,
                    reason: "no column '\(name)'; columns: \(table.columnNames.joined(separator: ", "))")
            }
        }
        let texts = try column(step.textField)
        let tasks = try column(step.taskField)
        guard !texts.isEmpty else {
            throw PipelinesError.invalidData(source: url.path, row: nil, field: nil, reason: "no exemplars")
        }
        return try zip(texts, tasks).enumerated().map { row, pair in
            let line = table.lineNumbers[row]
            guard !pair.0.isEmpty else {
                throw PipelinesError.invalidData(
                    source: url.path, row: line, field: step.textField, reason: "an empty exemplar text")
            }
            guard candidates.contains(pair.1) else {
                throw PipelinesError.invalidData(
                    source: url.path, row: line, field: step.taskField,
                    reason: "'\(pair.1)' is not one of the step's inputs (\(candidates.joined(separator: ", ")))")
            }
            return RoutingExemplar(text: pair.0, candidate: pair.1)
        }
    }
}
