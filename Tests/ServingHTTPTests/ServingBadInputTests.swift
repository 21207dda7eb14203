import Adapters
import Foundation
import Serving
import Testing

@testable import ServingHTTP

/// Every bad input is a JSON error with a stable code, never a crash, and the server keeps serving.
@Suite("Serving bad input")
struct ServingBadInputTests {
    @Test("malformed JSON, wrong types, missing and empty fields, unknown adapters, methods and routes")
    func badRequests() async throws {
        let fixture = try ServingFixture()
        let server = try ServingServer(
            runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0, maxBodyBytes: 4096)
        let running = try await server.start()
        let client = ServingClient(baseURL: running.url, token: nil)
        let cases: [(String, ServingClient.Reply, Int, String)] = [
            (
                "malformed", try await client.send("POST", "/v1/classify", body: Data("{\"input\": [".utf8)), 400,
                "invalid_request"
            ),
            (
                "not an object", try await client.send("POST", "/v1/classify", body: Data("[1,2]".utf8)), 400,
                "invalid_request"
            ),
            ("empty body", try await client.send("POST", "/v1/classify", body: Data()), 400, "invalid_request"),
            (
                "wrong type", try await client.post("/v1/classify", json: ["model": "spam", "input": 42]), 400,
                "invalid_request"
            ),
            (
                "array of numbers", try await client.post("/v1/classify", json: ["model": "spam", "input": [1, 2]]),
                400, "invalid_request"
            ),
            ("missing input", try await client.post("/v1/embeddings", json: ["model": "spam"]), 400, "invalid_request"),
            (
                "no texts", try await client.post("/v1/classify", json: ["model": "spam", "input": []]), 400,
                "invalid_request"
            ),
            (
                "empty text", try await client.post("/v1/classify", json: ["model": "spam", "input": ["ok", ""]]), 400,
                "invalid_request"
            ),
            (
                "model not a string", try await client.post("/v1/classify", json: ["model": 3, "input": ["hi"]]), 400,
                "invalid_request"
            ),
            (
                "bad merge weight",
                try await client.post("/v1/classify", json: ["model": "spam:x,topic:1", "input": ["hi"]]), 400,
                "invalid_request"
            ),
            (
                "base cannot classify",
                try await client.post("/v1/classify", json: ["model": "base", "input": ["hi"]]), 422,
                "no_classification_head"
            ),
            (
                "unknown adapter", try await client.post("/v1/classify", json: ["model": "nope", "input": ["hi"]]), 404,
                "unknown_adapter"
            ),
            (
                "too large",
                try await client.post("/v1/embeddings", json: ["input": [String(repeating: "a ", count: 4000)]]), 413,
                "payload_too_large"
            ),
            ("wrong method", try await client.get("/v1/classify"), 405, "method_not_allowed"),
            ("unknown route", try await client.get("/v1/nothing"), 404, "not_found"),
            ("unregister unknown", try await client.delete("/v1/adapters/nope"), 404, "unknown_adapter"),
            (
                "base64 embeddings",
                try await client.post("/v1/embeddings", json: ["input": ["hi"], "encoding_format": "base64"]), 400,
                "invalid_request"
            ),
        ]
        for (name, reply, status, code) in cases {
            #expect(reply.status == status, "\(name): \(String(decoding: reply.body, as: UTF8.self))")
            #expect(reply.errorCode == code, "\(name)")
            #expect(reply.headers["content-type"] == "application/json", "\(name)")
        }
        // The field is named: input[1] is the empty one.
        let empty = try await client.post("/v1/classify", json: ["model": "spam", "input": ["ok", ""]])
        #expect(((empty.json?["error"] as? [String: Any])?["message"] as? String)?.contains("input[1]") == true)
        #expect(
            try await client.post("/v1/classify", json: ["model": "spam", "input": ["still serving"]]).status == 200)
        await running.stop()
    }

    @Test("an adapter whose shapes do not fit the base is rejected at load; the server keeps running")
    func misfitAdapter() async throws {
        let fixture = try ServingFixture()
        let other = BertModel(
            randomWithConfiguration: BertConfiguration(
                vocabularySize: 40, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 16, maxPositions: 24,
                typeVocabularySize: 2, layerNormEpsilon: 1e-12),
            seed: 3)
        let misfit = fixture.directory.url.appendingPathComponent("misfit")
        try ServingFixture.adapter(model: other, classes: 2, seed: 9).save(to: misfit)
        let server = try ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0)
        let running = try await server.start()
        let client = ServingClient(baseURL: running.url, token: nil)
        let reply = try await client.post("/v1/adapters", json: ["id": "misfit", "path": misfit.path])
        #expect(reply.status == 422)
        #expect(reply.errorCode == "adapter_incompatible")
        let missing = try await client.post("/v1/adapters", json: ["id": "ghost", "path": "/no/such/folder"])
        #expect(missing.status == 422)
        #expect(missing.errorCode == "adapter_load_failed")
        let duplicate = try await client.post(
            "/v1/adapters", json: ["id": "spam", "path": fixture.adapterFolder.appendingPathComponent("spam").path])
        #expect(duplicate.status == 409)
        let badID = try await client.post("/v1/adapters", json: ["id": "a:b", "path": misfit.path])
        #expect(badID.status == 400)
        let models = try #require(try await client.get("/v1/models").json?["data"] as? [[String: Any]])
        #expect(!models.contains { $0["id"] as? String == "misfit" })
        #expect(try await client.post("/v1/classify", json: ["model": "spam", "input": ["hi"]]).status == 200)
        await running.stop()
    }

    @Test("long inputs are truncated to the model's positions and reported, or refused when configured")
    func longInputs() async throws {
        let fixture = try ServingFixture()
        let long = Array(repeating: "free prize", count: 40).joined(separator: " ")
        let truncating = try await ServingServer(
            runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0
        ).start()
        let reply = try await ServingClient(baseURL: truncating.url, token: nil).post(
            "/v1/classify", json: ["model": "spam", "input": ["hi", long]])
        #expect(reply.status == 200)
        #expect(reply.json?["truncated"] as? [Int] == [1])
        let expected = try fixture.probabilities(long, adapter: "spam")
        let got = try #require(((reply.json?["data"] as? [[String: Any]])?[1]["probabilities"]) as? [Double])
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        await truncating.stop()

        let refusing = try await ServingServer(
            runtime: try fixture.runtime { $0.longInputs = .refuse }, access: .insecureNoAuth, port: 0
        ).start()
        let refused = try await ServingClient(baseURL: refusing.url, token: nil).post(
            "/v1/classify", json: ["model": "spam", "input": ["hi", long]])
        #expect(refused.status == 400)
        #expect(refused.errorCode == "input_too_long")
        await refusing.stop()
    }

    @Test("queue full is 429 with Retry-After; draining is 503")
    func backpressureResponses() {
        let full = ServingResponder.error(.queueFull(retryAfterSeconds: 3))
        #expect(full.status.code == 429)
        #expect(full.headers[.retryAfter] == "3")
        #expect(ServingResponder.error(.draining).status.code == 503)
    }
}
