import Foundation
import Labeling
import Merging

/// What one step did in a run, as `run.json` and the report list it.
public struct StepRecord: Sendable, Codable, Equatable {
    /// Whether the step computed, came from the cache, or did not run.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Computed in this run.
        case ran
        /// Its output came from the cache (same inputs and parameters as a run before).
        case cached
        /// Not run (after `--until`, or in `--dry-run`).
        case skipped
        /// It threw; the steps after it did not run.
        case failed
    }
    /// The step's name.
    public var name: String
    /// The step's kind (`data`, `apply`, …).
    public var kind: String
    /// What happened.
    public var status: Status
    /// Why it ran (`"not in the cache"`, `"input 'votes' changed"`, `"parameters changed: epochs"`, `"forced"`), or why
    /// not.
    public var reason: String
    /// The content address of its output (hex SHA-256 of its inputs' keys and its own parameters); empty for a step
    /// after `--until`, which is not fingerprinted.
    public var key: String
    /// Wall-clock seconds (0 for a cache hit's lookup is not rounded away: it is the lookup's time).
    public var seconds: Double
    /// Parts of the step served from the cache (e.g. labeling-function columns reused by an `apply` step).
    public var partsCached: Int
    /// Parts of the step computed (e.g. labeling-function columns applied).
    public var partsComputed: Int
    /// Output files, relative to the run directory.
    public var outputs: [String: String]
    /// Figures the step measured (accuracies, coverage, rows, …).
    public var figures: [String: Double]
    /// Wall-clock seconds from the run's start to this step's start: the spec's validation, the fingerprints of every
    /// selected step and the steps before it (`nil` for a step that did not start, and in records written before).
    public var startedAfterSeconds: Double?

    /// Creates a record.
    public init(
        name: String, kind: String, status: Status, reason: String, key: String, seconds: Double = 0,
        partsCached: Int = 0, partsComputed: Int = 0, outputs: [String: String] = [:], figures: [String: Double] = [:]
    ) {
        self.name = name
        self.kind = kind
        self.status = status
        self.reason = reason
        self.key = key
        self.seconds = seconds
        self.partsCached = partsCached
        self.partsComputed = partsComputed
        self.outputs = outputs
        self.figures = figures
    }
}

/// Everything the run report shows; `report.json` is this value, `report.html` its rendering (``RunReportRenderer``).
///
/// Sections are optional: a pipeline without a cleaning step has no cleaning section, and the page says so instead of
/// drawing an empty plot.
public struct RunReport: Sendable, Codable, Equatable {
    /// The pipeline's name.
    public var pipeline: String
    /// The spec's path.
    public var spec: String
    /// When the run started.
    public var startedAt: Date
    /// Wall-clock seconds of the whole run.
    public var seconds: Double
    /// The class names.
    public var classes: [String]
    /// Every step, in execution order.
    public var steps: [StepRecord]
    /// Labeling functions: coverage, overlap, conflict, empirical accuracy and the LF × LF conflict matrix.
    public var labelingFunctions: LabelingFunctionSection?
    /// The label model's choice, reason and calibration.
    public var labelModel: LabelModelSection?
    /// Class balance of the soft labels (and of the gold labels when known).
    public var classBalance: ClassBalanceSection?
    /// Cleaning findings.
    public var cleaning: CleaningSection?
    /// One per training step.
    public var training: [TrainingSection]
    /// One per merge step.
    public var merges: [MergeSection]
    /// The selection step's result.
    public var selection: SelectionSection?
    /// The deployment's endpoint and smoke test.
    public var endpoint: EndpointSection?

    /// Creates a report with no sections.
    public init(
        pipeline: String, spec: String, startedAt: Date, seconds: Double, classes: [String], steps: [StepRecord]
    ) {
        self.pipeline = pipeline
        self.spec = spec
        self.startedAt = startedAt
        self.seconds = seconds
        self.classes = classes
        self.steps = steps
        self.training = []
        self.merges = []
    }
}

/// The labeling functions' summary (snorkel's definitions through ``LFAnalysis``) and their pairwise conflicts.
public struct LabelingFunctionSection: Sendable, Codable, Equatable {
    /// The per-function summary, with empirical accuracy where gold labels exist.
    public var analysis: LFAnalysis
    /// `conflicts[i][j]`: the fraction of rows on which functions i and j both vote and disagree (symmetric, zero
    /// diagonal).
    public var conflicts: [[Double]]

    /// Creates the section.
    public init(analysis: LFAnalysis, conflicts: [[Double]]) {
        self.analysis = analysis
        self.conflicts = conflicts
    }
}

/// One bin of a reliability diagram.
public struct CalibrationBin: Sendable, Codable, Equatable {
    /// The bin's confidence range [lower, upper).
    public var lower: Double
    /// Upper end of the range (the last bin includes 1).
    public var upper: Double
    /// Rows whose top probability falls in the bin.
    public var count: Int
    /// Their mean top probability.
    public var meanConfidence: Double
    /// The fraction of them whose top class is the gold class.
    public var accuracy: Double

    /// Creates a bin.
    public init(lower: Double, upper: Double, count: Int, meanConfidence: Double, accuracy: Double) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.meanConfidence = meanConfidence
        self.accuracy = accuracy
    }
}

