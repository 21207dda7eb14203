import Adapters
import Foundation
import FoundryCore
import Tensors

/// How much arithmetic a `bench serve` workload asks of the encoder, and the rate at which this machine can do
/// matrix products at all: together they bound what any batching can gain over the naive mode.
///
/// The naive mode and the batched mode do the same encoder arithmetic per text (the LoRA delta and the fold are a
/// fraction of a percent of it), so `gemm ceiling ÷ naive mode's arithmetic rate` is the largest batched ÷ naive
/// ratio a server could reach if it spent every cycle in GEMM at the ceiling — no attention, softmax, GELU, layer
/// norm, tokenization, HTTP or client.
struct ServeArithmetic: Codable {
    /// Mean multiply–adds of one text's forward pass (``BertConfiguration/multiplyAdds(tokens:)``).
    var multiplyAddsPerText: Double
    /// Each GEMM configuration measured before the runs, on the idle server's machine.
    var gemmMeasurements: [GEMMThroughput]
    /// The best rate among them (GFLOP/s): the ceiling.
    var gemmCeilingGflopsPerSecond: Double

    /// Measures the ceiling for an encoder's linear layers: each layer shape with `workers` threads side by side
    /// (one BLAS thread each, as the engine's workers run), and the widest shape as one large product on all of
    /// BLAS's threads; each for `seconds`.
    static func measure(
        configuration: BertConfiguration, tokenCounts: [Int], workers: Int, seconds: Double
    ) -> ServeArithmetic {
        let hidden = configuration.hiddenSize, intermediate = configuration.intermediateSize
        let shapes = [(hidden, 3 * hidden), (hidden, hidden), (hidden, intermediate), (intermediate, hidden)]
        var measurements = shapes.map { inner, columns in
            GEMMThroughput.measure(rows: 256, inner: inner, columns: columns, workers: workers, seconds: seconds)
        }
        measurements.append(
            GEMMThroughput.measure(rows: 2048, inner: hidden, columns: intermediate, workers: 1, seconds: seconds))
        let total = tokenCounts.reduce(0) { $0 + configuration.multiplyAdds(tokens: $1) }
        return ServeArithmetic(
            multiplyAddsPerText: tokenCounts.isEmpty ? 0 : Double(total) / Double(tokenCounts.count),
            gemmMeasurements: measurements.map(Self.rounded),
            gemmCeilingGflopsPerSecond: Self.round(measurements.map(\.gflopsPerSecond).max() ?? 0))
    }

    /// The encoder's arithmetic rate (GFLOP/s) of a run that served `texts` texts in `seconds`.
    func gflopsPerSecond(texts: Int, seconds: Double) -> Double {
        Self.round(2 * multiplyAddsPerText * Double(texts) / max(seconds, 1e-9) / 1e9)
    }

    private static func round(_ value: Double) -> Double { (value * 10).rounded() / 10 }

    private static func rounded(_ measurement: GEMMThroughput) -> GEMMThroughput {
        var copy = measurement
        copy.seconds = (copy.seconds * 1000).rounded() / 1000
        copy.gflopsPerSecond = round(copy.gflopsPerSecond)
        return copy
    }
}
