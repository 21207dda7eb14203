/// What one principal may do: store-wide actions, actions per dataset id and actions per model. The authorization
/// function tests one of these in O(1).
public struct PermissionSnapshot: Sendable, Equatable {
    /// Whether the principal still exists.
    public let exists: Bool
    /// Actions granted store-wide.
    public let storeWide: ActionSet
    /// Actions granted per dataset id.
    public let perDataset: [Int64: ActionSet]
    /// Actions granted per model (a served adapter, by its name in NFC).
    public let perModel: [String: ActionSet]

    init(exists: Bool, storeWide: ActionSet, perDataset: [Int64: ActionSet], perModel: [String: ActionSet] = [:]) {
        self.exists = exists
        self.storeWide = storeWide
        self.perDataset = perDataset
        self.perModel = perModel
    }

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

    /// Whether `action` is allowed on the model called `model`: a store-wide grant counts on every model, as it does
    /// on every dataset; a dataset grant never counts on a model.
    ///
    /// - Parameter model: the model's name (either normalization form).
    /// - Complexity: O(length of the name).
    @inline(__always)
    public func allows(_ action: Action, model: String) -> Bool {
        guard exists else { return false }
        if storeWide.contains(action) { return true }
        guard !perModel.isEmpty, let scoped = perModel[Validation.normalized(model)] else { return false }
        return scoped.contains(action)
    }

    /// All actions held on a dataset (store-wide ones included), or store-wide only for nil.
    public func actions(datasetID: Int64?) -> ActionSet {
        guard exists else { return .none }
        guard let datasetID else { return storeWide }
        return storeWide.union(perDataset[datasetID] ?? .none)
    }

    /// All actions held on a model (store-wide ones included).
    public func actions(model: String) -> ActionSet {
        guard exists else { return .none }
        return storeWide.union(perModel[Validation.normalized(model)] ?? .none)
    }
}
