import Foundation
import FoundryTestSupport
import Testing

/// `foundry bench serve --naive-swap` reports the encoder's arithmetic rate of each run and the machine's GEMM ceiling,
/// and from them the largest batched ÷ naive ratio the machine allows.
@Suite("foundry bench serve: arithmetic and GEMM ceiling")
struct BenchServeArithmeticCLITests {
    private func number(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

    @Test(
        "each run's GFLOP/s follows from its texts and time; ceiling ÷ naive is the ceiling over the naive run's rate",
        .enabled(if: TestData.model != nil && FoundryCLI.executable != nil))
    func reportsArithmeticAndCeiling() throws {
        let folder = TemporaryDirectory(prefix: "foundry-bench-serve-arithmetic")
        let output = try FoundryCLI.run([
            "bench", "serve", "--adapters", "1", "--requests", "12", "--concurrency", "4", "--max-length", "32",
            "--naive-swap", "--cold-probes", "0", "--gemm-ceiling-seconds", "0.05", "--json",
            "--model", try #require(TestData.model).path, "--adapter-dir", folder.url.path,
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        let arithmetic = try #require(json["arithmetic"] as? [String: Any])
        let perText = try #require(number(arithmetic["multiply_adds_per_text"]))
        // MiniLM's matrix products for 3 to 32 tokens.
        #expect(perText > 30_000_000 && perText < 350_000_000)
        let measurements = try #require(arithmetic["gemm_measurements"] as? [[String: Any]])
        #expect(measurements.count == 5)
        for measurement in measurements {
            #expect(number(measurement["first_value"]) == number(measurement["inner"]))
        }
        let ceiling = try #require(number(arithmetic["gemm_ceiling_gflops_per_second"]))
        let best = measurements.compactMap { number($0["gflops_per_second"]) }.max()
        #expect(ceiling == best)
        let runs = try #require(json["runs"] as? [[String: Any]])
        #expect(runs.map { $0["mode"] as? String } == ["batched", "naive-swap"])
        for run in runs {
            let seconds = try #require(number(run["seconds"]))
            let rate = try #require(number(run["encoder_gflops_per_second"]))
            #expect(abs(rate - 2 * perText * 12 / seconds / 1e9) <= 0.05 + rate * 0.01)
        }
        let ratios = try #require(json["ratios"] as? [String: Any])
        let naiveRate = try #require(number(runs[1]["encoder_gflops_per_second"]))
        let bound = try #require(number(ratios["ceiling_over_naive_1"]))
        #expect(abs(bound - ceiling / naiveRate) <= 0.002 + bound * 0.01)
    }

    @Test(
        "a negative --gemm-ceiling-seconds is refused before anything runs, naming the option",
        .enabled(if: FoundryCLI.executable != nil))
    func refusesANegativeCeilingTime() throws {
        let output = try FoundryCLI.run(["bench", "serve", "--gemm-ceiling-seconds=-1"])
        #expect(output.status != 0)
        #expect(output.standardError.contains("--gemm-ceiling-seconds must be 0 (skip) or a positive number"))
    }
}
