/// The store's access policy: built-in roles, the actions each allows, and how scopes combine.
///
/// Built-in roles × actions (✓ = allowed):
///
/// | role | read | read-sensitive | write | label | export | grant | delete | admin |
/// |---|---|---|---|---|---|---|---|---|
/// | owner | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
/// | maintainer | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | |
/// | labeler | ✓ | | | ✓ | | | | |
/// | viewer | ✓ | | | | | | | |
///
/// Scopes (RBAC with domains, as in Casbin): a grant is either store-wide or scoped to one
/// dataset. A check on dataset D passes when a store-wide grant or a grant on D allows the action;
/// a store-wide check (creating datasets, administering principals and the audit log) passes only
/// through store-wide grants. Granting a role additionally requires holding every action of that
/// role on the same scope, so nobody can hand out more than they have.
public enum AccessPolicy {
    /// The built-in roles, in decreasing order of power. This table IS the policy: the store reads it.
    public static let builtInRoles: [Role] = [
        Role(name: "owner", actions: Action.allCases, isBuiltIn: true),
        Role(
            name: "maintainer", actions: [.read, .readSensitive, .write, .label, .export, .grant, .delete],
            isBuiltIn: true),
        Role(name: "labeler", actions: [.read, .label], isBuiltIn: true),
        Role(name: "viewer", actions: [.read], isBuiltIn: true),
    ]

    /// The built-in role called `name`, or nil.
    public static func builtInRole(named name: String) -> Role? { builtInRoles.first { $0.name == name } }
}
