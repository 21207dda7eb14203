import Foundation
import GRDB

extension SQLiteStoreTransaction {
    /// Creates a principal (without grants or tokens). Requires store-wide `admin`.
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    public func createPrincipal(name: String, kind: PrincipalKind) throws -> Principal {
        try perform("create-principal", action: .admin, dataset: nil) { db, _ in
            let name = try Validation.name(name, kind: "principal")
            return (
                try store.insertPrincipal(name: name, kind: kind, db: db),
                SQLiteDatasetStore.AuditNote(
                    detail: "\(kind.rawValue) '\(name)'",
                    change: [AuditChange(kind: .principal, name: name, value: kind.rawValue, dataset: nil)])
            )
        }
    }

    /// Issues a new API token for a principal; the token is returned once. Requires store-wide `admin`.
    public func issueToken(for name: String) throws -> IssuedToken {
        try perform("issue-token", action: .admin, dataset: nil) { db, _ in
            let target = try store.principalRow(named: name, db: db)
            let (issued, lookup) = try store.insertToken(for: target, db: db)
            return (
                issued,
                SQLiteDatasetStore.AuditNote(
                    detail: "token \(lookup) for '\(target.name)'",
                    change: [AuditChange(kind: .token, name: target.name, value: lookup, dataset: nil)])
            )
        }
    }

    /// Revokes every token of a principal. Requires store-wide `admin`.
    ///
    /// - Returns: the number of tokens revoked.
    public func revokeTokens(of name: String) throws -> Int {
        try perform("revoke-tokens", action: .admin, dataset: nil) { db, _ in
            let target = try store.principalRow(named: name, db: db)
            let lookups = try String.fetchAll(
                db, sql: "SELECT lookup FROM api_token WHERE principalId = ? AND revokedAt IS NULL ORDER BY id",
                arguments: [target.id])
            try db.execute(
                sql: "UPDATE api_token SET revokedAt = ? WHERE principalId = ? AND revokedAt IS NULL",
                arguments: [SQLiteDatasetStore.now(), target.id])
            try store.ensureAdministrable(db, after: "revoking the tokens of '\(target.name)'")
            return (
                lookups.count,
                SQLiteDatasetStore.AuditNote(
                    detail: "\(lookups.count) tokens of '\(target.name)'",
                    change: lookups.map { AuditChange(kind: .revokeToken, name: target.name, value: $0, dataset: nil) })
            )
        }
    }

