import Foundation

/// What one principal may do: store-wide actions and actions per dataset id. The authorization
/// function tests one of these in O(1).
public struct PermissionSnapshot: Sendable, Equatable {
    /// Whether the principal still exists.
    public let exists: Bool
    /// Actions granted store-wide.
    public let storeWide: ActionSet
    /// Actions granted per dataset id.
    public let perDataset: [Int64: ActionSet]

    /// Whether `action` is allowed on the dataset with id `datasetID` (nil = store-wide scope).
    ///
    /// - Complexity: O(1).
    @inline(__always)
    public func allows(_ action: Action, datasetID: Int64?) -> Bool {
        guard exists else { return false }
        if storeWide.contains(action) { return true }
        guard let datasetID, let scoped = perDataset[datasetID] else { return false }
        return scoped.contains(action)
    }

    /// All actions held on a dataset (store-wide ones included), or store-wide only for nil.
    public func actions(datasetID: Int64?) -> ActionSet {
        guard exists else { return .none }
        guard let datasetID else { return storeWide }
        return storeWide.union(perDataset[datasetID] ?? .none)
    }
}

/// In-memory cache of ``PermissionSnapshot``s per principal, each tagged with the store's grant
/// epoch (a counter bumped in the same transaction as every grant, revoke and role change, by any
/// process). An entry is used only when its epoch equals the epoch read in the current transaction.
///
/// `@unchecked Sendable` invariant: `entries` is only read or written while holding `lock`.
final class GrantCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Int64: (epoch: Int64, snapshot: PermissionSnapshot)] = [:]

    func snapshot(principal: Int64, epoch: Int64, load: () throws -> PermissionSnapshot) rethrows -> PermissionSnapshot {
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
