import DatasetStore
import Foundation
import Serving
import ServingHTTP
import Testing

/// Bearer tokens are the store's principals; calling an adapter is a permission on it; denials are audited.
@Suite("Serving auth")
struct ServingAuthTests {
    @Test("a viewer of one adapter may call it and only it; denials are audited in the store's hash chain")
    func perAdapterPermissions() async throws {
        let fixture = try ServingFixture()
        let (store, owner, ownerToken) = try fixture.store()
        _ = try store.createPrincipal(name: "alice", kind: .person, as: owner)
        let aliceToken = try store.issueToken(for: "alice", as: owner).token
        _ = try store.grant(role: "viewer", to: "alice", model: "spam", as: owner)
        let server = try ServingServer(
            runtime: try fixture.runtime(), access: .store(ModelAccessGate(store: store)), port: 0)
        let running = try await server.start()
        let alice = ServingClient(baseURL: running.url, token: aliceToken)

        let allowed = try await alice.post("/v1/classify", json: ["model": "spam", "input": ["win a prize"]])
        #expect(allowed.status == 200)
        let denied = try await alice.post("/v1/classify", json: ["model": "topic", "input": ["win a prize"]])
        #expect(denied.status == 403)
        #expect(denied.errorCode == "forbidden")
        // A merge needs every part.
        let mixed = try await alice.post("/v1/embeddings", json: ["model": "spam:0.5,topic:0.5", "input": ["hi"]])
        #expect(mixed.status == 403)
        // Registering needs admin on the adapter; a viewer has read only.
        let register = try await alice.post(
            "/v1/adapters", json: ["id": "copy", "path": fixture.adapterFolder.appendingPathComponent("spam").path])
        #expect(register.status == 403)
        // Alice sees only what she may call.
        let models = try #require(try await alice.get("/v1/models").json?["data"] as? [[String: Any]])
        #expect(models.compactMap { $0["id"] as? String } == ["spam"])

        let log = try store.auditLog(limit: 100, as: owner)
        let denials = log.filter { $0.outcome == .denied && $0.principal == "alice" }
        #expect(denials.contains { "\($0.detail) \($0.operation)".contains("topic") && $0.operation == "invoke-model" })
        #expect(denials.contains { $0.operation == "register-model" })
        #expect(try store.verifyAuditLog(as: owner).ok)

        // The owner (store-wide) may register; the new adapter serves at once.
        let ownerClient = ServingClient(baseURL: running.url, token: ownerToken)
        let created = try await ownerClient.post(
            "/v1/adapters", json: ["id": "copy", "path": fixture.adapterFolder.appendingPathComponent("spam").path])
        #expect(created.status == 201)
        #expect(try await ownerClient.post("/v1/classify", json: ["model": "copy", "input": ["hi"]]).status == 200)
        #expect(try await ownerClient.delete("/v1/adapters/copy").status == 200)
        #expect(try await ownerClient.post("/v1/classify", json: ["model": "copy", "input": ["hi"]]).status == 404)
        await running.stop()
    }

    @Test("no token, a malformed token, an unknown token and a revoked token are 401")
    func unauthenticated() async throws {
        let fixture = try ServingFixture()
        let (store, owner, _) = try fixture.store()
        _ = try store.createPrincipal(name: "bob", kind: .service, as: owner)
        let bobToken = try store.issueToken(for: "bob", as: owner).token
        _ = try store.grant(role: "viewer", to: "bob", model: "spam", as: owner)
        let server = try ServingServer(
            runtime: try fixture.runtime(), access: .store(ModelAccessGate(store: store)), port: 0)
        let running = try await server.start()
        let body: [String: Any] = ["model": "spam", "input": ["hi"]]
        for token in [nil, "not-a-token", "fdy_0123456789abcdef_" + String(repeating: "a", count: 64)] {
            let reply = try await ServingClient(baseURL: running.url, token: token).post("/v1/classify", json: body)
            #expect(reply.status == 401, "\(token ?? "none")")
            #expect(reply.errorCode == "unauthenticated")
            #expect(reply.headers["www-authenticate"] == "Bearer")
        }
        let bob = ServingClient(baseURL: running.url, token: bobToken)
        #expect(try await bob.post("/v1/classify", json: body).status == 200)
        _ = try store.revokeTokens(of: "bob", as: owner)
        #expect(try await bob.post("/v1/classify", json: body).status == 401)
        // Probes need no token.
        #expect(try await ServingClient(baseURL: running.url, token: nil).get("/health").status == 200)
        await running.stop()
    }

    @Test("--insecure-no-auth is refused on a non-loopback address")
    func insecureOnlyOnLoopback() throws {
        let fixture = try ServingFixture()
        #expect(throws: ServingError.self) {
            _ = try ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, host: "0.0.0.0", port: 0)
        }
        #expect(ServingServer.isLoopback("127.0.0.1") && ServingServer.isLoopback("::1"))
        #expect(!ServingServer.isLoopback("10.0.0.2"))
    }
}
