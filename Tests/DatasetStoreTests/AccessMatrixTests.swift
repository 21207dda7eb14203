import Foundation
import FoundryTestSupport
import Labeling
import Testing

@testable import DatasetStore

/// The role × operation matrix, generated from ``AccessPolicy/operations``: every built-in role, granted on the
/// dataset, store-wide, on the model and on another model, runs every operation of the table (dataset operations on
/// dataset `d`, model operations on model `m`), and the outcome must be what the table says — refused with
/// `permissionDenied` (`modelPermissionDenied` on a model) when the role lacks an action on that scope, completed
/// otherwise.
@Suite("Role × operation matrix (generated from the policy table)")
struct AccessMatrixTests {
    /// Where a cell's role is granted.
    enum GrantScope: String, CaseIterable, Sendable {
        case dataset = "on the dataset"
        case storeWide = "store-wide"
        case model = "on the model"
        case otherModel = "on another model"
    }

    /// One cell: a role granted on a scope.
    struct Grantee: CustomTestStringConvertible, Sendable {
        let role: Role
        let scope: GrantScope
        var testDescription: String { "\(role.name) \(scope.rawValue)" }
    }

    static let grantees: [Grantee] = AccessPolicy.builtInRoles.flatMap { role in
        GrantScope.allCases.map { Grantee(role: role, scope: $0) }
    }

    /// What the table expects of `requirement` for `grantee`: the role's actions, held on the operation's scope (a
    /// store-wide grant counts on every dataset and model; a grant on one model says nothing about another model or
    /// any dataset).
    static func expectsAllowed(_ requirement: OperationRequirement, _ grantee: Grantee) -> Bool {
        guard requirement.isSatisfied(by: grantee.role.actions) else { return false }
        switch requirement.scope {
        case .dataset: return grantee.scope == .dataset || grantee.scope == .storeWide
        case .store: return grantee.scope == .storeWide
        case .model: return grantee.scope == .model || grantee.scope == .storeWide
        }
    }

    /// Creates principal `actor` holding the cell's role on its scope (dataset `d`, model `m` or model `m2`).
    static func actor(_ grantee: Grantee, in fixture: TemporaryStore) throws -> Principal {
        switch grantee.scope {
        case .dataset: return try fixture.principal("actor", role: grantee.role.name, dataset: "d")
        case .storeWide: return try fixture.principal("actor", role: grantee.role.name, dataset: nil)
        case .model, .otherModel:
            let actor = try fixture.principal("actor", role: nil, dataset: nil)
            _ = try fixture.store.grant(
                role: grantee.role.name, to: "actor", model: grantee.scope == .model ? "m" : "m2", as: fixture.owner)
            return actor
        }
    }

    /// A fresh store with dataset `d` (5 rows) and one of each artifact on its version: label matrix `m0`, soft
    /// labels `s0` derived from it, cleaning decisions `c0`.
    static func populatedStore() throws -> (TemporaryStore, version: String, matrix: Artifact) {
        let fixture = try TemporaryStore()
        let version = try fixture.dataset("d", rows: 5)
        let matrix = try fixture.store.storeLabelMatrix(
            try UnitOfWorkTests.matrix(), name: "m0", dataset: "d", version: version, derivedFrom: nil,
            as: fixture.owner)
        _ = try fixture.store.storeSoftLabels(
            try UnitOfWorkTests.softLabels(rows: 5), name: "s0", labelModelMethod: "dawid-skene",
            labelModelFile: "{}", dataset: "d", version: version, derivedFrom: matrix.id, as: fixture.owner)
        _ = try fixture.store.storeCleaningDecisions(
            CleaningDecisions(kind: "duplicates", name: "c0", payload: Data("[]".utf8)), dataset: "d",
            version: version, as: fixture.owner)
        return (fixture, version, matrix)
    }