    /// Defines a custom role. Requires store-wide `admin`.
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)`` when the name is taken (built-in names included).
    public func defineRole(name: String, actions: [Action]) throws -> Role {
        try perform("define-role", action: .admin, dataset: nil) { db, _ in
            let name = try Validation.name(name, kind: "role")
            let taken = try Bool.fetchOne(db, sql: "SELECT 1 FROM custom_role WHERE name = ?", arguments: [name]) != nil
            if AccessPolicy.builtInRole(named: name) != nil || taken {
                throw DatasetStoreError.duplicateName(kind: "role", name: name)
            }
            let role = Role(name: name, actions: actions, isBuiltIn: false)
            try db.execute(
                sql: "INSERT INTO custom_role(name, actions, createdAt) VALUES (?, ?, ?)",
                arguments: [name, Int64(role.actionSet.rawValue), SQLiteDatasetStore.now()])
            try store.bumpGrantEpoch(db)
            return (
                role,
                SQLiteDatasetStore.AuditNote(
                    detail: "role '\(name)': \(role.actions.map(\.rawValue).joined(separator: ","))",
                    change: [
                        AuditChange(kind: .role, name: name, value: String(role.actionSet.rawValue), dataset: nil)
                    ])
            )
        }
    }

    /// Grants several roles (all or nothing within the unit); each is checked on its own scope (a dataset, a model or
    /// store-wide): `grant` there and every action of the role there (no escalation).
    ///
    /// Audited as one entry (operation `grant`, or `grant-model` when the first request names a model), plus one per
    /// item when there are several. Granting a role the grantee already holds on that scope is a no-op.
    /// - Throws: ``DatasetStoreError/privilegeEscalation(principal:role:missing:)``, ``DatasetStoreError/unknownRole(_:)``,
    ///   ``DatasetStoreError/unknownPrincipal(_:)``, ``DatasetStoreError/unknownDataset(_:)``,
    ///   ``DatasetStoreError/permissionDenied(principal:action:dataset:)``,
    ///   ``DatasetStoreError/modelPermissionDenied(principal:operation:model:)``,
    ///   ``DatasetStoreError/conflictingScope(dataset:model:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``
    ///   for a model name that is not one.
    public func grantMany(_ requests: [GrantRequest]) throws -> [Grant] {
        guard let first = requests.first else { return [] }
        let store = self.store
        let models = try requests.map { request in
            if let dataset = request.dataset, let model = request.model {
                throw DatasetStoreError.conflictingScope(dataset: dataset, model: model)
            }
            return try request.model.map(Validation.modelName)
        }
        let operation = models[0] == nil ? "grant" : "grant-model"
        return try perform(operation, action: .grant, dataset: first.dataset, model: models[0]) { db, _ in
            var granted: [Grant] = []
            granted.reserveCapacity(requests.count)
            var changes: [AuditChange] = []
            changes.reserveCapacity(requests.count)
            var datasetNames: [Int64: String] = [:]
            let custom = try store.customRoles(db)
            var datasetIDs: [String: Int64] = [:]
            var principalIDs: [String: (Int64, String)] = [:]
            let snapshot = try store.permissionSnapshot(principal, db: db)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """)
            let insertOnModel = try db.cachedStatement(
                sql: """
                    INSERT INTO model_grant(principalId, role, model, grantedBy, grantedAt) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING
                    """)
            let now = SQLiteDatasetStore.now()
            for (request, model) in zip(requests, models) {
                guard
                    let role = AccessPolicy.builtInRole(named: request.role)
                        ?? custom.first(where: { $0.name == request.role })
                else { throw DatasetStoreError.unknownRole(request.role) }
                var datasetID: Int64?
                if let name = request.dataset {
                    if let known = datasetIDs[name] {
                        datasetID = known
                    } else {
                        let found = try store.datasetRow(named: name, db: db)
                        datasetIDs[name] = found.id
                        datasetNames[found.id] = found.name
                        datasetID = found.id
                    }
                }
                let held = model.map { snapshot.actions(model: $0) } ?? snapshot.actions(datasetID: datasetID)
                guard held.contains(.grant) else {
                    if let model {
                        throw DatasetStoreError.modelPermissionDenied(
                            principal: principal.name, operation: "grant-model", model: model)
                    }
                    throw DatasetStoreError.permissionDenied(
                        principal: principal.name, action: .grant, dataset: request.dataset)
                }
                let missing = role.actions.filter { !held.contains($0) }
                guard missing.isEmpty else {
                    throw DatasetStoreError.privilegeEscalation(
                        principal: principal.name, role: role.name, missing: missing)
                }
                let granteeID: Int64
                let granteeName: String
                if let known = principalIDs[request.principal] {
                    (granteeID, granteeName) = known
                } else {
                    let found = try store.principalRow(named: request.principal, db: db)
                    (granteeID, granteeName) = (found.id, found.name)
                    principalIDs[request.principal] = (granteeID, granteeName)
                }
                if let model {
                    try insertOnModel.execute(arguments: [granteeID, role.name, model, principal.id, now])
                } else {
                    try insert.execute(arguments: [granteeID, role.name, datasetID, principal.id, now])
                }
                changes.append(
                    AuditChange(
                        kind: .grant, name: granteeName, value: role.name,
                        dataset: datasetID.flatMap { datasetNames[$0] }, model: model))
                if requests.count > 1 {
                    try store.appendAudit(
                        db, principal: principal.name, operation: "grant-item", action: Action.grant.rawValue,
                        dataset: request.dataset, version: nil, outcome: .allowed,
                        detail: "role '\(role.name)' to '\(request.principal)'"
                            + (model.map { " on model '\($0)'" } ?? ""))
                }
                granted.append(
                    Grant(
                        principal: request.principal, role: role.name, dataset: request.dataset, model: model,
                        grantedBy: principal.name, grantedAt: SQLiteDatasetStore.date(now)))
            }
            try store.bumpGrantEpoch(db)
            let detail =
                requests.count == 1
                ? "role '\(first.role)' to '\(first.principal)'" + (models[0].map { " on model '\($0)'" } ?? "")
                : "\(requests.count) grants"
            return (granted, SQLiteDatasetStore.AuditNote(detail: detail, change: changes))
        }
    }

    /// Revokes `role` from a principal on `dataset` (nil = store-wide). Requires `grant` and the role's actions on
    /// that scope.
    ///
    /// - Returns: whether a grant was removed.
    public func revoke(role: String, from grantee: String, dataset: String?) throws -> Bool {
        let store = self.store
        return try perform("revoke", action: .grant, dataset: dataset) { db, datasetRow in
            let snapshot = try store.permissionSnapshot(principal, db: db)
            let held = snapshot.actions(datasetID: datasetRow?.id)
            try store.requireHolding(role: role, held: held, principal: principal, db: db)
            let target = try store.principalRow(named: grantee, db: db)
            try db.execute(
                sql: "DELETE FROM role_grant WHERE principalId = ? AND role = ? AND datasetId IS ?",
                arguments: [target.id, role, datasetRow?.id])
            let removed = db.changesCount > 0
            try store.bumpGrantEpoch(db)
            if removed { try store.ensureAdministrable(db, after: "revoking \(role) from '\(target.name)'") }
            return (
                removed,
                SQLiteDatasetStore.AuditNote(
                    detail: "role '\(role)' from '\(target.name)'\(removed ? "" : " (was not held)")",
                    change: removed
                        ? [AuditChange(kind: .revoke, name: target.name, value: role, dataset: datasetRow?.name)] : nil)
            )
        }
    }
}

extension SQLiteDatasetStore {
    /// Creates the first owner of a new store and issues its token: the only operation that needs no principal.
    ///
    /// - Parameters:
    ///   - name: the owner's name.
    ///   - kind: person (default) or service account.
    /// - Returns: the owner (holding the store-wide `owner` role) and its token, shown once.
    /// - Throws: ``DatasetStoreError/alreadyInitialized(path:)`` when the store has any principal;
    ///   ``DatasetStoreError/invalidName(kind:name:reason:)``.
    public func bootstrapOwner(name: String, kind: PrincipalKind = .person) throws -> IssuedToken {
        let name = try Validation.name(name, kind: "principal")
        return try storage {
            try pool.write { db in
                guard try Int.fetchOne(db, sql: "SELECT count(*) FROM principal") == 0 else {
                    throw DatasetStoreError.alreadyInitialized(path: path)
                }
                let principal = try insertPrincipal(name: name, kind: kind, db: db)
                try db.execute(
                    sql:
                        "INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt) VALUES (?, 'owner', NULL, ?, ?)",
                    arguments: [principal.id, principal.id, Self.now()])
                try bumpGrantEpoch(db)
                let (token, lookup) = try insertToken(for: principal, db: db)
                try appendAudit(
                    db, principal: name, operation: "init", action: "bootstrap", dataset: nil, version: nil,
                    outcome: .allowed, detail: "first owner created, token \(lookup)",
                    change: [
                        AuditChange(kind: .principal, name: name, value: kind.rawValue, dataset: nil),
                        AuditChange(kind: .grant, name: name, value: "owner", dataset: nil),
                        AuditChange(kind: .token, name: name, value: lookup, dataset: nil),
                    ])
                return token
            }
        }
    }

    /// Checks a token and returns the principal it belongs to. Both outcomes are audited.
    ///
    /// - Throws: ``DatasetStoreError/unauthenticated(reason:)`` for a malformed, unknown or revoked token.
    public func authenticate(token: String) throws -> Principal {
        let parsedLookup = TokenHasher.parse(token)?.lookup
        let found: Result<Principal, DatasetStoreError> = try storage {
            try pool.read { db in
                guard let parsed = TokenHasher.parse(token) else {
                    return .failure(.unauthenticated(reason: "the token is not in the fdy_<lookup>_<secret> form"))
                }
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT t.salt, t.digest, t.revokedAt, p.id, p.name, p.kind FROM api_token t
                            JOIN principal p ON p.id = t.principalId WHERE t.lookup = ?
                            """, arguments: [parsed.lookup])
                else { return .failure(.unauthenticated(reason: "unknown token")) }
                let salt: Data = row["salt"], digest: Data = row["digest"]
                guard TokenHasher.matches(secret: parsed.secret, salt: Array(salt), digest: Array(digest)) else {
                    return .failure(.unauthenticated(reason: "unknown token"))
                }
                guard row["revokedAt"] as Int64? == nil else {
                    return .failure(.unauthenticated(reason: "the token was revoked"))
                }
                return .success(
                    Principal(id: row["id"], name: row["name"], kind: PrincipalKind(rawValue: row["kind"]) ?? .person))
            }
        }
        try storage {
            try pool.write { db in
                switch found {
                case let .success(principal):
                    try appendAudit(
                        db, principal: principal.name, operation: "authenticate", action: "authenticated",
                        dataset: nil, version: nil, outcome: .allowed, detail: "")
                case let .failure(error):
                    try appendAudit(
                        db, principal: "-", operation: "authenticate", action: "authenticated", dataset: nil,
                        version: nil, outcome: .denied,
                        detail: (parsedLookup.map { "token \($0): " } ?? "") + error.description)
                }
            }
        }
        return try found.get()
    }

    /// All principals. Requires store-wide `admin`.
    public func principals(as principal: Principal) throws -> [Principal] {
        try performRead(principal, operation: "list-principals", action: .admin, dataset: nil) { db, _ in
            let rows = try Row.fetchAll(db, sql: "SELECT id, name, kind FROM principal ORDER BY id")
            let list = rows.map {
                Principal(id: $0["id"], name: $0["name"], kind: PrincipalKind(rawValue: $0["kind"]) ?? .person)
            }
            return (list, AuditNote(detail: "\(list.count) principals"))
        }
    }

    /// Built-in and custom roles. Any authenticated principal may list them.
    public func roles(as principal: Principal) throws -> [Role] {
        try performRead(principal, operation: "list-roles", action: nil, dataset: nil) { db, _ in
            (AccessPolicy.builtInRoles + (try customRoles(db)), AuditNote(detail: ""))
        }
    }

    /// The grants held by `name`: store-wide and dataset grants in the order they were made, then model grants in the
    /// order they were made. A principal may always list its own; others need store-wide `admin`.
    public func grants(of name: String, as principal: Principal) throws -> [Grant] {
        try performRead(
            principal, operation: "list-grants", action: name == principal.name ? nil : .admin, dataset: nil
        ) { db, _ in
            let target = try principalRow(named: name, db: db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT g.role, d.name AS dataset, p.name AS grantedBy, g.grantedAt FROM role_grant g
                    LEFT JOIN dataset d ON d.id = g.datasetId JOIN principal p ON p.id = g.grantedBy
                    WHERE g.principalId = ? ORDER BY g.id
                    """, arguments: [target.id])
            var list = rows.map {
                Grant(
                    principal: name, role: $0["role"], dataset: $0["dataset"], grantedBy: $0["grantedBy"],
                    grantedAt: Self.date($0["grantedAt"]))
            }
            let modelRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT g.role, g.model, p.name AS grantedBy, g.grantedAt FROM model_grant g
                    JOIN principal p ON p.id = g.grantedBy WHERE g.principalId = ? ORDER BY g.id
                    """, arguments: [target.id])
            list += modelRows.map {
                Grant(
                    principal: name, role: $0["role"], dataset: nil, model: $0["model"], grantedBy: $0["grantedBy"],
                    grantedAt: Self.date($0["grantedAt"]))
            }
            return (list, AuditNote(detail: "\(list.count) grants of '\(name)'"))
        }
    }

    // MARK: - Helpers

    func insertPrincipal(name: String, kind: PrincipalKind, db: Database) throws -> Principal {
        if try Bool.fetchOne(
            db, sql: "SELECT 1 FROM principal WHERE name IN (?, ?)", arguments: [name, Validation.normalized(name)])
            != nil
        {
            throw DatasetStoreError.duplicateName(kind: "principal", name: name)
        }
        try db.execute(
            sql: "INSERT INTO principal(name, kind, createdAt) VALUES (?, ?, ?)",
            arguments: [name, kind.rawValue, Self.now()])
        return Principal(id: db.lastInsertedRowID, name: name, kind: kind)
    }

    /// Issues a token; returns it with its lookup id (what the audit log names it by).
    func insertToken(for principal: Principal, db: Database) throws -> (IssuedToken, String) {
        let minted = TokenHasher.mint()
        try db.execute(
            sql: "INSERT INTO api_token(principalId, lookup, salt, digest, createdAt) VALUES (?, ?, ?, ?, ?)",
            arguments: [principal.id, minted.lookup, Data(minted.salt), Data(minted.digest), Self.now()])
        return (IssuedToken(principal: principal, token: minted.token), minted.lookup)
    }

    /// Refuses a change that leaves no principal holding store-wide `admin` with a live token (no lock-out).
    ///
    /// - Throws: ``DatasetStoreError/lockOut(reason:)``.
    func ensureAdministrable(_ db: Database, after change: String) throws {
        let adminRoles = AccessPolicy.builtInRoles.filter { $0.actions.contains(.admin) }.map(\.name)
        let placeholders = adminRoles.map { _ in "?" }.joined(separator: ", ")
        var arguments = StatementArguments(adminRoles)
        arguments += [Int64(Action.admin.bit)]
        let count = try Int.fetchOne(
            db,
            sql: """
                SELECT count(DISTINCT g.principalId) FROM role_grant g
                JOIN api_token t ON t.principalId = g.principalId AND t.revokedAt IS NULL
                WHERE g.datasetId IS NULL
                  AND (g.role IN (\(placeholders)) OR g.role IN (SELECT name FROM custom_role WHERE actions & ? != 0))
                """, arguments: arguments)
        if count ?? 0 == 0 {
            throw DatasetStoreError.lockOut(
                reason: "\(change) would leave no principal with store-wide admin and a live token")
        }
    }

    /// The principal called `name` (as stored, or in NFC).
    func principalRow(named name: String, db: Database) throws -> Principal {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT id, name, kind FROM principal WHERE name IN (?, ?) LIMIT 1",
                arguments: [name, Validation.normalized(name)])
        else {
            throw DatasetStoreError.unknownPrincipal(name)
        }
        return Principal(id: row["id"], name: row["name"], kind: PrincipalKind(rawValue: row["kind"]) ?? .person)
    }

    /// Revoking needs every action of the role on the scope, as granting does (nobody can take away more than they
    /// hold); throws for an unknown role or a missing action.
    func requireHolding(role: String, held: ActionSet, principal: Principal, db: Database) throws {
        let custom = try customRoles(db)
        let roleActions = AccessPolicy.builtInRole(named: role)?.actions ?? custom.first { $0.name == role }?.actions
        guard let roleActions else { throw DatasetStoreError.unknownRole(role) }
        let missing = roleActions.filter { !held.contains($0) }
        guard missing.isEmpty else {
            throw DatasetStoreError.privilegeEscalation(principal: principal.name, role: role, missing: missing)
        }
    }

    func customRoles(_ db: Database) throws -> [Role] {
        try Row.fetchAll(db, sql: "SELECT name, actions FROM custom_role ORDER BY name").map {
            Role(
                name: $0["name"],
                actions: ActionSet(rawValue: UInt16(truncatingIfNeeded: $0["actions"] as Int64)).actions,
                isBuiltIn: false)
        }
    }
}
