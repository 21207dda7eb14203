import Foundation

/// In-memory cache of ``PermissionSnapshot``s per principal, each tagged with the store's grant
/// epoch (a counter bumped in the same transaction as every grant, revoke and role change, by any
/// process). An entry is used only when its epoch equals the epoch read in the current transaction.
///
/// `@unchecked Sendable` invariant: `entries` is only read or written while holding `lock`.
final class GrantCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Int64: (epoch: Int64, snapshot: PermissionSnapshot)] = [:]

    func snapshot(principal: Int64, epoch: Int64, load: () throws -> PermissionSnapshot) rethrows -> PermissionSnapshot
    {
        lock.lock()
        if let entry = entries[principal], entry.epoch == epoch {
            lock.unlock()
            return entry.snapshot
        }
        lock.unlock()
        let loaded = try load()
        lock.lock()
        entries[principal] = (epoch, loaded)
        lock.unlock()
        return loaded
    }

    func invalidateAll() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
