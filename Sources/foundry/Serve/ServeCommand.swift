import Adapters
import ArgumentParser
import DatasetStore
import Foundation
import Serving
import ServingHTTP

/// `foundry serve`: many adapters over one shared base encoder, behind an HTTP API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a base encoder and many LoRA adapters over HTTP (classify, embeddings, models, adapters).",
        discussion: """
            The base is loaded once; each request names an adapter (`"model": "spam"`), the base (`"base"` or \
            none), or a weighted merge (`"a:0.7,b:0.3"`, computed once and cached). Requests for different \
            adapters share batches. Adapters live in three tiers: hot (ready to compute), warm (file bytes in \
            memory), cold (--adapters folder or --repo on disk).
            Bearer tokens are the dataset store's API tokens (--store or $FOUNDRY_STORE): calling a model needs \
            read on it (grant with `foundry store grant viewer NAME --model ID`), registering and \
            unregistering need admin on it. --insecure-no-auth turns authentication off, on a loopback address only.
            Inputs longer than --max-length tokens are truncated (the answer lists them in `truncated`) unless \
            --refuse-long-inputs is set. SIGTERM or SIGINT drains: no new requests, the queue finishes within \
            --drain-seconds, exit 0.
            """)

    @Option(help: "Base model directory in Hugging Face layout.")
    var model: String = ".models/all-MiniLM-L6-v2"

    @Option(help: "A folder whose subfolders are PEFT adapters (the subfolder's name is the adapter's id).")
    var adapters: String?

    @Option(help: "A model repository (`foundry model init`): each branch holding an adapter is one, by branch name.")
    var repo: String?

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0: any free port; the line printed at start names it).")
    var port = 8080

    @Option(help: "The dataset store whose principals' tokens authenticate requests (default: $FOUNDRY_STORE).")
    var store: String?

    @Flag(help: "No authentication (only with a loopback --host).")
    var insecureNoAuth = false

    @OptionGroup var tuning: ServingTuningOptions

    @Option(help: "Longest input in tokens including [CLS]/[SEP] (default: the model's positions, 512 for MiniLM).")
    var maxLength: Int?

    @Flag(help: "Answer 400 input_too_long instead of truncating inputs over --max-length.")
    var refuseLongInputs = false

    @Option(help: "Largest request body in bytes (413 above it).")
    var maxBodyBytes: Int = 1 << 20

    @Option(help: "Seconds the drain on SIGTERM may take.")
    var drainSeconds: Int = 20

    @Option(help: "Adapters to pin in the hot tier at start (repeatable).")
    var pin: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard maxBodyBytes > 0, drainSeconds >= 0 else {
            throw ValidationError("--max-body-bytes must be positive, --drain-seconds ≥ 0")
        }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be at least 2") }
        if insecureNoAuth {
            guard ServingServer.isLoopback(host) else {
                throw ValidationError(
                    "--insecure-no-auth serves only on a loopback --host (127.0.0.1, ::1), not \(host)")
            }
            if store != nil { throw ValidationError("--insecure-no-auth and --store exclude each other") }
        } else if storePath == nil {
            throw ValidationError(
                "authentication needs a store: --store PATH or $FOUNDRY_STORE (or --insecure-no-auth on loopback)")
        }
    }

    var storePath: String? { store ?? ProcessInfo.processInfo.environment["FOUNDRY_STORE"] }

    func run() async throws {
        let encoder = try SentenceEncoder(directory: URL(fileURLWithPath: model))
        var sources: [any AdapterSource] = []
        if let adapters { sources.append(DirectoryAdapterSource(directory: URL(fileURLWithPath: adapters))) }
        if let repo { sources.append(try RepositoryAdapterSource(repository: URL(fileURLWithPath: repo))) }
        let configuration = tuning.configuration(maxInputTokens: maxLength, refuseLongInputs: refuseLongInputs)
        let cache = try AdapterCache(model: encoder.model, sources: sources, budgets: configuration.budgets)
        for id in pin {
            do {
                try cache.pin(id)
            } catch {
                throw CommandFailure("--pin \(id): \(error)")
            }
        }
        let access: ServingAccess
        if insecureNoAuth {
            access = .insecureNoAuth
        } else {
            guard let storePath, FileManager.default.fileExists(atPath: storePath) else {
                throw CommandFailure("no store at \(storePath ?? "-") (create one with `foundry store init`)")
            }
            access = .store(ModelAccessGate(store: try SQLiteDatasetStore(path: storePath, create: false)))
        }
        let runtime = ServingRuntime(
            encoder: encoder, cache: cache, configuration: configuration,
            baseName: URL(fileURLWithPath: model).lastPathComponent,
            classNames: AdapterClassNames(folders: [adapters.map { URL(fileURLWithPath: $0) }]).reader)
        let server = try ServingServer(
            runtime: runtime, access: access, host: host, port: port, maxBodyBytes: maxBodyBytes,
            drainGrace: .seconds(drainSeconds))
        let count = cache.entries().count
        let auth = insecureNoAuth ? "none (--insecure-no-auth)" : "store \(storePath ?? "")"
        try await server.run { port in
            // Written unbuffered: scripts and tests wait for this line to learn the port.
            FileHandle.standardOutput.write(
                Data("foundry serve: listening on http://\(host):\(port) — \(count) adapters, auth: \(auth)\n".utf8))
        }
        print("foundry serve: drained, exiting")
    }
}
