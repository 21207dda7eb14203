/// A named set of actions. Four roles are built in (see ``AccessPolicy``); administrators may define custom roles.
public struct Role: Sendable, Hashable, Codable {
    /// The role's name (`owner`, `maintainer`, `labeler`, `viewer`, or a custom name).
    public let name: String
    /// The actions the role allows on its scope.
    public let actions: [Action]
    /// Whether the role is one of the built-in four.
    public let isBuiltIn: Bool

    /// Creates a role value.
    public init(name: String, actions: [Action], isBuiltIn: Bool) {
        self.name = name
        self.actions = Action.allCases.filter(Set(actions).contains)
        self.isBuiltIn = isBuiltIn
    }

    /// The actions as a bit set.
    var actionSet: ActionSet { ActionSet(actions) }
}
