import Foundation

/// One change to principals, tokens, roles or grants, as recorded in the audit entry that made it.
///
/// `audit verify` replays these changes from the first keyed entry (which records the state the store had when the
/// chain was keyed) and requires the result to equal the principal, token, role and grant tables: a grant, principal
/// or token inserted straight into the file is caught even though its table is not part of the chain.
struct AuditChange: Sendable, Hashable {
    enum Kind: String {
        case principal, token, revokeToken = "revoke-token", role, grant, revoke
    }

    let kind: Kind
    /// The principal concerned (created, holding the token, granted or revoked), or the role's name for `role`.
    let name: String
    /// `principal`: its kind; `token`, `revoke-token`: the lookup id; `role`: the action bit mask; grant, revoke:
    /// the role.
    let value: String
    /// Grant and revoke: the dataset (nil = store-wide, or on the model).
    let dataset: String?
    /// Grant and revoke: the model (nil = store-wide, or on the dataset). Encoded only when set, so entries written
    /// before models were a scope keep their canonical text.
    let model: String?

    init(kind: Kind, name: String, value: String, dataset: String?, model: String? = nil) {
        self.kind = kind
        self.name = name
        self.value = value
        self.dataset = dataset
        self.model = model
    }

    /// The JSON text of a list of changes (canonical: fixed key order, minimal escaping).
    static func encode(_ changes: [AuditChange]) -> String {
        "["
            + changes.map { change in
                var object = ["op": change.kind.rawValue, "name": change.name, "value": change.value]
                if let dataset = change.dataset { object["dataset"] = dataset }
                if let model = change.model { object["model"] = model }
                return CanonicalEncoding.fieldsJSON(object)
            }.joined(separator: ",") + "]"
    }

    /// Parses ``encode(_:)``'s text; nil when it is not such a list.
    static func decode(_ text: String) -> [AuditChange]? {
        guard let objects = try? JSONDecoder().decode([[String: String]].self, from: Data(text.utf8)) else {
            return nil
        }
        var changes: [AuditChange] = []
        for object in objects {
            guard let op = object["op"], let kind = Kind(rawValue: op), let name = object["name"],
                let value = object["value"]
            else { return nil }
            changes.append(
                AuditChange(kind: kind, name: name, value: value, dataset: object["dataset"], model: object["model"]))
        }
        return changes
    }
}

/// The principals, tokens, custom roles and grants of a store, as the audit replay and the tables give them.
struct AccessState: Equatable {
    /// Principal name → kind.
    var principals: [String: String] = [:]
    /// Token lookup id → (principal name, revoked).
    var tokens: [String: TokenState] = [:]
    /// Custom role name → action bit mask.
    var roles: [String: String] = [:]
    /// Grants as principal, role, dataset and model (both empty = store-wide; never both set).
    var grants: Set<[String]> = []

    struct TokenState: Equatable {
        var principal: String
        var revoked: Bool
    }

    /// Applies one change; returns a reason when it cannot apply (an unknown principal or token).
    mutating func apply(_ change: AuditChange) -> String? {
        switch change.kind {
        case .principal: principals[change.name] = change.value
        case .token:
            guard principals[change.name] != nil else { return "a token for unknown principal '\(change.name)'" }
            tokens[change.value] = TokenState(principal: change.name, revoked: false)
        case .revokeToken:
            guard tokens[change.value] != nil else { return "revoking unknown token \(change.value)" }
            tokens[change.value]?.revoked = true
        case .role: roles[change.name] = change.value
        case .grant:
            guard principals[change.name] != nil else { return "a grant to unknown principal '\(change.name)'" }
            grants.insert([change.name, change.value, change.dataset ?? "", change.model ?? ""])
        case .revoke: grants.remove([change.name, change.value, change.dataset ?? "", change.model ?? ""])
        }
        return nil
    }

    /// The state as a list of changes that rebuild it (for the first keyed entry).
    var asChanges: [AuditChange] {
        var changes: [AuditChange] = []
        for (name, kind) in principals.sorted(by: { $0.key < $1.key }) {
            changes.append(AuditChange(kind: .principal, name: name, value: kind, dataset: nil))
        }
        for (lookup, token) in tokens.sorted(by: { $0.key < $1.key }) {
            changes.append(AuditChange(kind: .token, name: token.principal, value: lookup, dataset: nil))
            if token.revoked {
                changes.append(AuditChange(kind: .revokeToken, name: token.principal, value: lookup, dataset: nil))
            }
        }
        for (name, actions) in roles.sorted(by: { $0.key < $1.key }) {
            changes.append(AuditChange(kind: .role, name: name, value: actions, dataset: nil))
        }
        for grant in grants.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            changes.append(
                AuditChange(
                    kind: .grant, name: grant[0], value: grant[1], dataset: grant[2].isEmpty ? nil : grant[2],
                    model: grant[3].isEmpty ? nil : grant[3]))
        }
        return changes
    }

    /// The first difference between this state (the audit log's replay) and `other` (the tables), described, or nil
    /// when equal.
    func difference(from other: AccessState) -> String? {
        for name in Set(principals.keys).union(other.principals.keys).sorted()
        where principals[name] != other.principals[name] {
            return
                "principal '\(DisplayText.escaped(name))' is \(other.principals[name].map { "a \($0)" } ?? "absent") in the table but \(principals[name].map { "a \($0)" } ?? "absent") in the audit log"
        }
        for lookup in Set(tokens.keys).union(other.tokens.keys).sorted() where tokens[lookup] != other.tokens[lookup] {
            return "token \(lookup) differs between the table and the audit log"
        }
        for name in Set(roles.keys).union(other.roles.keys).sorted() where roles[name] != other.roles[name] {
            return "custom role '\(DisplayText.escaped(name))' differs between the table and the audit log"
        }
        if let grant = other.grants.subtracting(grants).sorted(by: { $0.lexicographicallyPrecedes($1) }).first {
            return "the grant of '\(DisplayText.escaped(grant[1]))' to '\(DisplayText.escaped(grant[0]))' "
                + Self.scope(of: grant) + " is in the table but no audit entry made it"
        }
        if let grant = grants.subtracting(other.grants).sorted(by: { $0.lexicographicallyPrecedes($1) }).first {
            return "the grant of '\(DisplayText.escaped(grant[1]))' to '\(DisplayText.escaped(grant[0]))' "
                + Self.scope(of: grant) + " was made in the audit log but is missing from the table"
        }
        return nil
    }

    /// A grant's scope in words: `store-wide`, `on 'dataset'` or `on model 'name'`.
    static func scope(of grant: [String]) -> String {
        if grant.count > 3, !grant[3].isEmpty { return "on model '\(DisplayText.escaped(grant[3]))'" }
        return grant[2].isEmpty ? "store-wide" : "on '\(DisplayText.escaped(grant[2]))'"
    }
}
