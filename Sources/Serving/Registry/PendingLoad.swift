import Adapters
import Foundation

/// One load of an adapter in flight (a cold read, a warm → hot decode or a prefetch); callers that want the same
/// adapter meanwhile wait for it instead of reading the disk again.
///
/// The outcome is the decoded adapter (nil for a prefetch, which stops at the warm tier) or the error.
///
/// `@unchecked Sendable` invariant: `outcome` is only read or written while holding `condition`; it is set once.
final class PendingLoad: @unchecked Sendable {
    private let condition = NSCondition()
    private var outcome: Result<LoRAAdapter?, ServingError>?

    /// Publishes the outcome and wakes every waiter.
    func finish(_ result: Result<LoRAAdapter?, ServingError>) {
        condition.lock()
        if outcome == nil { outcome = result }
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks the calling thread until the outcome is published.
    func wait() -> Result<LoRAAdapter?, ServingError> {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let outcome { return outcome }
            condition.wait()
        }
    }
}