    @Test("every cell of the matrix", arguments: grantees)
    func matrix(_ grantee: Grantee) throws {
        var checked = 0
        for requirement in AccessPolicy.operations {
            // A fresh store per cell: operations change state (erase, revoke) and must not depend on each other.
            let (fixture, version, matrix) = try Self.populatedStore()
            try fixture.store.setGoldLabels(["e0": 1], dataset: "d", version: version, as: fixture.owner)
            _ = try fixture.principal("victim", role: "viewer", dataset: "d")
            _ = try fixture.store.grant(role: "viewer", to: "victim", model: "m", as: fixture.owner)
            _ = try fixture.store.issueToken(for: "victim", as: fixture.owner)
            let actor = try Self.actor(grantee, in: fixture)
            let expected = Self.expectsAllowed(requirement, grantee)
            var allowed = false
            do {
                try Self.run(requirement.operation, fixture: fixture, as: actor, matrixID: matrix.id)
                allowed = true
                #expect(expected, "\(grantee.testDescription) was allowed \(requirement.operation)")
            } catch let error as DatasetStoreError {
                switch error {
                case .permissionDenied, .privilegeEscalation:
                    #expect(
                        !expected && requirement.scope != .model,
                        "\(grantee.testDescription) was refused \(requirement.operation): \(error)")
                case .unknownArtifactID(matrix.id):
                    // An artifact id answers a principal without read on its dataset exactly as a missing id does.
                    #expect(!expected, "\(grantee.testDescription) was refused \(requirement.operation): \(error)")
                case let .modelPermissionDenied(principal, operation, model):
                    #expect(!expected, "\(grantee.testDescription) was refused \(requirement.operation): \(error)")
                    #expect(principal == "actor" && operation == requirement.operation && model == "m")
                default:
                    Issue.record("\(grantee.testDescription), \(requirement.operation): unexpected \(error)")
                }
            }
            // The outcome is in the audit log under the operation's name — except an allowed call of an operation
            // the table says is not audited when allowed (a server's check per request).
            let last = try fixture.store.auditLog(limit: 3, as: fixture.owner)
            let audited = last.contains { $0.operation == requirement.operation && $0.principal == "actor" }
            if allowed && !requirement.auditsAllowed {
                #expect(!audited, "an allowed \(requirement.operation) was audited")
            } else {
                #expect(audited, "no audit entry for \(requirement.operation)")
            }
            if requirement.scope == .model, let entry = last.last(where: { $0.principal == "actor" }), audited {
                #expect(entry.detail.contains("model 'm'"), "the entry does not name the model: \(entry.detail)")
            }
            checked += 1
        }
        #expect(checked == AccessPolicy.operations.count)
    }

    /// Runs one operation of the table as `actor` on dataset `d`.
    static func run(_ operation: String, fixture: TemporaryStore, as actor: Principal, matrixID: Int64) throws {
        let store = fixture.store
        switch operation {
        case "show-dataset": _ = try store.dataset(named: "d", as: actor)
        case "list-versions": _ = try store.versions(of: "d", as: actor)
        case "show-version": _ = try store.version(nil, of: "d", as: actor)
        case "read-examples": _ = try store.examples(of: "d", as: actor)
        case "diff": _ = try store.diff("d", from: "latest", to: "latest", as: actor)
        case "lineage": _ = try store.lineageTree(of: "d", as: actor)
        case "show-artifact": _ = try store.artifact(id: matrixID, as: actor)
        case "read-artifact-files": _ = try store.artifactFiles(artifact: matrixID, as: actor)
        case "read-gold-labels": _ = try store.goldLabels(dataset: "d", version: nil, as: actor)
        case "read-label-matrix": _ = try store.labelMatrix(artifact: matrixID, as: actor)
        case "read-soft-labels": _ = try store.softLabels(named: "s0", dataset: "d", version: nil, as: actor)
        case "read-cleaning-decisions":
            _ = try store.cleaningDecisions(named: "c0", dataset: "d", version: nil, as: actor)
        case "list-tombstones": _ = try store.tombstones(of: "d", as: actor)
        case "import": _ = try store.importVersion(TemporaryStore.rows(3, tag: "new"), into: "d", as: actor)
        case "configure-dataset":
            _ = try store.configureDataset("d", change: DatasetSettings(license: "MIT"), as: actor)
        case "store-cleaning-decisions":
            _ = try store.storeCleaningDecisions(
                CleaningDecisions(kind: "duplicates", name: "c1", payload: Data("[]".utf8)), dataset: "d",
                version: nil, as: actor)
        case "record-artifact":
            _ = try store.recordArtifact(
                kind: .adapter, name: "a1", details: "", files: [:], derivedFrom: nil, dataset: "d", version: nil,
                as: actor)
        case "set-gold-labels": try store.setGoldLabels(["e1": 0], dataset: "d", version: nil, as: actor)
        case "store-label-matrix":
            _ = try store.storeLabelMatrix(
                try UnitOfWorkTests.matrix(), name: "m1", dataset: "d", version: nil, derivedFrom: nil, as: actor)
        case "store-soft-labels":
            _ = try store.storeSoftLabels(
                try UnitOfWorkTests.softLabels(rows: 5), name: "s1", labelModelMethod: "moments", labelModelFile: "{}",
                dataset: "d", version: nil, derivedFrom: nil, as: actor)
        case "export": _ = try store.export("d", as: actor)
        case "erase": _ = try store.eraseExample("e0", from: "d", as: actor)
        case "grant": _ = try store.grant(role: "viewer", to: "actor", dataset: "d", as: actor)
        case "revoke": _ = try store.revoke(role: "viewer", from: "victim", dataset: "d", as: actor)
        case "create-dataset":
            _ = try store.createDataset(name: "d2", license: "MIT", attribution: "", sensitiveFields: [], as: actor)
        case "create-principal": _ = try store.createPrincipal(name: "p2", kind: .service, as: actor)
        case "issue-token": _ = try store.issueToken(for: "victim", as: actor)
        case "revoke-tokens": _ = try store.revokeTokens(of: "victim", as: actor)
        case "define-role": _ = try store.defineRole(name: "r2", actions: [.read], as: actor)
        case "list-principals": _ = try store.principals(as: actor)
        case "list-grants": _ = try store.grants(of: "victim", as: actor)
        case "audit-log": _ = try store.auditLog(limit: 5, as: actor)
        case "audit-verify": _ = try store.verifyAuditLog(as: actor)
        case "audit-checkpoint": _ = try store.auditCheckpoint(as: actor)
        case "invoke-model": try store.authorizeModel(actor, operation: .invoke, model: "m")
        case "register-model": try store.authorizeModel(actor, operation: .register, model: "m")
        case "unregister-model": try store.authorizeModel(actor, operation: .unregister, model: "m")
        case "grant-model": _ = try store.grant(role: "viewer", to: "actor", model: "m", as: actor)
        case "revoke-model": _ = try store.revoke(role: "viewer", from: "victim", model: "m", as: actor)
        default: Issue.record("the matrix test does not know how to run '\(operation)': add it")
        }
    }

    @Test("a missing and a forbidden dataset or artifact give the same error to a principal without rights there")
    func missingAndForbiddenLookAlike() throws {
        let fixture = try TemporaryStore()
        let version = try fixture.dataset("secret", rows: 5)
        try fixture.dataset("open", rows: 5)
        let matrix = try fixture.store.storeLabelMatrix(
            try UnitOfWorkTests.matrix(), name: "m", dataset: "secret", version: version, derivedFrom: nil,
            as: fixture.owner)
        let viewer = try fixture.principal("vera", role: "viewer", dataset: "open")
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch {
                return String(describing: error)
            }
        }
        let forbidden = message { _ = try fixture.store.examples(of: "secret", as: viewer) }
        let missing = message { _ = try fixture.store.examples(of: "nosuch", as: viewer) }
        #expect(
            forbidden.replacingOccurrences(of: "secret", with: "X")
                == missing.replacingOccurrences(of: "nosuch", with: "X"))
        let forbiddenArtifact = message { _ = try fixture.store.artifact(id: matrix.id, as: viewer) }
        let missingArtifact = message { _ = try fixture.store.artifact(id: 999, as: viewer) }
        #expect(
            forbiddenArtifact.replacingOccurrences(of: String(matrix.id), with: "N")
                == missingArtifact.replacingOccurrences(of: "999", with: "N"))
        #expect(!forbiddenArtifact.contains("secret"))
        // The owner, who may read everything, is told plainly.
        #expect(message { _ = try fixture.store.examples(of: "nosuch", as: fixture.owner) }.contains("no dataset"))
    }

    @Test("every operation the store audits as authorized is in the policy table")
    func tableCoversTheStore() throws {
        let (fixture, _, matrix) = try Self.populatedStore()
        _ = try fixture.principal("victim", role: "viewer", dataset: "d")
        _ = try fixture.store.grant(role: "viewer", to: "victim", model: "m", as: fixture.owner)
        let actor = try fixture.principal("actor", role: "viewer", dataset: "d")
        for requirement in AccessPolicy.operations {
            try? Self.run(requirement.operation, fixture: fixture, as: fixture.owner, matrixID: matrix.id)
            // An operation not audited when allowed shows up through a refusal.
            if !requirement.auditsAllowed {
                try? Self.run(requirement.operation, fixture: fixture, as: actor, matrixID: matrix.id)
            }
        }
        let free: Set = [
            "authenticate", "init", "list-datasets", "list-roles", "grant-item", SQLiteDatasetStore.sealOperation,
            "unit-of-work",
        ]
        let audited = Set(try fixture.store.auditLog(limit: 100_000, as: fixture.owner).map(\.operation))
        let listed = Set(AccessPolicy.operations.map(\.operation))
        #expect(
            audited.subtracting(listed).subtracting(free).isEmpty, "not in the table: \(audited.subtracting(listed))")
        #expect(listed.subtracting(audited).isEmpty, "never run: \(listed.subtracting(audited))")
    }
}
