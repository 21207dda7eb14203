import Foundation
import Tabular

/// A declared check suite ("CI for models"): per task a WRENCH folder, a metric and a threshold, and the largest
/// regression allowed against each parent on its own task. It runs before a merge, and before a commit to a protected
/// branch, is accepted; a failure blocks with a report and the branch stays where it was.
///
/// The suite lives in the repository as `checks.yaml`:
///
/// ```yaml
/// protected: [main]          # commits to these branches are checked too (merges always are)
/// max_regression: 2.0        # points (metric × 100) a merge may lose against a parent on that parent's own task
/// tasks:
///   - name: youtube
///     folder: youtube        # a WRENCH folder: absolute, relative to the repository, or under $FOUNDRY_DATA
///                            # (or dataset: NAME[@VERSION] with label_field: FIELD, read from the dataset store)
///     metric: accuracy
///     threshold: 0.80
///     branch: youtube        # the branch whose model owns this task (for the regression rule)
///     max_rows: 400          # optional: score the first rows of the test split only
/// ```
public struct CheckSuite: Sendable, Equatable {
    /// One task of the suite.
    public struct Task: Sendable, Equatable {
        /// The task's name (also the head's name in a merged adapter).
        public var name: String
        /// The WRENCH folder, resolved (`nil` for a dataset-store task).
        public var folder: URL?
        /// A dataset-store dataset as `NAME` or `NAME@VERSION` (`nil` for a WRENCH task); its rows are scored.
        public var dataset: String? = nil
        /// With ``dataset``: the field holding each row's gold class (an index, or one of the adapter's class names).
        public var labelField: String? = nil
        /// The metric: `accuracy`, `f1` (of class 1, as WRENCH scores rare-positive binary tasks) or `macro_f1`.
        public var metric: String
        /// The lowest accepted value.
        public var threshold: Double
        /// The branch whose model owns this task.
        public var branch: String?
        /// Score only the first rows of the test split.
        public var maxRows: Int?
    }

    /// The metrics the suite knows.
    public static let metrics = ["accuracy", "f1", "macro_f1"]

    /// The tasks.
    public var tasks: [Task]
    /// Branches whose commits are checked.
    public var protected: [String]
    /// Points a merge may lose against a parent on its own task (nil: no regression rule).
    public var maxRegression: Double?
    /// The file it was read from.
    public var path: String

    /// The suite file of a repository (`checks.yaml`).
    public static func url(in repository: ModelRepository) -> URL {
        repository.root.appendingPathComponent("checks.yaml")
    }

