/// What a server asks to do with a model (a served adapter, by name): the model operations of
/// ``AccessPolicy/operations``, typed.
public enum ModelOperation: String, CaseIterable, Sendable, Codable, Hashable {
    /// Run requests through the model (`read` on it).
    case invoke = "invoke-model"
    /// Load the model into the server at run time (`admin` on it).
    case register = "register-model"
    /// Unload the model from the server (`admin` on it).
    case unregister = "unregister-model"

    /// The policy table's row for the operation (looked up once per case: a server asks per request).
    public var requirement: OperationRequirement { Self.rows[self]?.requirement ?? Self.fallback(self) }

    /// The actions the operation needs on the model, as a set.
    var requiredActions: ActionSet { Self.rows[self]?.actions ?? .all }

    private static let rows: [ModelOperation: (requirement: OperationRequirement, actions: ActionSet)] =
        Dictionary(
            uniqueKeysWithValues: allCases.map { operation in
                let requirement = AccessPolicy.requirement(of: operation.rawValue) ?? fallback(operation)
                return (operation, (requirement, ActionSet(requirement.actions)))
            })

    /// What an operation missing from the table would require: every action, so that it fails closed. Every case is
    /// a row of the table (the model-access tests check it), so this is never used.
    private static func fallback(_ operation: ModelOperation) -> OperationRequirement {
        OperationRequirement(operation.rawValue, Action.allCases, .model)
    }
}
