import Foundation
import GRDB
import Testing

@testable import DatasetStore

/// Models (served adapters, by name) as a scope of grants: the built-in and custom roles on a model, refusals audited
/// in the hash chain, no escalation, grants listed and replayed by `audit verify`, names checked, no lock-out through a
/// model grant.
@Suite("Model grants")
struct ModelAccessTests {
    static let roles: [Role] =
        AccessPolicy.builtInRoles + [Role(name: "runner", actions: [.read], isBuiltIn: false)]

    @Test("every model operation is a row of the policy table, on the model scope")
    func operationsAreInTheTable() throws {
        for operation in ModelOperation.allCases {
            let row = try #require(AccessPolicy.requirement(of: operation.rawValue))
            #expect(row == operation.requirement && row.scope == .model)
        }
        #expect(
            ModelOperation.invoke.requirement.actions == [.read] && !ModelOperation.invoke.requirement.auditsAllowed)
        #expect(ModelOperation.register.requirement.actions == [.admin])
        #expect(ModelOperation.unregister.requirement.actions == [.admin])
        #expect(AccessPolicy.operations.filter { $0.scope == .model }.count == 5)
    }

    @Test("each role on a model allows exactly its actions on that model, nothing on another model or on datasets")
    func rolesOnAModel() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        _ = try fixture.store.defineRole(name: "runner", actions: [.read], as: fixture.owner)
        for role in Self.roles {
            let name = "p-\(role.name)"
            let principal = try fixture.principal(name, role: nil, dataset: nil)
            let grant = try fixture.store.grant(role: role.name, to: name, model: "spam", as: fixture.owner)
            #expect(grant.model == "spam" && grant.dataset == nil && !grant.isStoreWide)
            for action in Action.allCases {
                #expect(
                    try fixture.store.isAllowed(principal, action, model: "spam") == role.actions.contains(action),
                    "\(role.name) × \(action.rawValue) on its model")
                #expect(try !fixture.store.isAllowed(principal, action, model: "ham"), "\(role.name) on another model")
                #expect(try !fixture.store.isAllowed(principal, action, dataset: "d"), "\(role.name) on a dataset")
                #expect(try !fixture.store.isAllowed(principal, action, dataset: nil), "\(role.name) store-wide")
            }
            for operation in ModelOperation.allCases {
                let expected = operation.requirement.isSatisfied(by: role.actions)
                let allowed: Bool
                do {
                    try fixture.store.authorizeModel(principal, operation: operation, model: "spam")
                    allowed = true
                } catch DatasetStoreError.modelPermissionDenied(name, operation.rawValue, "spam") {
                    allowed = false
                }
                #expect(allowed == expected, "\(role.name) × \(operation.rawValue)")
            }
        }
        // A store-wide grant counts on every model; a grant on a dataset named like a model does not.
        let wide = try fixture.principal("wide", role: "viewer", dataset: nil)
        #expect(try fixture.store.isAllowed(wide, .read, model: "anything"))
        try fixture.dataset("spam")
        let datasetOnly = try fixture.principal("dataset-only", role: "owner", dataset: "spam")
        #expect(try !fixture.store.isAllowed(datasetOnly, .read, model: "spam"))
        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "dataset-only", operation: "invoke-model", model: "spam")
        ) {
            try fixture.store.authorizeModel(datasetOnly, operation: .invoke, model: "spam")
        }
    }

    @Test("a refused model call is audited as denied naming the model; allowed calls are not; verify covers them")
    func refusalsAreAudited() throws {
        let fixture = try TemporaryStore()
        let viewer = try fixture.principal("vera", role: nil, dataset: nil)
        _ = try fixture.store.grant(role: "viewer", to: "vera", model: "spam", as: fixture.owner)
        let before = try fixture.store.auditLog(limit: 100_000, as: fixture.owner).count
        for _ in 0..<50 { try fixture.store.authorizeModel(viewer, operation: .invoke, model: "spam") }
        let afterAllowed = try fixture.store.auditLog(limit: 100_000, as: fixture.owner)
        // Only the owner's own read of the log was added.
        #expect(afterAllowed.count == before + 1)
        #expect(!afterAllowed.contains { $0.principal == "vera" && $0.operation == "invoke-model" })

        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "vera", operation: "invoke-model", model: "ham")
        ) {
            try fixture.store.authorizeModel(viewer, operation: .invoke, model: "ham")
        }
        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "vera", operation: "register-model", model: "spam")
        ) {
            try fixture.store.authorizeModel(viewer, operation: "register-model", model: "spam")
        }
        #expect(throws: DatasetStoreError.unknownOperation("delete-model")) {
            try fixture.store.authorizeModel(viewer, operation: "delete-model", model: "spam")
        }
        let entries = try fixture.store.auditLog(limit: 100_000, as: fixture.owner).filter { $0.principal == "vera" }
        let denied = entries.filter { $0.outcome == .denied }
        #expect(denied.map(\.operation) == ["invoke-model", "register-model"])
        #expect(denied[0].detail.hasPrefix("model 'ham'") && denied[0].action == "read")
        #expect(denied[1].detail.hasPrefix("model 'spam'") && denied[1].action == "admin")
        // An allowed registration (rare, administrative) is audited.
        try fixture.store.authorizeModel(fixture.owner, operation: .register, model: "spam")
        let registered = try fixture.store.auditLog(limit: 3, as: fixture.owner)
        #expect(
            registered.contains {
                $0.operation == "register-model" && $0.outcome == .allowed && $0.detail == "model 'spam'"
            })
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)

        // The refusal is in the keyed chain: editing it breaks verification.
        let deniedID = denied[0].id
        try fixture.store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_entry_no_update")
            try db.execute(
                sql: "UPDATE audit_entry SET detail = 'model ''spam''' WHERE id = ?", arguments: [deniedID])
        }
        let verification = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!verification.ok && verification.firstBadEntry == deniedID)
    }

    @Test("granting or revoking on a model needs grant there and every action of the role: no escalation")
    func noEscalation() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        let maintainer = try fixture.principal("mo", role: nil, dataset: nil)
        _ = try fixture.store.grant(role: "maintainer", to: "mo", model: "spam", as: fixture.owner)
        _ = try fixture.store.createPrincipal(name: "friend", kind: .person, as: fixture.owner)
        #expect(throws: DatasetStoreError.privilegeEscalation(principal: "mo", role: "owner", missing: [.admin])) {
            try fixture.store.grant(role: "owner", to: "friend", model: "spam", as: maintainer)
        }
        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "mo", operation: "grant-model", model: "ham")
        ) {
            try fixture.store.grant(role: "viewer", to: "friend", model: "ham", as: maintainer)
        }
        #expect(throws: DatasetStoreError.permissionDenied(principal: "mo", action: .grant, dataset: nil)) {
            try fixture.store.grant(role: "viewer", to: "friend", dataset: nil, as: maintainer)
        }
        #expect(throws: DatasetStoreError.permissionDenied(principal: "mo", action: .grant, dataset: "d")) {
            try fixture.store.grant(role: "viewer", to: "friend", dataset: "d", as: maintainer)
        }
        // Within its powers on the model it may grant, and revoke, there.
        let granted = try fixture.store.grant(role: "maintainer", to: "friend", model: "spam", as: maintainer)
        #expect(granted.grantedBy == "mo" && granted.model == "spam")
        #expect(try fixture.store.revoke(role: "maintainer", from: "friend", model: "spam", as: maintainer))
        #expect(try !fixture.store.revoke(role: "maintainer", from: "friend", model: "spam", as: maintainer))
        // Revoking the owner role (admin) on the model is beyond a maintainer too.
        _ = try fixture.store.grant(role: "owner", to: "friend", model: "spam", as: fixture.owner)
        #expect(throws: DatasetStoreError.privilegeEscalation(principal: "mo", role: "owner", missing: [.admin])) {
            try fixture.store.revoke(role: "owner", from: "friend", model: "spam", as: maintainer)
        }
        // A dataset owner holds nothing on models.
        let datasetOwner = try fixture.principal("do", role: "owner", dataset: "d")
        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "do", operation: "grant-model", model: "spam")
        ) {
            try fixture.store.grant(role: "viewer", to: "friend", model: "spam", as: datasetOwner)
        }
        // A bulk grant checks every item on its own scope, all or nothing.
        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "mo", operation: "grant-model", model: "ham")
        ) {
            try fixture.store.grantMany(
                [
                    GrantRequest(principal: "friend", role: "viewer", model: "spam"),
                    GrantRequest(principal: "friend", role: "viewer", model: "ham"),
                ], as: maintainer)
        }
        #expect(try !fixture.store.isAllowed(try fixture.store.principals(as: fixture.owner)[2], .read, model: "ham"))
        let refusals = try fixture.store.auditLog(limit: 100_000, as: fixture.owner).filter {
            $0.principal == "mo" && $0.outcome == .denied
        }
        #expect(refusals.contains { $0.operation == "grant-model" && $0.detail.contains("model 'ham'") })
        #expect(refusals.contains { $0.operation == "revoke-model" && $0.detail.contains("model 'spam'") })
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("model grants are listed, replayed by audit verify, and one made outside the log is caught")
    func listedAndReplayed() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d")
        _ = try fixture.principal("bob", role: "viewer", dataset: "d")
        _ = try fixture.store.grantMany(
            [
                GrantRequest(principal: "bob", role: "viewer", model: "spam"),
                GrantRequest(principal: "bob", role: "owner", model: "ham"),
                GrantRequest(principal: "bob", role: "viewer", dataset: nil, model: "spam"),
            ], as: fixture.owner)
        let grants = try fixture.store.grants(of: "bob", as: fixture.owner)
        #expect(grants.map(\.role) == ["viewer", "viewer", "owner"])
        #expect(grants.map(\.dataset) == ["d", nil, nil])
        #expect(grants.map(\.model) == [nil, "spam", "ham"])
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
        #expect(try fixture.store.revoke(role: "owner", from: "bob", model: "ham", as: fixture.owner))
        #expect(try fixture.store.grants(of: "bob", as: fixture.owner).map(\.model) == [nil, "spam"])
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
        // A model grant inserted by SQL, outside any audited operation, is reported.
        try fixture.store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO model_grant(principalId, role, model, grantedBy, grantedAt)
                    SELECT id, 'owner', 'spam', id, 0 FROM principal WHERE name = 'bob'
                    """)
        }
        let verification = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!verification.ok)
        #expect(
            verification.reason?.contains("on model 'spam' is in the table but no audit entry made it") == true,
            "\(verification.reason ?? "")")
    }

    @Test("model names are identifiers: empty, control characters, edge whitespace and over-long names are refused")
    func modelNamesAreChecked() throws {
        let fixture = try TemporaryStore()
        let bob = try fixture.principal("bob", role: nil, dataset: nil)
        for bad in [
            "", " spam", "spam ", "sp\nam", "sp\u{1B}[31mam", "sp\u{202E}am", String(repeating: "a", count: 257),
        ] {
            #expect(throws: DatasetStoreError.self) {
                try fixture.store.grant(role: "viewer", to: "bob", model: bad, as: fixture.owner)
            }
            do {
                try fixture.store.authorizeModel(bob, operation: .invoke, model: bad)
                Issue.record("'\(bad)' was accepted")
            } catch let DatasetStoreError.invalidName(kind, _, _) {
                #expect(kind == "model")
            }
            #expect(throws: DatasetStoreError.self) { try AccessPolicy.validatedModelName(bad) }
        }
        #expect(try AccessPolicy.validatedModelName(String(repeating: "a", count: 256)).utf8.count == 256)
        #expect(throws: DatasetStoreError.conflictingScope(dataset: "d", model: "spam")) {
            try fixture.store.grantMany(
                [GrantRequest(principal: "bob", role: "viewer", dataset: "d", model: "spam")], as: fixture.owner)
        }
        #expect(try fixture.store.grants(of: "bob", as: fixture.owner).isEmpty)
        // Either normalization form names one model.
        let decomposed = "cafe\u{301}", composed = "caf\u{E9}"
        _ = try fixture.store.grant(role: "viewer", to: "bob", model: decomposed, as: fixture.owner)
        #expect(try fixture.store.isAllowed(bob, .read, model: composed))
        try fixture.store.authorizeModel(bob, operation: .invoke, model: decomposed)
        #expect(try fixture.store.grants(of: "bob", as: fixture.owner).map(\.model) == [composed])
        #expect(try fixture.store.revoke(role: "viewer", from: "bob", model: composed, as: fixture.owner))
    }

    @Test("an owner grant on a model does not make a store administrator: no lock-out through it")
    func modelOwnersDoNotCountAsAdministrators() throws {
        let fixture = try TemporaryStore()
        _ = try fixture.principal("bob", role: nil, dataset: nil)
        _ = try fixture.store.issueToken(for: "bob", as: fixture.owner)
        _ = try fixture.store.grant(role: "owner", to: "bob", model: "spam", as: fixture.owner)
        #expect(throws: DatasetStoreError.self) {
            try fixture.store.revoke(role: "owner", from: "root", dataset: nil, as: fixture.owner)
        }
        #expect(try fixture.store.isAllowed(fixture.owner, .admin, dataset: nil))
        // And the owner on the model may administer that model only.
        let bob = try fixture.store.principals(as: fixture.owner)[1]
        try fixture.store.authorizeModel(bob, operation: .unregister, model: "spam")
        #expect(throws: DatasetStoreError.permissionDenied(principal: "bob", action: .admin, dataset: nil)) {
            try fixture.store.createPrincipal(name: "eve", kind: .person, as: bob)
        }
    }

    @Test("a store written before model grants (v6) upgrades: grants, tokens and the audit chain are kept")
    func upgradeFromV6() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-migrate-v6-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("v6.sqlite").path
        let key = StoreKey.generate()
        let minted = TokenHasher.mint()
        do {
            // The schema and keyed chain exactly as a v6 Foundry leaves them, with an owner, a token and a grant.
            let old = try DatabaseQueue(path: path)
            try SQLiteDatasetStore.migrator(key: key).migrate(old, upTo: "v5-soft-labels-lineage-files")
            try old.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO principal(id, name, kind, createdAt) VALUES (1, 'root', 'person', 0), (2, 'vera', 'person', 0);
                        INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt)
                            VALUES (1, 'owner', NULL, 1, 0);
                        INSERT INTO dataset(id, name, license, attribution, sensitiveFields, createdAt, createdBy)
                            VALUES (1, 'd', 'MIT', 'a', '[]', 0, 1);
                        INSERT INTO role_grant(principalId, role, datasetId, grantedBy, grantedAt)
                            VALUES (2, 'viewer', 1, 1, 0);
                        """)
                try db.execute(
                    sql: "INSERT INTO api_token(principalId, lookup, salt, digest, createdAt) VALUES (1, ?, ?, ?, 0)",
                    arguments: [minted.lookup, Data(minted.salt), Data(minted.digest)])
            }
            try SQLiteDatasetStore.migrator(key: key).migrate(old, upTo: SQLiteDatasetStore.keyedMigration)
            #expect(try old.read { db in try db.tableExists("model_grant") } == false)
        }
        let store = try SQLiteDatasetStore(path: path, key: key)
        #expect(try store.appliedMigrations().last == SQLiteDatasetStore.modelGrantsMigration)
        let owner = try store.authenticate(token: minted.token)
        #expect(owner.name == "root")
        #expect(try store.verifyAuditLog(as: owner).ok)
        #expect(try store.grants(of: "vera", as: owner).map(\.dataset) == ["d"])
        _ = try store.grant(role: "viewer", to: "vera", model: "spam", as: owner)
        let vera = try store.pool.read { db in try store.principalRow(named: "vera", db: db) }
        try store.authorizeModel(vera, operation: .invoke, model: "spam")
        #expect(try store.verifyAuditLog(as: owner).ok)
        #expect(try store.integrityCheck() == ["ok"])
        // Reopening applies nothing more.
        #expect(try SQLiteDatasetStore(path: path, key: key).appliedMigrations().count == 7)
    }
}
