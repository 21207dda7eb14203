import Dispatch
import Foundation
import FoundryCore
import Serving
import ServingHTTP
import Testing

/// A server embedded in a process keeps answering when the process's own tasks block every thread of Swift's
/// cooperative pool (a test suite running child processes, an app doing blocking I/O in tasks).
@Suite("Serving beside a blocked cooperative pool")
struct ServingPoolStarvationTests {
    @Test("the server answers while every cooperative thread is blocked by other work in the process")
    func answersWhileThePoolIsBlocked() async throws {
        let fixture = try ServingFixture()
        let server = try ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0)
        let running = try await server.start()
        let blockers = PoolBlockers(count: ProcessInfo.processInfo.activeProcessorCount)
        // The test's own steps run on a thread of their own: with the pool blocked they could not run on it either.
        let testThread = DedicatedThreadExecutor(name: "starvation-test")
        let replies = await withTaskExecutorPreference(testThread) {
            blockers.blockThePool()
            defer { blockers.release() }
            let client = ServingClient(baseURL: running.url, token: nil, timeout: 20)
            var replies: [ServingClient.Reply?] = []
            // An adapter, then a merge made on first use (its work runs on a thread of its own too).
            for model in ["spam", "spam:0.5,sentiment:0.5"] {
                replies.append(try? await client.post("/v1/classify", json: ["model": model, "input": ["win now"]]))
            }
            return replies
        }
        testThread.shutdown()
        for reply in replies {
            #expect(reply?.status == 200, "no answer within 20 s while the cooperative pool was blocked")
            #expect((reply?.json?["data"] as? [[String: Any]])?.count == 1)
        }
        await running.stop()
    }
}

/// Tasks on the global concurrent executor that each block their pool thread until released.
private final class PoolBlockers: Sendable {
    let count: Int
    private let started = DispatchSemaphore(value: 0)
    private let released = DispatchSemaphore(value: 0)

    init(count: Int) { self.count = count }

    /// Starts `count` blocking tasks and returns once all of them hold a pool thread, or after `limit` when other
    /// work in the test run holds the rest (then the pool is just as blocked; the blockers that start late pass
    /// straight through once ``release()`` has been called).
    func blockThePool(limit: DispatchTimeInterval = .seconds(30)) {
        for _ in 0..<count {
            Task.detached { [self] in
                started.signal()
                released.wait()
            }
        }
        let deadline = DispatchTime.now() + limit
        for _ in 0..<count where started.wait(timeout: deadline) == .timedOut { break }
    }

    /// Lets every blocking task finish.
    func release() {
        for _ in 0..<count { released.signal() }
    }
}
