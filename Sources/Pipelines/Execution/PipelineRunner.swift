import Cleaning
import Foundation
import FoundryCore
import Labeling

/// Runs a ``PipelineSpec`` as a step graph, like a build system: each step's output is cached under the hash of its
/// parameters, its inputs' keys and the files it reads (``StepFingerprint``), so a re-run after an edit executes only
/// the steps the edit affects. An `apply` step caches each labeling function's votes separately, so editing one
/// function re-applies that function only.
///
/// The run directory holds `cache/` (see ``PipelineCache``), `steps/<step>` (a link to the step's cache entry),
/// `state.json` (the last fingerprints, for the reasons a step runs), `run.json` (``RunRecord``) and the report.
///
/// ```swift
/// let spec = try PipelineSpec.load(URL(fileURLWithPath: "pipeline.yaml"))
/// let record = try PipelineRunner(spec: spec, runDirectory: URL(fileURLWithPath: "runs/youtube")).run()
/// ```
public struct PipelineRunner: Sendable {
    /// What to run and how.
    public struct Options: Sendable {
        /// Run this step and the steps it needs only.
        public var until: String?
        /// Run these steps even when their output is cached.
        public var force: Set<String>
        /// Say what would run and why, without running anything or writing to the run directory.
        public var dryRun: Bool
        /// Called with the step's name as each step progresses.
        public var progress: (@Sendable (String, FoundryCore.Progress) -> Void)?
        /// Checked between steps and inside long steps; a cancelled run keeps every finished step's cache entry.
        public var cancellation: CancellationFlag?
        /// The variables `${NAME}` in paths read (by default the process's).
        public var environment: [String: String]

        /// Creates options.
        public init(
            until: String? = nil, force: Set<String> = [], dryRun: Bool = false,
            progress: (@Sendable (String, FoundryCore.Progress) -> Void)? = nil, cancellation: CancellationFlag? = nil,
            environment: [String: String] = ProcessInfo.processInfo.environment
        ) {
            self.until = until
            self.force = force
            self.dryRun = dryRun
            self.progress = progress
            self.cancellation = cancellation
            self.environment = environment
        }
    }

    /// The spec.
    public let spec: PipelineSpec
    /// The run directory.
    public let runDirectory: URL
    /// The options.
    public let options: Options

    /// Creates a runner.
    public init(spec: PipelineSpec, runDirectory: URL, options: Options = Options()) {
        self.spec = spec
        self.runDirectory = runDirectory.standardizedFileURL
        self.options = options
    }

    /// The run directory's remembered state: each step's last fingerprint and the file-hash memo.
    struct State: Codable, Sendable {
        var fingerprints: [String: StepFingerprint] = [:]
        var fileHashes = FileHashes()
    }

    var stateURL: URL { runDirectory.appendingPathComponent("state.json") }
    var cacheDirectory: URL { runDirectory.appendingPathComponent("cache") }

