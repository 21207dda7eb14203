import Foundation

/// The runtime's lifecycle and its bookkeeping of derived (merged) adapters.
///
/// `@unchecked Sendable` invariant: every stored property is read and written only while holding `lock`.
final class RuntimeState: @unchecked Sendable {
    enum Phase: Sendable, Equatable {
        case created, running, draining, stopped
    }

    private let lock = NSLock()
    private var currentPhase = Phase.created
    private var started = false
    private var derivedParts: [String: [String]] = [:]
    private var headless: Set<String> = []
    private var batches = 0.0, batchSequences = 0.0

    var phase: Phase { lock.withLock { currentPhase } }
    var hasStarted: Bool { lock.withLock { started } }

    /// Moves to running; false when already started.
    func begin() -> Bool {
        lock.withLock {
            guard !started else { return false }
            started = true
            if currentPhase == .created { currentPhase = .running }
            return true
        }
    }

    func beginDrain() {
        lock.withLock {
            if currentPhase != .stopped { currentPhase = .draining }
        }
    }

    func recordBatch(sequences: Int) {
        lock.withLock {
            batches += 1
            batchSequences += Double(sequences)
        }
    }

    var batchTotals: (batches: Double, sequences: Double) { lock.withLock { (batches, batchSequences) } }

    func finish() { lock.withLock { currentPhase = .stopped } }

    func recordDerived(_ id: String, parts: [String], headless isHeadless: Bool) {
        lock.withLock {
            derivedParts[id] = parts
            if isHeadless { headless.insert(id) } else { headless.remove(id) }
        }
    }

    func isDerived(_ id: String) -> Bool { lock.withLock { derivedParts[id] != nil } }
    func isHeadless(_ id: String) -> Bool { lock.withLock { headless.contains(id) } }
    func parts(of id: String) -> [String]? { lock.withLock { derivedParts[id] } }

    func derived(using part: String) -> [String] {
        lock.withLock { derivedParts.filter { $0.value.contains(part) }.map(\.key).sorted() }
    }

    func forgetDerived(_ id: String) {
        lock.withLock {
            derivedParts[id] = nil
            headless.remove(id)
        }
    }
}
