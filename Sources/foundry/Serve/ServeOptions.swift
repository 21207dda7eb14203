import ArgumentParser
import Foundation
import Serving

/// The engine settings shared by `foundry serve` and `foundry bench serve`.
struct ServingTuningOptions: ParsableArguments {
    @Option(help: "Byte budget of the hot tier (adapters ready for the batched kernel).")
    var hotBytes: Int = 256 << 20

    @Option(help: "Byte budget of the warm tier (adapters' file bytes in memory).")
    var warmBytes: Int = 1 << 30

    @Option(help: "Adapters the scheduler serves at once (LoRAX's max_active_adapters).")
    var maxActiveAdapters: Int = 32

    @Option(help: "Milliseconds an adapter keeps its place in the active set while others wait (LoRAX's cycle time).")
    var cycleTimeMs: Int = 50

    @Option(help: "Tokens per batch at most (one larger request runs alone).")
    var maxBatchTokens: Int = 4096

    @Option(help: "Requests queued at most (all adapters); beyond it the API answers 429 with Retry-After.")
    var queueCapacity: Int = 4096

    @Option(help: "Milliseconds a request may wait in the queue before it is answered 504.")
    var requestTimeoutMs: Int = 30000

    @Option(help: "Engine workers, each computing whole batches on one core (default: one per core).")
    var workers: Int?

    func validate() throws {
        guard hotBytes > 0, warmBytes >= 0 else {
            throw ValidationError("--hot-bytes must be positive, --warm-bytes ≥ 0")
        }
        guard maxActiveAdapters > 0 else { throw ValidationError("--max-active-adapters must be positive") }
        guard cycleTimeMs > 0 else { throw ValidationError("--cycle-time-ms must be positive") }
        guard maxBatchTokens >= 2 else { throw ValidationError("--max-batch-tokens must be at least 2") }
        guard queueCapacity > 0, requestTimeoutMs > 0 else {
            throw ValidationError("--queue-capacity and --request-timeout-ms must be positive")
        }
        if let workers, workers < 1 { throw ValidationError("--workers must be positive") }
    }

    /// The runtime configuration these options describe.
    func configuration(maxInputTokens: Int?, refuseLongInputs: Bool) -> ServingConfiguration {
        var configuration = ServingConfiguration()
        configuration.budgets = AdapterTierBudgets(hotBytes: hotBytes, warmBytes: warmBytes)
        configuration.scheduler.maxActiveAdapters = maxActiveAdapters
        configuration.scheduler.cycleTime = .milliseconds(cycleTimeMs)
        configuration.scheduler.maxBatchTokens = maxBatchTokens
        configuration.scheduler.queueCapacity = queueCapacity
        configuration.requestTimeout = .milliseconds(requestTimeoutMs)
        configuration.workers = workers
        configuration.maxInputTokens = maxInputTokens
        configuration.longInputs = refuseLongInputs ? .refuse : .truncate
        return configuration
    }
}
