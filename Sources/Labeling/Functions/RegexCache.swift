import Foundation

/// Compiled `NSRegularExpression`s by pattern and options, shared by every ``TextPattern`` in the process (as Python's
/// `re` module keeps its compiled patterns). A spec's regex is compiled when the spec is read (to check it), when its
/// functions are compiled, and again each time a pipeline step applies it; ICU's compilation took about 50 µs a
/// pattern here, a tenth of re-applying one edited function. Bounded: when full, it starts over.
final class RegexCache: @unchecked Sendable {
    /// The process's cache.
    static let shared = RegexCache(capacity: 256)

    private struct Key: Hashable {
        var pattern: String
        var options: UInt
    }

    private let lock = NSLock()
    private var expressions: [Key: NSRegularExpression] = [:]
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The compiled expression (compiled now if it is not cached).
    ///
    /// - Throws: what `NSRegularExpression` throws for a pattern that does not compile (never cached).
    func expression(_ pattern: String, options: NSRegularExpression.Options) throws -> NSRegularExpression {
        let key = Key(pattern: pattern, options: options.rawValue)
        if let known = lock.withLock({ expressions[key] }) { return known }
        let compiled = try NSRegularExpression(pattern: pattern, options: options)
        lock.withLock {
            if expressions.count >= capacity { expressions.removeAll(keepingCapacity: true) }
            expressions[key] = compiled
        }
        return compiled
    }

    /// How many expressions are cached.
    var count: Int { lock.withLock { expressions.count } }
}
