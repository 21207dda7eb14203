import ArgumentParser
import Foundation
import LabelModels

/// `foundry bench labelmodels`: every method on every WRENCH folder under a directory.
struct BenchLabelModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodels",
        abstract: "Every label model on every WRENCH folder (with train.json and test.json) under --data.")

    @Option(help: "A folder whose subfolders are WRENCH datasets (default: $FOUNDRY_DATA or ../shared/datasets).")
    var data: String?
    @Option(name: .customLong("class-balance"), help: "uniform, valid, estimated, or a known prior as p0,p1,….")
    var classBalance: ClassBalanceOption = .uniform
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Option(name: .customLong("repeat"), help: "Repetitions per (dataset, method); timings are medians.")
    var repeat_: Int = 3
    @OptionGroup var moments: MomentOptions
    @Flag(help: "Give auto and wmv each folder's valid split as a dev set (the other methods run without gold labels).")
    var dev = false
    @Flag(help: "Print one JSON object.")
    var json = false

    struct Report: Codable {
        var results: [EvaluationRecord]
        var mean_score_by_method: [String: Double]
        var score_note: String
    }

    func run() throws {
        let root = URL(
            fileURLWithPath: data ?? ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "../shared/datasets")
        let folders = try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)
            .filter {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent("train.json").path)
                    && FileManager.default.fileExists(atPath: $0.appendingPathComponent("test.json").path)
            }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !folders.isEmpty else {
            throw ValidationError("no WRENCH folders (with train.json and test.json) under \(root.path)")
        }
        var results: [EvaluationRecord] = []
        var scores: [String: [Double]] = [:]
        for folder in folders {
            for method in LabelModelMethod.allCases {
                // --l2, --dependencies and --prediction-floor configure moments and auto; the other methods run as they are.
                let methodOptions = method == .moments || method == .auto ? moments : try MomentOptions.parse([])
                var runs: [EvaluationRecord] = []
                for _ in 0..<max(1, repeat_) {
                    runs.append(
                        try evaluateWrench(
                            directory: folder, method: method, classBalance: classBalance, seed: 123,
                            tieBreak: tieBreak, moments: methodOptions,
                            dev: dev && (method == .auto || method == .wmv)))
                }
                var record = runs[0]
                record.fit_seconds = median(runs.map(\.fit_seconds))
                record.predict_seconds = median(runs.map(\.predict_seconds))
                results.append(record)
                let score =
                    folder.lastPathComponent.contains("sms") ? (record.test_f1 ?? 0) : (record.test_accuracy ?? 0)
                scores[method.rawValue, default: []].append(score)
                if !json {
                    FileHandle.standardError.write(
                        Data(
                            "\(record.dataset) \(method.rawValue): \(String(format: "%.4f", score)) (fit \(String(format: "%.4f", record.fit_seconds)) s)\n"
                                .utf8))
                }
            }
        }
        let report = Report(
            results: results, mean_score_by_method: scores.mapValues { $0.reduce(0, +) / Double($0.count) },
            score_note: "score = test F1 of class 1 for folders named *sms*, else test accuracy (as WRENCH reports)"
                + (dev ? "; auto and wmv used the valid split as a dev set (dev_rows)" : ""))
        try printJSON(report)
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