    /// Validates the spec, then runs (or, in a dry run, plans) every step up to ``Options/until``.
    ///
    /// - Returns: the record, also written to `run.json` (not in a dry run).
    /// - Throws: the spec's validation errors before any step runs; ``PipelinesError/cancelled(step:)``;
    ///   ``PipelinesError/stepFailed(step:reason:)`` (or the step's ``PipelinesError``) for the first step that
    ///   fails — `run.json` then records it as failed, and every step finished before it stays cached.
    public func run() throws -> RunRecord {
        let startedAt = Date()
        let clock = Stopwatch()
        let trace = PipelineTrace(environment: options.environment)
        func mark(_ what: String) { trace.mark(what) }
        try spec.validate(environment: options.environment)
        mark("validated")
        let graph = try PipelineGraph(spec)
        for name in [options.until].compactMap({ $0 }) + options.force.sorted() where spec.step(named: name) == nil {
            throw PipelinesError.invalidSpec(
                path: spec.source, line: nil, key: options.until == name ? "--until" : "--force",
                reason:
                    "no step named '\(name)'; steps: \(graph.order.joined(separator: ", "))"
                    + PipelineSpec.didYouMean(name, among: graph.order))
        }
        let selected = Set(options.until.map { graph.closure(of: $0, in: spec) } ?? graph.order)
        var state =
            (try? PipelineJSON.decode(State.self, from: stateURL)) ?? State()
        let previous = state.fingerprints
        mark("state read")

        // Everything a selected step depends on is read and hashed before the first step runs, so a bad LF or
        // constraint file, or an unreadable data file, stops the run here. Steps after `--until` are not
        // fingerprinted: hashing what they read (an encoder's 90 MB of weights) would only slow the run down.
        var context = try RunContext(
            spec: spec, options: options, fileHashes: state.fileHashes, runDirectory: runDirectory, trace: trace)
        var fingerprints: [String: StepFingerprint] = [:]
        for name in graph.order where selected.contains(name) {
            guard let step = spec.step(named: name) else { continue }
            let inputKeys = step.action.inputs.map { fingerprints[$0]?.key ?? "" }
            fingerprints[name] = try context.fingerprint(step, inputKeys: inputKeys)
            mark("fingerprinted \(name)")
        }
        state.fileHashes = context.fileHashes
        mark("fingerprinted")

        var records: [StepRecord] = []
        if options.dryRun {
            for name in graph.order {
                guard let step = spec.step(named: name) else { continue }
                let kind = step.action.kind.rawValue
                guard let fingerprint = fingerprints[name] else {
                    records.append(
                        StepRecord(
                            name: name, kind: kind, status: .skipped, reason: "after --until \(options.until ?? "")",
                            key: ""))
                    continue
                }
                let entry = cacheDirectory.appendingPathComponent(fingerprint.key)
                let missing = context.missingExternalOutput(step, entry: entry)
                if !options.force.contains(name), missing == nil,
                    let manifest = PipelineCache.manifest(in: cacheDirectory, key: fingerprint.key)
                {
                    records.append(
                        StepRecord(
                            name: name, kind: kind, status: .cached, reason: "cached", key: fingerprint.key,
                            figures: manifest.figures))
                } else {
                    let reason =
                        options.force.contains(name) ? "forced" : missing ?? fingerprint.reason(since: previous[name])
                    records.append(
                        StepRecord(
                            name: name, kind: kind, status: .skipped, reason: "would run: \(reason)",
                            key: fingerprint.key))
                }
            }
            return RunRecord(
                pipeline: spec.name, spec: spec.source, startedAt: startedAt, seconds: clock.seconds, steps: records,
                cacheHits: records.filter { $0.status == .cached }.count, runDirectory: runDirectory.path,
                report: nil)
        }

        let cache = try PipelineCache(directory: cacheDirectory)
        let stepsDirectory = runDirectory.appendingPathComponent("steps")
        try FileManager.default.createDirectory(at: stepsDirectory, withIntermediateDirectories: true)
        var entries: [String: URL] = [:]
        var failure: (any Error)?
        for name in graph.order {
            guard let step = spec.step(named: name) else { continue }
            let kind = step.action.kind.rawValue
            guard let fingerprint = fingerprints[name], failure == nil else {
                records.append(
                    StepRecord(
                        name: name, kind: kind, status: .skipped,
                        reason: failure == nil ? "after --until \(options.until ?? "")" : "an earlier step failed",
                        key: fingerprints[name]?.key ?? ""))
                continue
            }
            mark("start \(name)")
            let startedAfter = clock.seconds
            let stepClock = Stopwatch()
            let forced = options.force.contains(name)
            let cached = cache.completeEntry(fingerprint.key)
            let missing = cached.flatMap { context.missingExternalOutput(step, entry: $0.folder) }
            if !forced, missing == nil, let (entry, manifest) = cached {
                entries[name] = entry
                try link(stepsDirectory.appendingPathComponent(name), to: entry)
                state.fingerprints[name] = fingerprint
                records.append(
                    StepRecord(
                        name: name, kind: kind, status: .cached, reason: "cached", key: fingerprint.key,
                        seconds: stepClock.seconds, partsCached: manifest.parts, outputs: outputs(name, entry),
                        figures: manifest.figures))
                records[records.count - 1].startedAfterSeconds = startedAfter
                continue
            }
            let reason = forced ? "forced" : missing ?? fingerprint.reason(since: previous[name])
            do {
                if options.cancellation?.isCancelled == true { throw PipelinesError.cancelled(step: name) }
                options.progress?(name, FoundryCore.Progress(completed: 0, total: nil, message: reason))
                let outcome = try context.execute(
                    step, fingerprint: fingerprint, inputs: entries, cache: cache,
                    inputKeys: Dictionary(
                        zip(step.action.inputs, fingerprint.inputKeys), uniquingKeysWith: { first, _ in first }))
                mark("executed \(name)")
                let entry = try cache.store(
                    PipelineCache.Manifest(
                        formatVersion: PipelineCache.formatVersion, step: name, kind: kind, key: fingerprint.key,
                        figures: outcome.figures, parts: outcome.partsCached + outcome.partsComputed,
                        tableKey: outcome.tableKey),
                    outcome.write)
                mark("stored \(name)")
                entries[name] = entry
                try link(stepsDirectory.appendingPathComponent(name), to: entry)
                state.fingerprints[name] = fingerprint
                records.append(
                    StepRecord(
                        name: name, kind: kind, status: .ran, reason: reason, key: fingerprint.key,
                        seconds: stepClock.seconds, partsCached: outcome.partsCached,
                        partsComputed: outcome.partsComputed, outputs: outputs(name, entry), figures: outcome.figures))
                records[records.count - 1].startedAfterSeconds = startedAfter
            } catch {
                let wrapped: any Error
                switch error {
                case let error as PipelinesError: wrapped = error
                case LabelingError.cancelled: wrapped = PipelinesError.cancelled(step: name)
                default: wrapped = PipelinesError.stepFailed(step: name, reason: "\(error)")
                }
                failure = wrapped
                records.append(
                    StepRecord(
                        name: name, kind: kind, status: .failed, reason: "\(wrapped)", key: fingerprint.key,
                        seconds: stepClock.seconds))
                records[records.count - 1].startedAfterSeconds = startedAfter
            }
        }
        state.fileHashes = context.fileHashes
        mark("steps done")
        // The run directory's own files are rebuilt by the next run: written without a flush to disk, like the cache.
        let record = try AtomicFile.$durability.withValue(.unsynced) {
            try AtomicFile.write(try PipelineJSON.encode(state), to: stateURL)
            mark("state written")
            var record = RunRecord(
                pipeline: spec.name, spec: spec.source, startedAt: startedAt, seconds: clock.seconds, steps: records,
                cacheHits: records.filter { $0.status == .cached }.count, runDirectory: runDirectory.path,
                report: nil)
            if failure == nil {
                record.report = try writeReport(record, entries: entries, reads: context.reads, trace: trace)
            }
            mark("report written")
            record.seconds = clock.seconds
            try AtomicFile.write(
                Data(try FoundryJSON.string(record, pretty: true).utf8),
                to: runDirectory.appendingPathComponent("run.json"))
            return record
        }
        if let failure { throw failure }
        return record
    }

