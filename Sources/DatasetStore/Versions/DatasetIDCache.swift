import Foundation

/// Dataset name → id. Dataset names are unique and datasets are never renamed or deleted, so an
/// entry never goes stale.
///
/// `@unchecked Sendable` invariant: `ids` is only read or written while holding `lock`.
final class DatasetIDCache: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String: Int64] = [:]

    func id(for name: String) -> Int64? {
        lock.lock()
        defer { lock.unlock() }
        return ids[name]
    }

    func remember(_ name: String, _ id: Int64) {
        lock.lock()
        ids[name] = id
        lock.unlock()
    }
}
