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

    /// Every operation and what it requires. This table is the policy the store enforces; the role × operation
    /// matrix test runs every cell of it (each built-in role, granted on the dataset and store-wide).
    ///
    /// Listing datasets and roles, reading one's own grants and authenticating need no action (the list shows only
    /// datasets the principal may read).
    public static let operations: [OperationRequirement] = [
        OperationRequirement("show-dataset", [.read], .dataset),
        OperationRequirement("list-versions", [.read], .dataset),
        OperationRequirement("show-version", [.read], .dataset),
        OperationRequirement(
            "read-examples", [.read], .dataset, note: "sensitive columns masked without read-sensitive"),
        OperationRequirement("diff", [.read], .dataset, note: "compares visible columns only"),
        OperationRequirement("lineage", [.read], .dataset, note: "erasure details need read-sensitive"),
        OperationRequirement("show-artifact", [.read], .dataset),
        OperationRequirement("read-artifact-files", [.read], .dataset),
        OperationRequirement("read-gold-labels", [.read], .dataset),
        OperationRequirement("read-label-matrix", [.read], .dataset),
        OperationRequirement("read-soft-labels", [.read], .dataset),
        OperationRequirement("read-cleaning-decisions", [.read], .dataset),
        OperationRequirement("list-tombstones", [.readSensitive], .dataset),
        OperationRequirement(
            "import", [.write], .dataset, note: "also read-sensitive when the dataset has sensitive columns"),
        OperationRequirement("configure-dataset", [.write, .readSensitive], .dataset),
        OperationRequirement("store-cleaning-decisions", [.write], .dataset),
        OperationRequirement("record-artifact", [.write], .dataset),
        OperationRequirement("set-gold-labels", [.label], .dataset),
        OperationRequirement("store-label-matrix", [.label], .dataset),
        OperationRequirement("store-soft-labels", [.label], .dataset),
        OperationRequirement("export", [.export], .dataset, note: "sensitive columns masked without read-sensitive"),
        OperationRequirement("erase", [.delete], .dataset),
        OperationRequirement("grant", [.grant], .dataset, note: "and every action of the role granted"),
        OperationRequirement("revoke", [.grant], .dataset, note: "and every action of the role revoked"),
        OperationRequirement("create-dataset", [.write], .store),
        OperationRequirement("create-principal", [.admin], .store),
        OperationRequirement("issue-token", [.admin], .store),
        OperationRequirement("revoke-tokens", [.admin], .store, note: "never the last administrator's"),
        OperationRequirement("define-role", [.admin], .store),
        OperationRequirement("list-principals", [.admin], .store),
        OperationRequirement("list-grants", [.admin], .store, note: "one's own need nothing"),
        OperationRequirement("audit-log", [.admin], .store),
        OperationRequirement("audit-verify", [.admin], .store),
        OperationRequirement("audit-checkpoint", [.admin], .store),
    ]

    /// The requirement of `operation`, or nil for an operation that needs no action.
    public static func requirement(of operation: String) -> OperationRequirement? {
        operations.first { $0.operation == operation }
    }

    /// The built-in role called `name`, or nil.
    public static func builtInRole(named name: String) -> Role? { builtInRoles.first { $0.name == name } }
}
