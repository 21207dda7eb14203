import Foundation
import FoundryCore
import Labeling

extension PipelineRunner {
    /// Builds the ``RunReport`` from the steps' entries and writes it into the run directory.
    ///
    /// - Returns: the report's path relative to the run directory.
    func writeReport(
        _ record: RunRecord, entries: [String: URL], reads: EntryReads, trace: PipelineTrace
    ) throws -> String {
        let cache = try? PipelineCache(directory: cacheDirectory)
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
                if let summary = try? PipelineReportFiles.decode(
                    LabelModelSummary.self, entry.appendingPathComponent("summary.json"))
                {
                    var section = LabelModelSection(
                        method: summary.method, choice: summary.choice, reason: summary.reason,
                        accuracy: summary.accuracy, f1: summary.f1)
                    if let soft = try? SoftLabels(
                        numPyFile: entry.appendingPathComponent("soft_labels.npy"), classNames: spec.classes)
                    {
                        let table = try? reads.table(tableEntry(of: entry, in: cache))
                        let hard = soft.hardLabels().map(\.rawValue)
                        let k = soft.classNames.count
                        if let gold = table?.gold, gold.count == soft.rowCount {
                            // Calibrated on the rows the summary scores: the test split's gold rows (all gold rows
                            // without a split).
                            let test = table?.rows(in: .test) ?? []
                            let rows = (test.isEmpty ? Array(0..<gold.count) : test).filter { gold[$0] >= 0 }
                            let probabilities = rows.map { row in
                                (0..<k).map { Double(soft.probabilities[row * k + $0]) }
                            }
                            if let calibration = try? LabelModelSection.calibration(
                                probabilities: probabilities, gold: rows.map { gold[$0] },
                                predicted: rows.map { hard[$0] })
                            {
                                section.calibration = calibration.bins
                                section.expectedCalibrationError = calibration.expectedCalibrationError
                            }
                        }
                        report.classBalance = try? ClassBalanceSection.build(
                            hardLabels: hard, gold: table?.gold.flatMap { $0.count == hard.count ? $0 : nil },
                            classes: soft.classNames)
                    }
                    report.labelModel = section
                }
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
            case .select:
                if let section = try? PipelineReportFiles.decode(
                    SelectionSection.self, entry.appendingPathComponent("selection_section.json"))
                {
                    report.selection = section
                }
            case .deploy:
                if let serve = try? PipelineReportFiles.decode(
                    ServeManifest.self, entry.appendingPathComponent("serve.json"))
                {
                    report.endpoint = EndpointSection(
                        adapter: serve.adapter, url: serve.url, command: serve.command,
                        smokeRequests: serve.smokeRequests, smokeAccuracy: serve.smokeAccuracy, curl: serve.curl)
                }
            case .apply, .data:
                // Votes: an apply step's, or a WRENCH or crowd folder's (the last such step in the run is shown).
                guard FileManager.default.fileExists(atPath: entry.appendingPathComponent("label_matrix.npy").path),
                    let matrix = try? reads.matrix(entry)
                else { continue }
                let table = try? reads.table(tableEntry(of: entry, in: cache))
                let gold = table?.gold.flatMap { $0.count == matrix.rowCount ? $0 : nil }
                if let section = try? LabelingFunctionSection.build(matrix: matrix, gold: gold) {
                    report.labelingFunctions = section
                }
            default:
                break
            }
            trace.mark("report section \(name)")
        }
        try RunReportRenderer.write(report, to: runDirectory)
        return "report.html"
    }

    /// The cache entry holding the table an entry's output is about (its manifest's table key, else itself).
    private func tableEntry(of entry: URL, in cache: PipelineCache?) -> URL {
        guard let key = cache?.manifest(entry.lastPathComponent)?.tableKey, let url = cache?.entry(key) else {
            return entry
        }
        return url
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
