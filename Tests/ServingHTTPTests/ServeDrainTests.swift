import Foundation
import Synchronization
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
        // A burst of requests, then SIGTERM once the server reports work queued. On a loaded machine one burst
        // can finish between two polls of /metrics; then it must have been answered 200, and another burst follows.
        var burst: Task<[Int], Never>?
        var queued = false
        for wave in 0..<20 where !queued {
            let (current, finished) = Self.burst(client, wave: wave)
            burst = current
            while !queued {
                let metrics = String(decoding: (try? await client.get("/metrics"))?.body ?? Data(), as: UTF8.self)
                queued = metrics.split(separator: "\n").contains {
                    $0.hasPrefix("foundry_queue_depth ") && !$0.hasSuffix(" 0")
                }
                if queued { break }
                if finished.flag.load(ordering: .acquiring) {
                    let statuses = await current.value
                    #expect(statuses.allSatisfy { $0 == 200 }, "a burst before SIGTERM: \(statuses)")
                    break
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        #expect(queued)
        let statuses = try #require(burst)
        kill(process.processIdentifier, SIGTERM)
        let answered = await statuses.value
        process.waitUntilExit()
        #expect(answered.allSatisfy { $0 == 200 || $0 == 503 }, "\(answered)")
        #expect(answered.contains(200))
        #expect(process.terminationStatus == 0)
        let rest = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(rest.contains("drained"))
    }

    /// Twelve concurrent embedding requests of eight texts each; the statuses they got (-1 for no answer).
    static func burst(_ client: ServingClient, wave: Int) -> (statuses: Task<[Int], Never>, finished: Flag) {
        let finished = Flag()
        let texts = (0..<8).map { "request text number \($0) about a great video, please subscribe to my channel" }
        let statuses = Task {
            await withTaskGroup(of: Int.self) { group in
                for index in 0..<12 {
                    let input = texts.map { "\(wave).\(index) \($0)" }
                    group.addTask {
                        (try? await client.post("/v1/embeddings", json: ["input": input]))?.status ?? -1
                    }
                }
                var all: [Int] = []
                for await status in group { all.append(status) }
                finished.flag.store(true, ordering: .releasing)
                return all
            }
        }
        return (statuses, finished)
    }

    /// A flag one task raises and another reads without waiting.
    final class Flag: Sendable {
        let flag = Atomic<Bool>(false)
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
