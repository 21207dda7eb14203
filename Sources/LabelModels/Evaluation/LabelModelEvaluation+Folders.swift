import Foundation
import Labeling

extension LabelModelEvaluation {
    /// Every method on every dataset folder under a root: the results and each method's mean score.
    public struct Report: Sendable, Equatable, Codable {
        /// One result per (folder, method), folders in name order, methods in the order asked for.
        public var results: [Result]
        /// Each method's mean ``benchmarkScore(_:)`` over the folders.
        public var meanScoreByMethod: [String: Double]
        /// What the score is.
        public var scoreNote: String

        enum CodingKeys: String, CodingKey {
            case results, meanScoreByMethod = "mean_score_by_method", scoreNote = "score_note"
        }
    }

    /// The score a benchmark reports for a result, as WRENCH does: test F1 of class 1 for folders whose name contains
    /// `sms` (spam is rare there), test accuracy otherwise; 0 when missing.
    public static func benchmarkScore(_ result: Result) -> Double {
        result.dataset.contains("sms") ? (result.testF1 ?? 0) : (result.testAccuracy ?? 0)
    }

    /// The WRENCH folders under `root`: subfolders holding both `train.json` and `test.json`, in name order.
    ///
    /// - Throws: ``LabelModelsError/invalidInput(_:)`` when `root` cannot be listed or holds no such folder.
    public static func wrenchFolders(under root: URL) throws -> [URL] {
        let contents: [URL]
        do {
            contents = try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)
        } catch {
            throw LabelModelsError.invalidInput("\(root.path): cannot list the folder (\(error.localizedDescription))")
        }
        let folders =
            contents
            .filter {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent("train.json").path)
                    && FileManager.default.fileExists(atPath: $0.appendingPathComponent("test.json").path)
            }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !folders.isEmpty else {
            throw LabelModelsError.invalidInput("no WRENCH folders (with train.json and test.json) under \(root.path)")
        }
        return folders
    }

    /// Evaluates every method on every WRENCH folder under `root` (`foundry bench labelmodels`).
    ///
    /// Each method gets the settings of `options.model` that apply to it (``LabelModelConfiguration/applied(to:)``),
    /// and a dev set only if it uses one (auto and wmv). Each folder is read once.
    ///
    /// - Parameters:
    ///   - root: a folder whose subfolders are WRENCH datasets (see ``wrenchFolders(under:)``).
    ///   - options: the shared options; `options.model.method` is ignored (every method in `methods` runs).
    ///   - methods: the methods to run, by default all.
    ///   - repeats: fits per (folder, method); the scores are the first run's (runs are deterministic), the timings
    ///     the medians.
    ///   - progress: called after each (folder, method) with its result.
    /// - Returns: every result and each method's mean ``benchmarkScore(_:)``.
    /// - Throws: as ``evaluate(folder:options:)``, and when `root` holds no WRENCH folder.
    public static func evaluateAll(
        root: URL, options: Options, methods: [LabelModelMethod] = LabelModelMethod.allCases, repeats: Int = 3,
        progress: ((Result) -> Void)? = nil
    ) throws -> Report {
        if options.model.devMetric != nil, !options.useDevSet {
            throw LabelModelsError.invalidConfiguration(
                "a dev metric ranks auto's candidate models on a dev set, and no dev set was asked for")
        }
        var results: [Result] = []
        var scores: [String: [Double]] = [:]
        for folder in try wrenchFolders(under: root) {
            let splits = try EvaluationSplits.load(folder, transductive: options.transductive)
            for method in methods {
                var methodOptions = options
                methodOptions.model = options.model.applied(to: method)
                methodOptions.useDevSet = options.useDevSet && method.usesDevSet
                var runs: [Result] = []
                for _ in 0..<max(1, repeats) { runs.append(try evaluate(splits, options: methodOptions).result) }
                var result = runs[0]
                result.fitSeconds = upperMedian(runs.map(\.fitSeconds))
                result.predictSeconds = upperMedian(runs.map(\.predictSeconds))
                results.append(result)
                scores[method.rawValue, default: []].append(benchmarkScore(result))
                progress?(result)
            }
        }
        return Report(
            results: results, meanScoreByMethod: scores.mapValues { $0.reduce(0, +) / Double($0.count) },
            scoreNote: "score = test F1 of class 1 for folders named *sms*, else test accuracy (as WRENCH reports)"
                + (options.useDevSet ? "; auto and wmv used the valid split as a dev set (dev_rows)" : ""))
    }
}
