import Foundation
import FoundryCore
import Hummingbird
import Logging
import Serving
import ServiceLifecycle
import UnixSignals

/// The HTTP server: the API of ``ServingResponder`` on Hummingbird, with a drain on SIGTERM.
///
/// ```swift
/// let server = try ServingServer(runtime: runtime, access: .store(gate), host: "127.0.0.1", port: 8080)
/// try await server.run()   // until SIGTERM or SIGINT; then drains and returns
/// ```
///
/// On SIGTERM (or SIGINT) the runtime stops taking requests (`/ready` answers 503, new requests `shutting_down`),
/// finishes what is queued within ``drainGrace``, and then the server closes its connections; ``run(onListening:)``
/// returns normally, so the process exits 0.
///
/// The server's own tasks (connections, request handlers, the drain) run on threads of their own
/// (``DedicatedThreadExecutor``), and inference on the runtime's worker threads: an app that embeds the server and
/// blocks every thread of Swift's cooperative pool in its own tasks does not stop it from answering.
public struct ServingServer: Sendable {
    /// The engine behind the API.
    public let runtime: ServingRuntime
    /// Who may call it.
    public let access: ServingAccess
    /// Address to bind (default loopback).
    public let host: String
    /// Port to bind (0: any free port, reported to `onListening`).
    public let port: Int
    /// Largest request body accepted (413 above it).
    public let maxBodyBytes: Int
    /// How long a drain may take before the server stops anyway.
    public let drainGrace: Duration

    /// Creates a server.
    ///
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` when `access` is ``ServingAccess/insecureNoAuth`` and
    ///   `host` is not a loopback address.
    public init(
        runtime: ServingRuntime, access: ServingAccess, host: String = "127.0.0.1", port: Int = 8080,
        maxBodyBytes: Int = 1 << 20, drainGrace: Duration = .seconds(20)
    ) throws {
        if case .insecureNoAuth = access, !Self.isLoopback(host) {
            throw ServingError.invalidRequest(
                field: "host", reason: "--insecure-no-auth serves only on a loopback address, not on \(host)")
        }
        self.runtime = runtime
        self.access = access
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.drainGrace = drainGrace
    }

    /// Whether `host` names this machine only.
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// Starts the runtime's workers and serves until SIGTERM/SIGINT or until the calling task is cancelled; drains
    /// before returning.
    ///
    /// - Parameter onListening: called once with the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        runtime.start()
        let group = serviceGroup(onListening: onListening, signals: [.sigterm, .sigint])
        try await Self.onOwnThreads { try await group.run() }
    }

    /// How many threads run the server's tasks (parsing, authorization, replies; not inference).
    static let taskThreadCount = 2

    /// Runs `body` — and the structured tasks it starts, such as Hummingbird's connection handlers — on threads of
    /// the server's own, which end when it returns.
    static func onOwnThreads(_ body: @Sendable () async throws -> Void) async throws {
        let executor = DedicatedThreadExecutor(name: "foundry-serve", threadCount: taskThreadCount)
        defer { executor.shutdown() }
        try await withTaskExecutorPreference(executor) { try await body() }
    }

    /// The HTTP server and the drain as one service group: a graceful shutdown (a signal, or
    /// ``Running/stop()``) runs services in reverse order — first the drain, then the HTTP server.
    func serviceGroup(onListening: @escaping @Sendable (Int) async -> Void, signals: [UnixSignal]) -> ServiceGroup {
        var logger = Logger(label: "foundry.serve")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        let responder = ServingResponder(runtime: runtime, access: access, maxBodyBytes: maxBodyBytes)
        let application = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "foundry"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: application), .init(service: DrainService(runtime: runtime, grace: drainGrace)),
                ],
                gracefulShutdownSignals: signals,
                logger: logger))
    }
}

/// Waits for the graceful shutdown, then drains the runtime (stops taking requests, finishes the queue).
struct DrainService: Service {
    let runtime: ServingRuntime
    let grace: Duration

    func run() async throws {
        try? await gracefulShutdown()
        await runtime.drain(grace: grace)
    }
}

extension ServingServer {
    /// A server running in this process (see ``start()``).
    public struct Running: Sendable {
        /// The bound port.
        public let port: Int
        let group: ServiceGroup
        let task: Task<Void, any Error>

        /// The server's base URL.
        public var url: URL {
            URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/")
        }

        /// Stops the server as SIGTERM would (drain, then close) and waits until it has.
        public func stop() async {
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
    }

    /// Runs the server in a task and returns once it listens (for tests, benchmarks and apps that embed it); it
    /// does not install signal handlers — stop it with ``Running/stop()``.
    ///
    /// - Throws: the error that stopped the server before it listened (e.g. the port is in use).
    public func start() async throws -> Running {
        runtime.start()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let group = serviceGroup(onListening: { continuation.yield($0) }, signals: [])
        let task = Task {
            defer { continuation.finish() }
            try await Self.onOwnThreads { try await group.run() }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = try await task.value
            throw ServingError.internalFailure(reason: "the server stopped before it listened")
        }
        return Running(port: port, group: group, task: task)
    }
}
