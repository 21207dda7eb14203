import Foundation

/// A snapshot of a long job's progress.
public struct Progress: Sendable, Equatable {
    /// Units done so far (rows, epochs, batches…).
    public var completed: Int
    /// Units in all, when known.
    public var total: Int?
    /// A short free-form note (for example the current loss).
    public var message: String

    /// Creates a snapshot.
    public init(completed: Int, total: Int?, message: String = "") {
        self.completed = completed
        self.total = total
        self.message = message
    }

    /// The completed fraction in `0...1`, when the total is known.
    public var fraction: Double? {
        guard let total, total > 0 else { return nil }
        return min(1, Double(completed) / Double(total))
    }
}

/// A callback that long-running Foundry jobs call with their progress. It may be called from any thread.
public typealias ProgressHandler = @Sendable (Progress) -> Void

/// A thread-safe cancellation flag that long jobs poll between units of work.
public final class CancellationFlag: @unchecked Sendable {
    // Invariant: `cancelled` is only read and written while holding `lock`.
    private let lock = NSLock()
    private var cancelled = false

    /// A flag not yet raised.
    public init() {}

    /// Asks the job to stop at its next check.
    public func cancel() { lock.withLock { cancelled = true } }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool { lock.withLock { cancelled } }
}

/// A text progress bar for terminals, drawn on standard error so standard output stays clean for JSON.
public final class ProgressBar: @unchecked Sendable {
    // Invariant: all mutable state is guarded by `lock`; drawing happens under the lock.
    private let lock = NSLock()
    private let label: String
    private let width: Int
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var finished = false

    /// Creates a bar. Set `enabled` to false (for example under `--json` or when stderr is not a terminal) to draw nothing.
    public init(label: String, width: Int = 30, enabled: Bool = ProgressBar.standardErrorIsTerminal) {
        self.label = label
        self.width = width
        self.enabled = enabled
    }

    /// Whether standard error is attached to a terminal.
    public static var standardErrorIsTerminal: Bool { isatty(2) != 0 }

    /// A ``ProgressHandler`` that updates this bar (at most ten times a second).
    public var handler: ProgressHandler { { [self] progress in self.update(progress) } }

    /// Redraws the bar for `progress`.
    public func update(_ progress: Progress) {
        guard enabled else { return }
        lock.withLock {
            let now = Date()
            let done = progress.total.map { progress.completed >= $0 } ?? false
            guard !finished, done || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            let elapsed = now.timeIntervalSince(start)
            let rate = elapsed > 0 ? Double(progress.completed) / elapsed : 0
            var line = "\r\(label) "
            if let fraction = progress.fraction {
                let filled = Int((fraction * Double(width)).rounded(.down))
                line +=
                    "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "]"
                line += " \(progress.completed)/\(progress.total ?? 0)"
            } else {
                line += "\(progress.completed)"
            }
            line += String(format: " %.0f/s", rate)
            if !progress.message.isEmpty { line += " " + progress.message }
            FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
            if done {
                finished = true
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
    }
}
