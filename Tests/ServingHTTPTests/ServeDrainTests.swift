import Foundation
import FoundryTestSupport
import ServingHTTP
import Testing

/// `foundry serve` on SIGTERM: stops taking requests, answers everything it accepted, exits 0.
@Suite("foundry serve drain", .serialized)
struct ServeDrainTests {

    @Test(
        "SIGTERM while requests are queued: every request answered 200 or 503, exit status 0",
        .enabled(if: TestData.model != nil && FoundryCLI.executable != nil))
    func drainOnSigterm() async throws {
        let process = Process()
        process.executableURL = FoundryCLI.executable
        process.arguments = [
            "serve", "--model", try #require(TestData.model).path, "--insecure-no-auth", "--port", "0",
            "--drain-seconds", "60",
            "--max-batch-tokens", "128", "--request-timeout-ms", "300000",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let port = try #require(try Self.listeningPort(output.fileHandleForReading))
        let client = ServingClient(baseURL: try #require(URL(string: "http://127.0.0.1:\(port)")), token: nil)
        let texts = (0..<4).map { "request text number \($0) about a great video, please subscribe to my channel" }
        let statuses = Task {
            await withTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        (try? await client.post("/v1/embeddings", json: ["input": texts.map { "\(index) \($0)" }]))?
                            .status ?? -1
                    }
                }
                var all: [Int] = []
                for await status in group { all.append(status) }
                return all
            }
        }
        // Wait until the server has work queued, then ask it to stop.
        var queued = false
        for _ in 0..<400 where !queued {
            let metrics = String(decoding: (try? await client.get("/metrics"))?.body ?? Data(), as: UTF8.self)
            queued = metrics.split(separator: "\n").contains {
                $0.hasPrefix("foundry_queue_depth ") && !$0.hasSuffix(" 0")
            }
            if !queued { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(queued)
        kill(process.processIdentifier, SIGTERM)
        let answered = await statuses.value
        process.waitUntilExit()
        #expect(answered.allSatisfy { $0 == 200 || $0 == 503 }, "\(answered)")
        #expect(answered.contains(200))
        #expect(process.terminationStatus == 0)
        let rest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(rest.contains("drained"))
    }

    /// Reads the server's first line and returns the port it names.
    static func listeningPort(_ handle: FileHandle) throws -> Int? {
        var line = Data()
        while true {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { return nil }
            if byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "127.0.0.1:") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
