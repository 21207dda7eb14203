import ArgumentParser
import Dispatch
import Foundation
import FoundryCore
import Pipelines

/// `foundry run SPEC.yaml`: runs a declarative pipeline as a cached, incremental step graph.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline spec (data → cleaning → LFs → label model → adapter → …) as a cached step graph.",
        discussion: """
            Each step's output is cached under the hash of its parameters, its inputs and the files it reads, so a \
            re-run after an edit re-executes only what the edit affects (editing one labeling function re-applies \
            that function only). The run directory (default: runs/<pipeline> next to the spec) holds cache/, \
            steps/<step>/, run.json and the report. Ctrl-C cancels; finished steps stay cached and the next run \
            resumes. The spec format: docs/reference/pipeline-spec.md.
            """)

    @Argument(help: "The pipeline spec (YAML).")
    var spec: String
    @Option(help: "Run this step and the steps it needs only.")
    var until: String?
    @Option(name: .customLong("force"), help: "Run this step even when its output is cached (repeatable).")
    var force: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Print what would run and why; run nothing.")
    var dryRun = false
    @Flag(help: "Print the run record (run.json) as one JSON object.")
    var json = false
    @Option(name: .customLong("run-dir"), help: "The run directory (default: runs/<pipeline name> next to the spec).")
    var runDirectory: String?
    @Flag(help: "Keep serving the deployed adapter over HTTP after the run (needs a deploy step).")
    var serve = false

    func validate() throws {
        guard !spec.isEmpty else { throw ValidationError("give the pipeline spec file") }
        guard !(dryRun && serve) else {
            throw ValidationError("--serve runs the pipeline; it cannot go with --dry-run")
        }
        guard Set(force).count == force.count else { throw ValidationError("--force names a step twice") }
    }

    func run() async throws {
        let specURL = URL(fileURLWithPath: spec)
        let pipeline: PipelineSpec
        do {
            pipeline = try PipelineSpec.load(specURL)
        } catch {
            throw CommandFailure("\(error)")
        }
        if serve, !pipeline.steps.contains(where: { $0.action.kind == .deploy }) {
            throw CommandFailure("--serve needs a deploy step in \(spec)")
        }
        let directory =
            runDirectory.map { URL(fileURLWithPath: $0) }
            ?? specURL.deletingLastPathComponent().appendingPathComponent("runs").appendingPathComponent(pipeline.name)
        let cancellation = CancellationFlag()
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        interrupt.setEventHandler {
            cancellation.cancel()
            FileHandle.standardError.write(
                Data("\ncancelling after the current block; finished steps stay cached\n".utf8))
        }
        interrupt.resume()
        defer { interrupt.cancel() }
        let bars = StepBars(enabled: !json && ProgressBar.standardErrorIsTerminal)
        let options = PipelineRunner.Options(
            until: until, force: Set(force), dryRun: dryRun,
            progress: { step, progress in bars.update(step, progress) },
            cancellation: cancellation)
        if pipeline.steps.contains(where: { $0.action.kind != .data && $0.action.kind != .clean && !dryRun }) {
            try requireBLAS()
        }
        let runner = PipelineRunner(spec: pipeline, runDirectory: directory, options: options)
        let record: RunRecord
        do {
            // On a thread of its own: the steps block while the in-process serving runtime answers the deploy
            // step's smoke test on the concurrency pool.
            record = try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try runner.run() }) }.start()
            }
        } catch {
            bars.finish()
            throw CommandFailure("\(error)")
        }
        bars.finish()
        if json {
            try printJSON(record)
            if serve { try await serveDeployed(record, in: directory) }
            return
        }
        print(
            (dryRun ? "plan for " : "ran ")
                + "pipeline '\(record.pipeline)' in \(String(format: "%.2f", record.seconds)) s → \(record.runDirectory)"
        )
        for step in record.steps {
            let status: String
            switch step.status {
            case .ran: status = "ran"
            case .cached: status = "cached"
            case .skipped: status = step.reason.hasPrefix("would run") ? "would run" : "skipped"
            case .failed: status = "FAILED"
            }
            var line = "  \(status.padding(toLength: 10, withPad: " ", startingAt: 0)) \(step.name) (\(step.kind))"
            if step.status == .ran { line += String(format: " %.2f s", step.seconds) }
            if step.partsCached + step.partsComputed > 0 {
                line += " [\(step.partsComputed) computed, \(step.partsCached) cached]"
            }
            let reason = step.reason.hasPrefix("would run: ") ? String(step.reason.dropFirst(11)) : step.reason
            if step.status != .cached { line += " — \(reason)" }
            print(line)
        }
        if let report = record.report { print("report: \(directory.appendingPathComponent(report).path)") }
        if serve { try await serveDeployed(record, in: directory) }
    }

    /// Serves the deployed adapter over HTTP with `foundry serve`'s arguments from the deploy step's `serve.json`.
    func serveDeployed(_ record: RunRecord, in directory: URL) async throws {
        guard let deploy = record.steps.last(where: { $0.kind == "deploy" }) else {
            throw CommandFailure("--serve needs a deploy step in \(spec)")
        }
        let file = directory.appendingPathComponent("steps/\(deploy.name)/serve.json")
        struct Manifest: Decodable { var arguments: [String] }
        let manifest: Manifest
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            manifest = try decoder.decode(Manifest.self, from: Data(contentsOf: file))
        } catch {
            throw CommandFailure("\(file.path): cannot read the serving arguments (\(error))")
        }
        let command = try ServeCommand.parse(manifest.arguments)
        try requireBLAS()
        try await command.run()
    }
}

/// One progress bar per step, on standard error when it is a terminal.
final class StepBars: @unchecked Sendable {
    // Invariant: `bar` and `step` are only touched under `lock`.
    private let lock = NSLock()
    private var bar: ProgressBar?
    private var step: String?
    private let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ name: String, _ progress: FoundryCore.Progress) {
        guard enabled else { return }
        lock.withLock {
            if step != name {
                if bar != nil { FileHandle.standardError.write(Data("\n".utf8)) }
                bar = ProgressBar(label: name, enabled: enabled)
                step = name
            }
            bar?.update(progress)
        }
    }

    /// Ends the last bar's line.
    func finish() {
        lock.withLock {
            if bar != nil { FileHandle.standardError.write(Data("\n".utf8)) }
            bar = nil
            step = nil
        }
    }
}
