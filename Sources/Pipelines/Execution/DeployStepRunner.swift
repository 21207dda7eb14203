import Adapters
import Dispatch
import Foundation
import FoundryCore
import Serving

/// The settings a `deploy` step writes to `serve.json`: where the adapter is served and the `foundry serve` command
/// line that serves it.
struct ServeManifest: Codable, Sendable, Equatable {
    var adapter: String
    var adapterDirectory: String
    var adaptersFolder: String
    var model: String
    var url: String
    var command: String
    /// The arguments of `foundry serve` (after `serve`), for `foundry run --serve`.
    var arguments: [String]
    var curl: String
    var smokeRequests: Int
    var smokeAccuracy: Double?
}

/// Runs a `deploy` step: loads the adapter into the serving runtime in-process (the code `foundry serve` runs),
/// classifies up to 32 held-out rows as a smoke test, and writes `serve.json` with the `foundry serve` command line.
enum DeployStepRunner {
    /// Rows classified by the smoke test at most.
    static let smokeRows = 32

    static func run(
        adapter: URL, table: TableArtifact?, step: DeployStep, model: URL, pipeline: String, runDirectory: URL
    ) throws -> StepOutcome {
        let id = pipeline
        let encoder = try SentenceEncoder(directory: model)
        var configuration = ServingConfiguration()
        var budgets = configuration.budgets
        if let hot = step.hotBytes { budgets.hotBytes = hot }
        if let warm = step.warmBytes { budgets.warmBytes = warm }
        configuration.budgets = budgets
        if let active = step.maxActiveAdapters { configuration.scheduler.maxActiveAdapters = active }
        if let cycle = step.cycleTimeMilliseconds { configuration.scheduler.cycleTime = .milliseconds(cycle) }
        if let tokens = step.maxBatchTokens { configuration.scheduler.maxBatchTokens = tokens }
        let cache = try AdapterCache(
            model: encoder.model, sources: [SingleDirectoryAdapterSource(id: id, directory: adapter)],
            budgets: configuration.budgets)
        let classes = try? PipelineJSON.decode([String].self, from: adapter.appendingPathComponent("labels.json"))
        let runtime = ServingRuntime(
            encoder: encoder, cache: cache, configuration: configuration, classNames: { _ in classes })
        runtime.start()
        var texts: [String] = []
        var gold: [Int] = []
        if let table {
            let all = try table.texts()
            let heldOut = table.rows(in: .test) + table.rows(in: .valid)
            let rows = Array((heldOut.isEmpty ? Array(0..<table.rowCount) : heldOut).prefix(smokeRows))
            texts = rows.map { all[$0] }
            gold = rows.map { table.gold?[$0] ?? -1 }
        }
        var accuracy: Double?
        if !texts.isEmpty {
            let smokeTexts = texts
            let result = try Blocking.wait { try await runtime.classify(model: .adapter(id), texts: smokeTexts) }
            let known = zip(result.results, gold).filter { $0.1 >= 0 }
            if !known.isEmpty {
                accuracy = Double(known.filter { $0.0.label == $0.1 }.count) / Double(known.count)
            }
        }
        _ = Blocking.waitQuietly { await runtime.drain(grace: .seconds(5)) }
        let adaptersFolder = runDirectory.appendingPathComponent("serve")
        let host = step.host.contains(":") ? "[\(step.host)]" : step.host
        let url = "http://\(host):\(step.port)/v1/classify"
        var command = [
            "foundry", "serve", "--model", model.path, "--adapters", adaptersFolder.path, "--host", step.host,
            "--port", String(step.port),
        ]
        if ["127.0.0.1", "localhost", "::1"].contains(step.host) { command.append("--insecure-no-auth") }
        if let hot = step.hotBytes { command += ["--hot-bytes", String(hot)] }
        if let warm = step.warmBytes { command += ["--warm-bytes", String(warm)] }
        if let active = step.maxActiveAdapters { command += ["--max-active-adapters", String(active)] }
        if let cycle = step.cycleTimeMilliseconds { command += ["--cycle-time-ms", String(cycle)] }
        if let tokens = step.maxBatchTokens { command += ["--max-batch-tokens", String(tokens)] }
        let manifest = ServeManifest(
            adapter: id, adapterDirectory: adapter.path, adaptersFolder: adaptersFolder.path, model: model.path,
            url: url, command: command.map(shellQuoted).joined(separator: " "), arguments: Array(command.dropFirst(2)),
            curl:
                "curl -s \(url) -H 'content-type: application/json' -d '{\"model\": \"\(id)\", \"input\": [\"check out my channel\"]}'",
            smokeRequests: texts.count, smokeAccuracy: accuracy)
        var figures: [String: Double] = ["smoke_requests": Double(texts.count)]
        figures["smoke_accuracy"] = accuracy
        // The folder `foundry serve --adapters` reads: one link named after the adapter's id.
        try FileManager.default.createDirectory(at: adaptersFolder, withIntermediateDirectories: true)
        let link = adaptersFolder.appendingPathComponent(id)
        try? FileManager.default.removeItem(at: link)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: adapter)
        return StepOutcome(figures: figures) { directory in
            try AtomicFile.write(
                Data(try FoundryJSON.string(manifest, pretty: true).utf8),
                to: directory.appendingPathComponent("serve.json"))
        }
    }

    static func shellQuoted(_ word: String) -> String {
        word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@".contains($0) }
            ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// Runs async work from the synchronous executor and waits for it on the calling thread (which must not be one the
/// work needs: the runner is called from the CLI's main thread or a test, never from the runtime's workers).
enum Blocking {
    /// The result slot; written once by the task before it signals.
    final class Slot<Value: Sendable>: @unchecked Sendable {
        // Invariant: `result` is written once, before `done.signal()`, and read only after `done.wait()`.
        var result: Result<Value, any Error>?
        let done = DispatchSemaphore(value: 0)
    }

    static func wait<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) throws -> Value {
        let slot = Slot<Value>()
        // The work runs on a thread of its own, never on Swift's cooperative pool: the caller may itself be a pool
        // thread (a test, a library user's task), and with every pool thread blocked here the work could never run.
        let executor = DedicatedThreadExecutor(name: "foundry-pipeline-wait")
        defer { executor.shutdown() }
        Task.detached(executorPreference: executor) {
            do { slot.result = .success(try await work()) } catch { slot.result = .failure(error) }
            slot.done.signal()
        }
        slot.done.wait()
        guard let result = slot.result else {
            throw PipelinesError.stepFailed(step: "deploy", reason: "internal: no result")
        }
        return try result.get()
    }

    static func waitQuietly<Value: Sendable>(_ work: @escaping @Sendable () async -> Value) -> Value? {
        try? wait { await work() }
    }
}
