import Dispatch
import Foundation
import FoundryTestSupport
import Testing

@testable import DatasetStore

/// The server's cached authenticator: the same answers as the store, each token verified and audited once, and every
/// revocation or grant change — from this connection, another one, or another process — effective on the next call.
@Suite("Model access gate")
struct ModelAccessGateTests {
    /// A store with principals holding each built-in role on model `spam`, a store-wide viewer and one without
    /// grants, each with a token.
    static func fixture() throws -> (TemporaryStore, tokens: [String: String]) {
        let fixture = try TemporaryStore()
        var tokens: [String: String] = ["root": fixture.ownerToken]
        for role in AccessPolicy.builtInRoles {
            _ = try fixture.principal(role.name, role: nil, dataset: nil)
            _ = try fixture.store.grant(role: role.name, to: role.name, model: "spam", as: fixture.owner)
        }
        _ = try fixture.principal("wide", role: "viewer", dataset: nil)
        _ = try fixture.principal("nobody", role: nil, dataset: nil)
        for name in AccessPolicy.builtInRoles.map(\.name) + ["wide", "nobody"] {
            tokens[name] = try fixture.store.issueToken(for: name, as: fixture.owner).token
        }
        return (fixture, tokens)
    }

    /// Whether `body` completed (false when it threw a refusal of a model operation).
    static func outcome(_ body: () throws -> Void) throws -> Bool {
        do {
            try body()
            return true
        } catch DatasetStoreError.modelPermissionDenied {
            return false
        }
    }