    /// Points `steps/<step>` at the step's cache entry (a relative symbolic link, replaced atomically).
    func link(_ url: URL, to entry: URL) throws {
        let fileManager = FileManager.default
        let destination = "../cache/\(entry.lastPathComponent)"
        // A re-run mostly finds the link it would write: replacing it anyway costs a create and a rename per step.
        if (try? fileManager.destinationOfSymbolicLink(atPath: url.path)) == destination { return }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).link")
        try? fileManager.removeItem(at: temporary)
        try fileManager.createSymbolicLink(
            atPath: temporary.path, withDestinationPath: destination)
        if rename(temporary.path, url.path) != 0 {
            try? fileManager.removeItem(at: url)
            try fileManager.moveItem(at: temporary, to: url)
        }
    }

    /// The files of a step's entry, relative to the run directory (through `steps/<step>`).
    func outputs(_ name: String, _ entry: URL) -> [String: String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: entry.path)) ?? []
        var outputs: [String: String] = [:]
        for file in files where file != "entry.json" {
            outputs[file] = "steps/\(name)/\(file)"
        }
        return outputs
    }
}

/// Wall-clock seconds since creation.
struct Stopwatch {
    let start = DispatchTime.now().uptimeNanoseconds
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}

extension PipelineCache {
    /// The manifest of entry `key` in the cache folder `directory`, without creating anything (for dry runs).
    static func manifest(in directory: URL, key: String) -> Manifest? {
        let url = directory.appendingPathComponent(key).appendingPathComponent("entry.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }
}
