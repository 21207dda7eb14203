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
/// Scopes (RBAC with domains, as in Casbin): a grant is store-wide, scoped to one dataset, or scoped to
/// one model (a served adapter, named by its id: the store keeps no registry of models, a grant names
/// one). A check on dataset D (model M) passes when a store-wide grant or a grant on D (on M) allows
/// the action; a dataset grant never counts on a model, nor a model grant on a dataset; a store-wide
/// check (creating datasets, administering principals and the audit log) passes only through
/// store-wide grants. On a model, `read` allows invoking it, `admin` registering and unregistering
/// it, `grant` handing out roles on it. Granting a role additionally requires holding every action
/// of that role on the same scope, so nobody can hand out more than they have.
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
    /// datasets the principal may read). The model operations are what a server asks before it serves a request
    /// (``SQLiteDatasetStore/authorizeModel(_:operation:model:)``, ``ModelAccessGate``), and granting or revoking a
    /// role on a model.
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
        OperationRequirement(
            "invoke-model", [.read], .model, note: "a server's check per request: refusals are audited, not calls",
            auditsAllowed: false),
        OperationRequirement("register-model", [.admin], .model),
        OperationRequirement("unregister-model", [.admin], .model),
        OperationRequirement("grant-model", [.grant], .model, note: "and every action of the role granted"),
        OperationRequirement("revoke-model", [.grant], .model, note: "and every action of the role revoked"),
    ]

    /// The requirement of `operation`, or nil for an operation that needs no action.
    public static func requirement(of operation: String) -> OperationRequirement? {
        operations.first { $0.operation == operation }
    }

    /// Checks a model name as grants and checks take it: not empty, no control characters (line breaks, escapes,
    /// bidirectional overrides), no leading or trailing whitespace, at most 256 UTF-8 bytes.
    ///
    /// - Returns: the name in Unicode NFC (the form grants are stored and compared in).
    /// - Throws: ``DatasetStoreError/invalidName(kind:name:reason:)`` (kind `model`) naming the rule broken.
    public static func validatedModelName(_ name: String) throws -> String { try Validation.modelName(name) }

    /// The built-in role called `name`, or nil.
    public static func builtInRole(named name: String) -> Role? { builtInRoles.first { $0.name == name } }
}