/// The label model: what it was, what `auto` chose and why, and how well calibrated it is on gold rows.
public struct LabelModelSection: Sendable, Codable, Equatable {
    /// The method asked for.
    public var method: String
    /// What `auto` chose.
    public var choice: String?
    /// `auto`'s reason.
    public var reason: String?
    /// Accuracy of the hard labels on the gold rows of the test split (or of all gold rows when there is no split).
    public var accuracy: Double?
    /// Binary F1 (class 1) on the same rows.
    public var f1: Double?
    /// Reliability diagram on the gold rows (empty without gold).
    public var calibration: [CalibrationBin]
    /// Expected calibration error of the same bins.
    public var expectedCalibrationError: Double?

    /// Creates the section.
    public init(
        method: String, choice: String? = nil, reason: String? = nil, accuracy: Double? = nil, f1: Double? = nil,
        calibration: [CalibrationBin] = [], expectedCalibrationError: Double? = nil
    ) {
        self.method = method
        self.choice = choice
        self.reason = reason
        self.accuracy = accuracy
        self.f1 = f1
        self.calibration = calibration
        self.expectedCalibrationError = expectedCalibrationError
    }
}

/// The share of each class among the predicted labels (and the gold labels, when known).
public struct ClassBalanceSection: Sendable, Codable, Equatable {
    /// Class names.
    public var classes: [String]
    /// Fraction of rows whose hard label is each class.
    public var predicted: [Double]
    /// Fraction of gold-labelled rows of each class.
    public var gold: [Double]?

    /// Creates the section.
    public init(classes: [String], predicted: [Double], gold: [Double]? = nil) {
        self.classes = classes
        self.predicted = predicted
        self.gold = gold
    }
}

/// What cleaning found and did.
public struct CleaningSection: Sendable, Codable, Equatable {
    /// One constraint's outcome.
    public struct Finding: Sendable, Codable, Equatable {
        /// The constraint's name.
        public var constraint: String
        /// `error` or `warning`.
        public var severity: String
        /// Rows that failed it.
        public var failures: Int
        /// A few failing rows' values, for people.
        public var examples: [String]

        /// Creates a finding.
        public init(constraint: String, severity: String, failures: Int, examples: [String]) {
            self.constraint = constraint
            self.severity = severity
            self.failures = failures
            self.examples = examples
        }
    }
    /// Rows read.
    public var rows: Int
    /// Rows dropped (failing an error constraint, or duplicates when asked).
    public var droppedRows: Int
    /// Per constraint.
    public var findings: [Finding]

    /// Creates the section.
    public init(rows: Int, droppedRows: Int, findings: [Finding]) {
        self.rows = rows
        self.droppedRows = droppedRows
        self.findings = findings
    }
}

/// One training step's curves and scores.
public struct TrainingSection: Sendable, Codable, Equatable {
    /// The step's name.
    public var step: String
    /// Mean training loss per epoch.
    public var epochLosses: [Double]
    /// Validation accuracy per epoch (empty without valid gold).
    public var validationAccuracies: [Double]
    /// Test accuracy of the adapter.
    public var testAccuracy: Double?
    /// Test F1 (binary).
    public var testF1: Double?

    /// Creates the section.
    public init(
        step: String, epochLosses: [Double], validationAccuracies: [Double], testAccuracy: Double? = nil,
        testF1: Double? = nil
    ) {
        self.step = step
        self.epochLosses = epochLosses
        self.validationAccuracies = validationAccuracies
        self.testAccuracy = testAccuracy
        self.testF1 = testF1
    }
}

/// One merge step: its method and the conflict report computed before merging (per layer).
public struct MergeSection: Sendable, Codable, Equatable {
    /// The step's name.
    public var step: String
    /// The merge method.
    public var method: String
    /// The task (adapter) names, in merge order.
    public var tasks: [String]
    /// The conflict report (per tensor and per layer).
    public var conflicts: ConflictReport
    /// Per task: its test accuracy alone and with the merged adapter, when the tasks have test gold.
    public var retained: [String: Double]

    /// Creates the section.
    public init(
        step: String, method: String, tasks: [String], conflicts: ConflictReport, retained: [String: Double] = [:]
    ) {
        self.step = step
        self.method = method
        self.tasks = tasks
        self.conflicts = conflicts
        self.retained = retained
    }
}

/// The selection step's outcome.
public struct SelectionSection: Sendable, Codable, Equatable {
    /// `best` or `route`.
    public var mode: String
    /// The metric.
    public var metric: String
    /// Each candidate's score on the evaluation rows.
    public var scores: [String: Double]
    /// The chosen candidate (best mode), or nil when routing.
    public var chosen: String?
    /// The router's score on the evaluation rows (route mode).
    public var routedScore: Double?

    /// Creates the section.
    public init(
        mode: String, metric: String, scores: [String: Double], chosen: String? = nil, routedScore: Double? = nil
    ) {
        self.mode = mode
        self.metric = metric
        self.scores = scores
        self.chosen = chosen
        self.routedScore = routedScore
    }
}

/// Where the adapter is (or will be) served, and the smoke test the deployment step ran.
public struct EndpointSection: Sendable, Codable, Equatable {
    /// The adapter's id in the server.
    public var adapter: String
    /// `http://host:port/v1/classify`.
    public var url: String
    /// The `foundry serve` command line that serves it.
    public var command: String
    /// Texts classified by the in-process runtime during the step.
    public var smokeRequests: Int
    /// Their accuracy against gold, when known.
    public var smokeAccuracy: Double?
    /// A `curl` example.
    public var curl: String

    /// Creates the section.
    public init(
        adapter: String, url: String, command: String, smokeRequests: Int, smokeAccuracy: Double? = nil, curl: String
    ) {
        self.adapter = adapter
        self.url = url
        self.command = command
        self.smokeRequests = smokeRequests
        self.smokeAccuracy = smokeAccuracy
        self.curl = curl
    }
}
