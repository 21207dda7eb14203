import Foundation

/// What a run did: `run.json` in the run directory, and what `foundry run --json` prints.
public struct RunRecord: Sendable, Codable, Equatable {
    /// The pipeline's name.
    public var pipeline: String
    /// The spec's path (or `<swift>`).
    public var spec: String
    /// When the run started.
    public var startedAt: Date
    /// Wall-clock seconds of the whole run (validation, hashing and every step).
    public var seconds: Double
    /// Every step in execution order, with its status, reason, key, seconds and figures.
    public var steps: [StepRecord]
    /// Steps whose output came from the cache.
    public var cacheHits: Int
    /// The run directory.
    public var runDirectory: String
    /// The report's path (`report.json`, or `report.html` once the renderer is wired), relative to the run
    /// directory; nil in a dry run.
    public var report: String?

    /// Creates a record.
    public init(
        pipeline: String, spec: String, startedAt: Date, seconds: Double, steps: [StepRecord], cacheHits: Int,
        runDirectory: String, report: String?
    ) {
        self.pipeline = pipeline
        self.spec = spec
        self.startedAt = startedAt
        self.seconds = seconds
        self.steps = steps
        self.cacheHits = cacheHits
        self.runDirectory = runDirectory
        self.report = report
    }
}
