/// Principals, API tokens, roles and grants (store-wide, per dataset, per model): who may do what.
///
/// Part of ``DatasetStore``. Only ``bootstrapOwner(name:kind:)`` runs unchecked (on an empty store);
/// ``authenticate(token:)`` is audited; everything else takes the acting principal.
public protocol AccessControlStore: Sendable {
    /// Creates the first owner of an empty store (the one unchecked operation) and returns its token.
    func bootstrapOwner(name: String, kind: PrincipalKind) throws -> IssuedToken
    /// Checks a token and returns its principal.
    func authenticate(token: String) throws -> Principal
    /// Whether the principal may do `action` on `dataset` (nil = store-wide), without doing anything.
    func isAllowed(_ principal: Principal, _ action: Action, dataset: String?) throws -> Bool
    /// Answers many permission questions in one snapshot.
    func areAllowed(_ principal: Principal, _ questions: [(action: Action, dataset: String?)]) throws -> [Bool]
    /// Creates a principal (store-wide `admin`).
    func createPrincipal(name: String, kind: PrincipalKind, as principal: Principal) throws -> Principal
    /// Issues a token for a principal (store-wide `admin`).
    func issueToken(for name: String, as principal: Principal) throws -> IssuedToken
    /// Revokes a principal's tokens (store-wide `admin`); returns how many.
    func revokeTokens(of name: String, as principal: Principal) throws -> Int
    /// Defines a custom role (store-wide `admin`).
    func defineRole(name: String, actions: [Action], as principal: Principal) throws -> Role
    /// Grants a role on a dataset or store-wide (`grant`, no escalation).
    func grant(role: String, to grantee: String, dataset: String?, as principal: Principal) throws -> Grant
    /// Grants many roles at once (`grant`, no escalation), all or nothing.
    func grantMany(_ requests: [GrantRequest], as principal: Principal) throws -> [Grant]
    /// Revokes a role (`grant`); returns whether one was held.
    func revoke(role: String, from grantee: String, dataset: String?, as principal: Principal) throws -> Bool
    /// Grants a role on a model (a served adapter, by name) (`grant` on the model or store-wide, no escalation).
    func grant(role: String, to grantee: String, model: String, as principal: Principal) throws -> Grant
    /// Revokes a role on a model (`grant` on the model or store-wide); returns whether one was held.
    func revoke(role: String, from grantee: String, model: String, as principal: Principal) throws -> Bool
    /// Whether the principal may do `action` on the model, without doing anything.
    func isAllowed(_ principal: Principal, _ action: Action, model: String) throws -> Bool
    /// Checks a model operation for a server; a refusal is audited (naming the model) and thrown.
    func authorizeModel(_ principal: Principal, operation: ModelOperation, model: String) throws
    /// A principal's grants (own, or store-wide `admin`).
    func grants(of name: String, as principal: Principal) throws -> [Grant]
    /// All principals (store-wide `admin`).
    func principals(as principal: Principal) throws -> [Principal]
    /// Built-in and custom roles.
    func roles(as principal: Principal) throws -> [Role]
}
