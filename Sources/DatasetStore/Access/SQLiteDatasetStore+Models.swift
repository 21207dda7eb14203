import Foundation
import GRDB

// Models (served adapters, by name) as a scope of grants: revoking a role on a model, checking and authorizing the
// model operations of `AccessPolicy.operations`. Granting on a model is `grantMany` with a model request.

extension SQLiteStoreTransaction {
    /// Revokes `role` from a principal on the model called `model`. Requires `grant` and every action of the role on
    /// that model (or store-wide). Audited as `revoke-model`, naming the model.
    ///
    /// - Returns: whether a grant was removed.
    /// - Throws: ``DatasetStoreError/modelPermissionDenied(principal:operation:model:)``,
    ///   ``DatasetStoreError/privilegeEscalation(principal:role:missing:)``, ``DatasetStoreError/unknownRole(_:)``,
    ///   ``DatasetStoreError/unknownPrincipal(_:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    public func revoke(role: String, from grantee: String, model: String) throws -> Bool {
        let store = self.store
        let model = try Validation.modelName(model)
        return try perform("revoke-model", action: .grant, dataset: nil, model: model) { db, _ in
            let held = try store.permissionSnapshot(principal, db: db).actions(model: model)
            try store.requireHolding(role: role, held: held, principal: principal, db: db)
            let target = try store.principalRow(named: grantee, db: db)
            try db.execute(
                sql: "DELETE FROM model_grant WHERE principalId = ? AND role = ? AND model = ?",
                arguments: [target.id, role, model])
            let removed = db.changesCount > 0
            try store.bumpGrantEpoch(db)
            return (
                removed,
                SQLiteDatasetStore.AuditNote(
                    detail:
                        "role '\(role)' from '\(target.name)' on model '\(model)'\(removed ? "" : " (was not held)")",
                    change: removed
                        ? [AuditChange(kind: .revoke, name: target.name, value: role, dataset: nil, model: model)]
                        : nil)
            )
        }
    }
}

extension SQLiteDatasetStore {
    /// Whether `principal` may do `action` on the model called `model` (a store-wide grant counts; a dataset grant
    /// does not), without doing anything. Answers only about the caller's own rights, so it is not audited.
    ///
    /// - Throws: ``DatasetStoreError/invalidName(kind:name:reason:)`` when `model` is not a model name.
    public func isAllowed(_ principal: Principal, _ action: Action, model: String) throws -> Bool {
        let model = try Validation.modelName(model)
        return try storage {
            try pool.unsafeRead { db in try permissionSnapshot(principal, db: db).allows(action, model: model) }
        }
    }

    /// Decides whether `principal` may do `operation` on the model called `model`, for a server about to do it.
    ///
    /// A refusal appends a `denied` entry to the audit log naming the principal, the operation and the model (in its
    /// detail: `model 'NAME': …`), then throws. An allowed `register-model` or `unregister-model` (rare, administrative)
    /// is audited too; an allowed `invoke-model` is not: a server answering thousands of requests a second must not
    /// write the log once per request. What is audited for every caller is its authentication (once per process and
    /// token with ``ModelAccessGate``) and every refusal. For a check per request use ``ModelAccessGate``, which
    /// answers from memory.
    /// - Parameters:
    ///   - principal: the caller, from ``authenticate(token:)``.
    ///   - operation: what it asks to do.
    ///   - model: the model's name (a served adapter's id).
    /// - Throws: ``DatasetStoreError/modelPermissionDenied(principal:operation:model:)`` when refused;
    ///   ``DatasetStoreError/invalidName(kind:name:reason:)`` (not audited: no model was named) for a name that is not
    ///   one.
    /// - Complexity: O(1) when the principal's grants are cached (one read of the grant epoch).
    public func authorizeModel(_ principal: Principal, operation: ModelOperation, model: String) throws {
        let model = try Validation.modelName(model)
        let snapshot = try storage { try pool.unsafeRead { db in try permissionSnapshot(principal, db: db) } }
        try decideModel(principal, operation, model: model, snapshot: snapshot)
    }

    /// ``authorizeModel(_:operation:model:)`` with the operation by name (`invoke-model`, `register-model`,
    /// `unregister-model`).
    ///
    /// - Throws: ``DatasetStoreError/unknownOperation(_:)`` for another name, else as the typed form.
    public func authorizeModel(_ principal: Principal, operation: String, model: String) throws {
        guard let typed = ModelOperation(rawValue: operation) else {
            throw DatasetStoreError.unknownOperation(operation)
        }
        try authorizeModel(principal, operation: typed, model: model)
    }

    /// Applies the policy to a snapshot; audits a refusal (and an allowed operation whose row says so) and throws it.
    ///
    /// - Parameter model: a validated model name.
    func decideModel(
        _ principal: Principal, _ operation: ModelOperation, model: String, snapshot: PermissionSnapshot
    ) throws {
        let required = operation.requiredActions
        if snapshot.actions(model: model).rawValue & required.rawValue == required.rawValue {
            guard operation.requirement.auditsAllowed else { return }
            let action = operation.requirement.actions.first?.rawValue ?? "authenticated"
            try auditOutcome(principal.name, operation.rawValue, action, nil, nil, .allowed, "model '\(model)'")
            return
        }
        let action = operation.requirement.actions.first?.rawValue ?? "authenticated"
        let error = DatasetStoreError.modelPermissionDenied(
            principal: principal.name, operation: operation.rawValue, model: model)
        try auditOutcome(principal.name, operation.rawValue, action, nil, nil, .denied, "model '\(model)': \(error)")
        throw error
    }

    /// The grant epoch and the token epoch, in one indexed read: what a ``ModelAccessGate`` compares its memory with.
    func accessEpochs() throws -> ModelAccessGate.Epochs {
        try storage {
            try pool.unsafeRead { db in
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT (SELECT value FROM store_meta WHERE key = 'grant_epoch') AS grants,
                                   (SELECT value FROM store_meta WHERE key = 'token_epoch') AS tokens
                            """))
                return ModelAccessGate.Epochs(grants: row?["grants"] ?? 0, tokens: row?["tokens"] ?? 0)
            }
        }
    }
}
