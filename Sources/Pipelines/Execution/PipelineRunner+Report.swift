import Foundation
import FoundryCore
import Labeling

extension PipelineRunner {
    /// Builds the ``RunReport`` from the steps' entries and writes it into the run directory.
    ///
    /// - Returns: the report's path relative to the run directory.
    func writeReport(_ record: RunRecord, entries: [String: URL]) throws -> String {
        var report = RunReport(
            pipeline: record.pipeline, spec: record.spec, startedAt: record.startedAt, seconds: record.seconds,
            classes: spec.classes, steps: record.steps)
        for name in record.steps.map(\.name) {
            guard let step = spec.step(named: name), let entry = entries[name] else { continue }
            switch step.action {
            case .clean:
                report.cleaning = try? PipelineReportFiles.decode(
                    CleaningSection.self, entry.appendingPathComponent("cleaning.json"))
            case .labelModel:
                if let summary = try? PipelineJSON.decode(
                    LabelModelSummary.self, from: entry.appendingPathComponent("summary.json"))
                {
                    report.labelModel = LabelModelSection(
                        method: summary.method, choice: summary.choice, reason: summary.reason,
                        accuracy: summary.accuracy, f1: summary.f1)
                }
            // LEAD (part D): once `Sources/Pipelines/Report` is merged, fill the calibration and class balance
            // here with `LabelModelSection.calibration(probabilities:gold:bins:)` and
            // `ClassBalanceSection.build(hardLabels:gold:classes:)` on this entry's `soft_labels.npy` and the
            // table's gold labels (TableArtifact.read(from: the manifest's tableKey entry)).
            case .train:
                if let section = try? PipelineReportFiles.decode(
                    TrainingSection.self, entry.appendingPathComponent("training_section.json"))
                {
                    report.training.append(section)
                }
            case .merge:
                if let section = try? PipelineReportFiles.decode(
                    MergeSection.self, entry.appendingPathComponent("merge_section.json"))
                {
                    report.merges.append(section)
                }
            case .deploy:
                if let serve = try? PipelineReportFiles.decode(
                    ServeManifest.self, entry.appendingPathComponent("serve.json"))
                {
                    report.endpoint = EndpointSection(
                        adapter: serve.adapter, url: serve.url, command: serve.command,
                        smokeRequests: serve.smokeRequests, smokeAccuracy: serve.smokeAccuracy, curl: serve.curl)
                }
            case .apply:
                // LEAD (part D): `report.labelingFunctions = try LabelingFunctionSection.build(matrix:
                // MatrixFiles.read(from: entry), gold: <the table's gold>)` once part D's builders are merged.
                break
            default:
                break
            }
        }
        // LEAD (part D): replace the JSON-only write with `try RunReportRenderer.write(report, to: runDirectory)`
        // (report.html + report.json) and return "report.html".
        try AtomicFile.write(
            Data(try FoundryJSON.string(report, pretty: true).utf8),
            to: runDirectory.appendingPathComponent("report.json"))
        return "report.json"
    }
}

/// Reads back the JSON files the steps write with `FoundryJSON` (snake_case keys).
enum PipelineReportFiles {
    static func decode<Value: Decodable>(_ type: Value.Type, _ url: URL) throws -> Value {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(contentsOf: url))
    }
}
