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