    @Test("the gate answers every principal × operation × model exactly as the store does")
    func sameAnswersAsTheStore() throws {
        let (fixture, tokens) = try Self.fixture()
        let gate = ModelAccessGate(store: fixture.store)
        for round in 0..<2 {  // the second round answers from memory
            for (name, token) in tokens.sorted(by: { $0.key < $1.key }) {
                let principal = try gate.authenticate(token: token)
                #expect(principal == (try fixture.store.authenticate(token: token)) && principal.name == name)
                for operation in ModelOperation.allCases {
                    for model in ["spam", "ham"] {
                        let byGate = try Self.outcome {
                            try gate.authorize(principal, operation: operation, model: model)
                        }
                        let byStore = try Self.outcome {
                            try fixture.store.authorizeModel(principal, operation: operation, model: model)
                        }
                        #expect(byGate == byStore, "round \(round): \(name) × \(operation.rawValue) × \(model)")
                        let combined = try Self.outcome {
                            _ = try gate.authorize(token: token, operation: operation, model: model)
                        }
                        #expect(combined == byStore)
                        #expect(
                            try fixture.store.isAllowed(
                                principal, operation.requirement.actions[0], model: model) == byStore)
                    }
                }
            }
        }
        #expect(try gate.authorize(token: tokens["viewer"] ?? "", operation: .invoke, model: "spam").name == "viewer")
        #expect(throws: DatasetStoreError.self) { try gate.authorize(tokens["viewer"] ?? "", "bad name\n") }
    }

    @Test("each token is verified and audited once; a bad token is audited once and refused from memory")
    func authenticationIsAuditedOnce() throws {
        let (fixture, tokens) = try Self.fixture()
        let gate = ModelAccessGate(store: fixture.store)
        func authentications(_ principal: String) throws -> [AuditEntry] {
            try fixture.store.auditLog(limit: 100_000, as: fixture.owner).filter {
                $0.operation == "authenticate" && $0.principal == principal
            }
        }
        let before = try authentications("viewer").count
        for _ in 0..<200 {
            let viewer = try gate.authenticate(token: tokens["viewer"] ?? "")
            try gate.authorize(viewer, operation: .invoke, model: "spam")
        }
        #expect(try authentications("viewer").count == before + 1)
        // Denied calls are audited every time, naming the model.
        let viewer = try gate.authenticate(token: tokens["viewer"] ?? "")
        for _ in 0..<3 {
            #expect(
                throws: DatasetStoreError.modelPermissionDenied(
                    principal: "viewer", operation: "invoke-model", model: "ham")
            ) {
                try gate.authorize(viewer, operation: .invoke, model: "ham")
            }
        }
        let denials = try fixture.store.auditLog(limit: 100_000, as: fixture.owner).filter {
            $0.principal == "viewer" && $0.outcome == .denied
        }
        #expect(denials.count == 3 && denials.allSatisfy { $0.detail.hasPrefix("model 'ham'") })
        // A forged token: refused, audited once.
        let forged = "fdy_" + String(repeating: "0", count: 16) + "_" + String(repeating: "1", count: 64)
        let failedBefore = try authentications("-").count
        for _ in 0..<20 {
            #expect(throws: DatasetStoreError.unauthenticated(reason: "unknown token")) {
                try gate.authenticate(token: forged)
            }
        }
        #expect(try authentications("-").count == failedBefore + 1)
        #expect(try fixture.store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("a token revoked through another connection to the file stops working on the next call")
    func revocationInAnotherConnection() throws {
        let (fixture, tokens) = try Self.fixture()
        let gate = ModelAccessGate(store: fixture.store)
        let token = try #require(tokens["viewer"])
        #expect(try gate.authorize(token: token, operation: .invoke, model: "spam").name == "viewer")
        #expect(try gate.authenticate(token: token).name == "viewer")
        // Another handle on the same file, as another process would have.
        let other = try SQLiteDatasetStore(path: fixture.path)
        let owner = try other.authenticate(token: fixture.ownerToken)
        #expect(try other.revokeTokens(of: "viewer", as: owner) == 1)
        #expect(throws: DatasetStoreError.unauthenticated(reason: "the token was revoked")) {
            try gate.authenticate(token: token)
        }
        #expect(throws: DatasetStoreError.unauthenticated(reason: "the token was revoked")) {
            try gate.authorize(token: token, operation: .invoke, model: "spam")
        }
        // The other principals' tokens keep working (verified again once, after the token epoch moved).
        #expect(try gate.authenticate(token: tokens["owner"] ?? "").name == "owner")
        // A new token for the principal works at once.
        let fresh = try other.issueToken(for: "viewer", as: owner).token
        #expect(try gate.authorize(token: fresh, operation: .invoke, model: "spam").name == "viewer")
    }

    @Test(
        "a token revoked by another process (the foundry CLI) stops working on the next call",
        .enabled(if: FoundryBinary.hasStoreCommand, "the foundry binary is not built"))
    func revocationInAnotherProcess() throws {
        let (fixture, tokens) = try Self.fixture()
        let gate = ModelAccessGate(store: fixture.store)
        let token = try #require(tokens["labeler"])
        #expect(try gate.authorize(token: token, operation: .invoke, model: "spam").name == "labeler")
        let tokenFile = fixture.directory.appendingPathComponent("owner.token")
        try Data(fixture.ownerToken.utf8).write(to: tokenFile)
        let revoked = try FoundryCLI.run(
            [
                "store", "revoke", "labeler", "labeler", "--model", "spam", "--tokens", "--store", fixture.path,
                "--token-file", tokenFile.path,
            ], in: fixture.directory)
        #expect(revoked.status == 0, "\(revoked.standardError)")
        #expect(throws: DatasetStoreError.unauthenticated(reason: "the token was revoked")) {
            try gate.authorize(token: token, operation: .invoke, model: "spam")
        }
    }

    @Test("a grant change through another connection takes effect on the next call")
    func grantChangeTakesEffect() throws {
        let (fixture, tokens) = try Self.fixture()
        let gate = ModelAccessGate(store: fixture.store)
        let viewer = try gate.authenticate(token: tokens["viewer"] ?? "")
        let nobody = try gate.authenticate(token: tokens["nobody"] ?? "")
        try gate.authorize(viewer, operation: .invoke, model: "spam")
        #expect(throws: DatasetStoreError.self) { try gate.authorize(nobody, operation: .invoke, model: "spam") }
        let other = try SQLiteDatasetStore(path: fixture.path)
        let owner = try other.authenticate(token: fixture.ownerToken)
        #expect(try other.revoke(role: "viewer", from: "viewer", model: "spam", as: owner))
        _ = try other.grant(role: "viewer", to: "nobody", model: "spam", as: owner)
        #expect(
            throws: DatasetStoreError.modelPermissionDenied(
                principal: "viewer", operation: "invoke-model", model: "spam")
        ) {
            try gate.authorize(viewer, operation: .invoke, model: "spam")
        }
        try gate.authorize(nobody, operation: .invoke, model: "spam")
        // A custom role's definition counts too: granted on a model, then used.
        _ = try other.defineRole(name: "deployer", actions: [.read, .admin], as: owner)
        _ = try other.grant(role: "deployer", to: "viewer", model: "spam", as: owner)
        try gate.authorize(viewer, operation: .register, model: "spam")
        try gate.authorize(viewer, operation: .invoke, model: "spam")
    }

    @Test("many threads checking while another revokes: every answer after the revocation is a refusal")
    func concurrentChecks() throws {
        let (fixture, tokens) = try Self.fixture()
        let gate = ModelAccessGate(store: fixture.store)
        let token = try #require(tokens["maintainer"])
        let counts = LockedCounts()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for _ in 0..<300 {
                do {
                    _ = try gate.authorize(token: token, operation: .invoke, model: "spam")
                    counts.add(allowed: 1)
                } catch {
                    counts.add(refused: 1)
                }
            }
            if worker == 0 { _ = try? fixture.store.revokeTokens(of: "maintainer", as: fixture.owner) }
        }
        #expect(counts.allowed + counts.refused == 1200 && counts.allowed >= 300)
        #expect(throws: DatasetStoreError.unauthenticated(reason: "the token was revoked")) {
            try gate.authorize(token: token, operation: .invoke, model: "spam")
        }
    }
}

extension ModelAccessGate {
    /// `authorize(token:operation: .invoke, model:)`, for tests that only need the refusal.
    fileprivate func authorize(_ token: String, _ model: String) throws {
        _ = try authorize(token: token, operation: .invoke, model: model)
    }
}

/// Counters shared by test threads.
///
/// `@unchecked Sendable` invariant: the counts are only read or written while holding `lock`.
final class LockedCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var counts = (allowed: 0, refused: 0)

    func add(allowed: Int = 0, refused: Int = 0) {
        lock.lock()
        counts.allowed += allowed
        counts.refused += refused
        lock.unlock()
    }

    var allowed: Int {
        lock.lock()
        defer { lock.unlock() }
        return counts.allowed
    }

    var refused: Int {
        lock.lock()
        defer { lock.unlock() }
        return counts.refused
    }
}
