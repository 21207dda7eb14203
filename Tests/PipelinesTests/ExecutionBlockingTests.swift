import Foundation
import Testing

@testable import Pipelines

/// The deploy step waits synchronously for the serving runtime's async work. The work must not need a thread of
/// Swift's cooperative pool: when every pool thread is a caller waiting (tests or library users running pipelines
/// from tasks), such work could never run, and the process would hang — as a CI run once did.
@Suite("Waiting for async work from synchronous steps")
struct ExecutionBlockingTests {
    @Test("more concurrent waiters than the pool has threads all finish")
    func waitersOutnumberingThePool() async throws {
        let waiters = ProcessInfo.processInfo.activeProcessorCount + 2
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<waiters {
                group.addTask {
                    try Blocking.wait {
                        try await Task.sleep(for: .milliseconds(20))
                        return index
                    }
                }
            }
            var all: [Int] = []
            for try await value in group { all.append(value) }
            return all
        }
        #expect(results.sorted() == Array(0..<waiters))
    }

    @Test("an error thrown by the work reaches the caller")
    func errorsPropagate() {
        #expect(throws: PipelinesError.self) {
            try Blocking.wait { () async throws -> Int in throw PipelinesError.stepFailed(step: "s", reason: "r") }
        }
    }
}
