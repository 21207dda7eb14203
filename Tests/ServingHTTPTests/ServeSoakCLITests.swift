import Foundation
import FoundryTestSupport
import Testing

/// The soak of `foundry bench serve`, in its 20-second CI version: mixed traffic, adapter churn and every bad input
/// against a real `foundry serve` child process; every answer must be a proper, expected HTTP status, the server must
/// stay up and exit 0 after SIGTERM.
@Suite("foundry bench serve --soak")
struct ServeSoakCLITests {
    @Test(
        "20 seconds of mixed traffic, churn and bad inputs: no transport error, no unexpected status, healthy at the end",
        .enabled(if: TestData.model != nil && FoundryCLI.executable != nil))
    func shortSoak() throws {
        let folder = TemporaryDirectory(prefix: "foundry-soak")
        let output = try FoundryCLI.run([
            "bench", "serve", "--soak", "20", "--adapters", "12", "--concurrency", "4", "--max-length", "32",
            "--model", try #require(TestData.model).path, "--adapter-dir", folder.url.path,
            "--hot-bytes", "3000000", "--warm-bytes", "6000000",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["passed"] as? Bool == true)
        #expect(json["transport_errors"] as? Int == 0)
        #expect((json["unexpected"] as? [Any])?.isEmpty == true, "\(json["unexpected"] ?? "")")
        #expect(json["healthy_at_end"] as? Bool == true)
        // The server ran as a child `foundry serve`, drained on SIGTERM and exited 0; its memory was sampled.
        #expect(json["server_exit_status"] as? Int == 0)
        #expect(((json["rss_mb"] as? [Double]) ?? []).count >= 5)
        let requests = try #require(json["requests"] as? [String: Int])
        // Every kind of traffic ran: good requests, churn and each bad input.
        for kind in ["classify", "embeddings", "register", "malformed-json", "too-large", "no-grant", "misfit-adapter"]
        {
            #expect((requests[kind] ?? 0) > 0, "\(kind)")
        }
    }
}
