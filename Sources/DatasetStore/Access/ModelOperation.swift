/// What a server asks to do with a model (a served adapter, by name): the model operations of
/// ``AccessPolicy/operations``, typed.
public enum ModelOperation: String, CaseIterable, Sendable, Codable, Hashable {
    /// Run requests through the model (`read` on it).
    case invoke = "invoke-model"
    /// Load the model into the server at run time (`admin` on it).
    case register = "register-model"
    /// Unload the model from the server (`admin` on it).
    case unregister = "unregister-model"

    /// The policy table's row for the operation.
    public var requirement: OperationRequirement {
        // Every case is a row of the table (the access-policy tests check it); the fallback only keeps this total.
        AccessPolicy.requirement(of: rawValue)
            ?? OperationRequirement(rawValue, [.admin], .model)
    }

    /// The actions the operation needs on the model, as a set (computed once per case).
    var requiredActions: ActionSet {
        switch self {
        case .invoke: Self.actionSets.invoke
        case .register: Self.actionSets.register
        case .unregister: Self.actionSets.unregister
        }
    }

    private static let actionSets = (
        invoke: ActionSet(ModelOperation.invoke.requirement.actions),
        register: ActionSet(ModelOperation.register.requirement.actions),
        unregister: ActionSet(ModelOperation.unregister.requirement.actions)
    )
}