    /// Reads and validates a suite; every folder must exist.
    /// - Parameters:
    ///   - url: the YAML file.
    ///   - relativeTo: the folder relative paths start from (the repository).
    ///   - environment: where `FOUNDRY_DATA` is read.
    /// - Throws: ``ModelRepositoryError/invalidCheckSuite(path:reason:)`` naming the line, key or task.
    public static func load(
        _ url: URL, relativeTo folder: URL, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CheckSuite {
        do {
            let root = try SpecDocument.load(url).root
            try root.checkKeys(["protected", "max_regression", "tasks"])
            let protected = try root.optional("protected")?.strings(acceptingSingleValue: true) ?? []
            let maxRegression = try root.optional("max_regression")?.double()
            var tasks: [Task] = []
            for node in try root.required("tasks").list() {
                try node.checkKeys(
                    ["name", "folder", "dataset", "label_field", "metric", "threshold", "branch", "max_rows"])
                let name = try node.required("name").nonEmptyString()
                let metric = try node.optional("metric")?.choice(of: metrics) ?? "accuracy"
                let threshold = try node.required("threshold").double()
                let branch = try node.optional("branch")?.nonEmptyString()
                let maxRows = try node.optional("max_rows")?.int()
                let folderName = try node.optional("folder")?.nonEmptyString()
                let dataset = try node.optional("dataset")?.nonEmptyString()
                let labelField = try node.optional("label_field")?.nonEmptyString()
                switch (folderName, dataset) {
                case (nil, nil), (.some, .some):
                    throw ModelRepositoryError.invalidCheckSuite(
                        path: url.path,
                        reason:
                            "task \(name): give either folder (a WRENCH folder) or dataset (NAME[@VERSION] in the store)"
                    )
                case (nil, .some):
                    guard labelField != nil else {
                        throw ModelRepositoryError.invalidCheckSuite(
                            path: url.path, reason: "task \(name): a dataset task needs label_field (the gold class)")
                    }
                    tasks.append(
                        Task(
                            name: name, folder: nil, dataset: dataset, labelField: labelField, metric: metric,
                            threshold: threshold, branch: branch, maxRows: maxRows))
                case let (.some(folderName), nil):
                    guard let resolved = resolveFolder(folderName, relativeTo: folder, environment: environment)
                    else {
                        throw ModelRepositoryError.invalidCheckSuite(
                            path: url.path,
                            reason:
                                "task \(name): dataset folder \"\(folderName)\" does not exist (absolute, relative to \(folder.path), or under $FOUNDRY_DATA)"
                        )
                    }
                    tasks.append(
                        Task(
                            name: name, folder: resolved, metric: metric, threshold: threshold, branch: branch,
                            maxRows: maxRows))
                }
            }
            guard !tasks.isEmpty else {
                throw ModelRepositoryError.invalidCheckSuite(path: url.path, reason: "tasks is empty")
            }
            return CheckSuite(tasks: tasks, protected: protected, maxRegression: maxRegression, path: url.path)
        } catch let error as TabularError {
            throw ModelRepositoryError.invalidCheckSuite(path: url.path, reason: "\(error)")
        }
    }

    static func resolveFolder(_ name: String, relativeTo folder: URL, environment: [String: String]) -> URL? {
        var candidates: [URL] = []
        if name.hasPrefix("/") {
            candidates.append(URL(fileURLWithPath: name))
        } else {
            candidates.append(folder.appendingPathComponent(name))
            if let root = DatasetCatalog.dataRoot(environment: environment) {
                candidates.append(root.appendingPathComponent(name))
            }
        }
        var isDirectory: ObjCBool = false
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// Scores a model folder on a task: (materialized base model folder, adapter folder or nil, task) → metric.
    public typealias Evaluator = @Sendable (_ model: ModelUnderCheck, _ task: Task) throws -> Double

    /// Runs the suite on a commit (known or a candidate about to be recorded).
    /// - Parameters:
    ///   - repository: the repository.
    ///   - candidate: the commit.
    ///   - evaluator: scores a model on a task.
    /// - Returns: the report; ``CheckReport/passed`` tells whether the change may go in.
    public func run(repository: ModelRepository, candidate: CommitRecord, evaluator: Evaluator) throws -> CheckReport {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var cache: [String: ModelUnderCheck] = [:]
        func model(_ record: CommitRecord) throws -> ModelUnderCheck {
            if let cached = cache[record.id] { return cached }
            let folder = scratch.appendingPathComponent(String(record.id.prefix(16)))
            _ = try repository.materialize(record, to: folder, format: .files)
            var baseFolder: URL?
            if let base = record.commit.base {
                let url = scratch.appendingPathComponent("base-\(base.prefix(16))")
                if !FileManager.default.fileExists(atPath: url.path) {
                    _ = try repository.checkout(base, to: url, format: .files)
                }
                baseFolder = url
            }
            let loaded = ModelUnderCheck(commit: record.id, folder: folder, base: baseFolder)
            cache[record.id] = loaded
            return loaded
        }
        var results: [CheckReport.Result] = []
        let candidateModel = try model(candidate)
        for task in tasks {
            let score = try evaluator(candidateModel, task)
            var result = CheckReport.Result(
                task: task.name, metric: task.metric, value: score, threshold: task.threshold,
                passed: score >= task.threshold)
            if let maxRegression, let branch = task.branch, let owner = try repository.branchCommit(branch),
                candidate.commit.parents.contains(owner), candidate.commit.parents.count > 1
            {
                let parentScore = try evaluator(model(CommitRecord(id: owner, commit: repository.commit(owner))), task)
                result.parent = owner
                result.parentValue = parentScore
                result.regressionPoints = (parentScore - score) * 100
                if (parentScore - score) * 100 > maxRegression { result.passed = false }
            }
            results.append(result)
        }
        return CheckReport(commit: candidate.id, results: results, maxRegression: maxRegression)
    }

    /// A gate for commits and merges: runs the suite (merges always, commits on protected branches) and throws
    /// ``ModelRepositoryError/checkFailed(report:)`` when it fails.
    public func gate(evaluator: @escaping Evaluator, onReport: @escaping @Sendable (CheckReport) -> Void = { _ in })
        -> CommitGate
    {
        let suite = self
        return { repository, candidate, branch in
            guard candidate.commit.parents.count > 1 || suite.protected.contains(branch) else { return }
            let report = try suite.run(repository: repository, candidate: candidate, evaluator: evaluator)
            onReport(report)
            guard report.passed else { throw ModelRepositoryError.checkFailed(report: report.text) }
        }
    }
}

/// A commit's model written out for a check: its folder and, for an adapter, its base model's folder.
public struct ModelUnderCheck: Sendable {
    /// The commit.
    public var commit: String
    /// Its files.
    public var folder: URL
    /// The base model's files (adapters).
    public var base: URL?
}

/// The outcome of a check suite.
public struct CheckReport: Codable, Sendable, Equatable {
    /// One task.
    public struct Result: Codable, Sendable, Equatable {
        /// The task.
        public var task: String
        /// The metric.
        public var metric: String
        /// The candidate's value.
        public var value: Double
        /// The threshold.
        public var threshold: Double
        /// Whether the task passed (threshold and regression).
        public var passed: Bool
        /// The parent that owns the task (merges).
        public var parent: String?
        /// The parent's value.
        public var parentValue: Double?
        /// Points lost against the parent (negative: gained).
        public var regressionPoints: Double?
    }

    /// The commit checked.
    public var commit: String
    /// Per task.
    public var results: [Result]
    /// The regression allowance.
    public var maxRegression: Double?

    /// Whether every task passed.
    public var passed: Bool { results.allSatisfy(\.passed) }

    /// One line per task.
    public var text: String {
        results.map { result in
            var line =
                "\(result.passed ? "pass" : "FAIL") \(result.task): \(result.metric) \(String(format: "%.4f", result.value)) (threshold \(result.threshold))"
            if let parent = result.parentValue, let points = result.regressionPoints {
                line +=
                    "; own parent \(String(format: "%.4f", parent)), \(String(format: "%.2f", points)) points lost (allowed \(maxRegression ?? 0))"
            }
            return line
        }.joined(separator: "\n")
    }
}
