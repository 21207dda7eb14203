import DatasetStore
import Foundation
import Adapters
import Serving
import ServingHTTP
import Testing

/// The API's answers, through a real server on a loopback port.
@Suite("Serving API")
struct ServingAPITests {
    @Test("classify: each text gets its adapter's label and probabilities, equal to the encoder's own")
    func classifyMatchesEncoder() async throws {
        let fixture = try ServingFixture()
        let (store, _, token) = try fixture.store()
        let server = try ServingServer(
            runtime: try fixture.runtime(), access: .store(ModelAccessGate(store: store)), port: 0)
        let running = try await server.start()
        let client = ServingClient(baseURL: running.url, token: token)
        let texts = ["win a free prize now", "i love this song", "click the link"]
        for id in ["spam", "topic"] {
            let reply = try await client.post("/v1/classify", json: ["model": id, "input": texts])
            #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            let json = try #require(reply.json)
            let data = try #require(json["data"] as? [[String: Any]])
            #expect(data.count == texts.count)
            #expect((json["class_names"] as? [String])?.count == (id == "topic" ? 3 : 2))
            for (index, text) in texts.enumerated() {
                let expected = try fixture.probabilities(text, adapter: id)
                let got = try #require(data[index]["probabilities"] as? [Double])
                #expect(got.count == expected.count)
                #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(id) text \(index)")
                let label = try #require(data[index]["label"] as? Int)
                #expect(label == expected.indices.max { expected[$0] < expected[$1] })
            }
            let usage = try #require(json["usage"] as? [String: Any])
            #expect((usage["prompt_tokens"] as? Int) == fixture.encoder.tokenize(texts).reduce(0) { $0 + $1.count })
        }
        await running.stop()
    }

    @Test("embeddings: OpenAI's shape, unit length, equal to the encoder's normalized mean pooling")
    func embeddingsInOpenAIShape() async throws {
        let fixture = try ServingFixture()
        let server = try ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0)
        let running = try await server.start()
        let client = ServingClient(baseURL: running.url, token: nil)
        let texts = ["hello world", "subscribe to my channel"]
        for model in ["base", "spam"] {
            let reply = try await client.post("/v1/embeddings", json: ["model": model, "input": texts])
            #expect(reply.status == 200)
            let json = try #require(reply.json)
            #expect(json["object"] as? String == "list")
            #expect(json["model"] as? String == model)
            let data = try #require(json["data"] as? [[String: Any]])
            let expected = fixture.encoder.embed(
                texts, normalize: true, adapter: model == "base" ? nil : fixture.adapters[model])
            for (index, item) in data.enumerated() {
                #expect(item["object"] as? String == "embedding")
                #expect(item["index"] as? Int == index)
                let vector = try #require(item["embedding"] as? [Double])
                #expect(vector.count == 16)
                let row = expected.scalars[(index * 16)..<((index + 1) * 16)].map(Double.init)
                #expect(zip(vector, row).allSatisfy { abs($0 - $1) < 1e-5 })
                #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            }
            #expect(((json["usage"] as? [String: Any])?["prompt_tokens"] as? Int) ?? 0 > 0)
        }
        // One string instead of an array, as OpenAI's API allows.
        let one = try await client.post("/v1/embeddings", json: ["model": "spam", "input": "hello"])
        #expect((one.json?["data"] as? [Any])?.count == 1)
        await running.stop()
    }

    @Test("a merge 'a:w,b:w' answers like the adapter merged by hand and is listed as a merge")
    func perRequestMerge() async throws {
        let fixture = try ServingFixture()
        let server = try ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0)
        let running = try await server.start()
        let client = ServingClient(baseURL: running.url, token: nil)
        let reply = try await client.post(
            "/v1/embeddings", json: ["model": "spam:0.5,sentiment:0.5", "input": ["great video"]])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        // ΔW-space linear merge of two rank-2 adapters, applied to the base, equals the mean of the two updates.
        let spam = try #require(fixture.adapters["spam"]), sentiment = try #require(fixture.adapters["sentiment"])
        let merged = fixture.encoder.model.merging(spam.scaled(0.5)).merging(sentiment.scaled(0.5))
        let expected = merged.meanPooled(TokenBatch(fixture.encoder.tokenize(["great video"]))).scalars
        let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let vector = try #require(((reply.json?["data"] as? [[String: Any]])?.first?["embedding"]) as? [Double])
        #expect(zip(vector, expected).allSatisfy { abs($0 - Double($1 / norm)) < 1e-4 })
        let models = try await client.get("/v1/models")
        let ids = (models.json?["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.contains("spam:0.5,sentiment:0.5"))
        // Heads of equal shape are averaged, so the merge can classify too.
        let classified = try await client.post(
            "/v1/classify", json: ["model": "spam:0.5,sentiment:0.5", "input": ["great video"]])
        #expect(classified.status == 200)
        // spam (2 classes) and topic (3 classes) have no common head: embeddings only.
        let headless = try await client.post("/v1/classify", json: ["model": "spam:0.5,topic:0.5", "input": ["hi"]])
        #expect(headless.status == 422)
        #expect(headless.errorCode == "no_classification_head")
        await running.stop()
    }

    @Test("health, readiness, models with tiers, metrics in Prometheus text")
    func operationalEndpoints() async throws {
        let fixture = try ServingFixture()
        let server = try ServingServer(runtime: try fixture.runtime(), access: .insecureNoAuth, port: 0)
        let running = try await server.start()
        let client = ServingClient(baseURL: running.url, token: nil)
        #expect(try await client.get("/health").status == 200)
        #expect(try await client.get("/ready").status == 200)
        let before = try await client.get("/v1/models")
        let listed = try #require(before.json?["data"] as? [[String: Any]])
        #expect(listed.map { $0["id"] as? String } == ["tiny", "sentiment", "spam", "topic"])
        #expect(listed.dropFirst().allSatisfy { $0["tier"] as? String == "cold" })
        _ = try await client.post("/v1/classify", json: ["model": "spam", "input": ["win now"]])
        let after = try #require(try await client.get("/v1/models").json?["data"] as? [[String: Any]])
        #expect(after.first { $0["id"] as? String == "spam" }?["tier"] as? String == "hot")
        let metrics = try await client.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains("foundry_requests_total{adapter=\"spam\",endpoint=\"classify\",status=\"200\"} 1"))
        #expect(text.contains("foundry_request_duration_seconds_bucket"))
        #expect(text.contains("foundry_adapter_tier_misses_total"))
        #expect(text.contains("foundry_process_resident_bytes"))
        await running.stop()
    }
}

extension LoRAAdapter {
    /// The adapter with its update scaled by `weight` (B scaled; the head unchanged).
    fileprivate func scaled(_ weight: Float) -> LoRAAdapter {
        var copy = self
        copy.factors = factors.map { layer in
            layer.mapValues { factor in
                var scaled = factor
                scaled.up.scalars = factor.up.scalars.map { $0 * weight }
                return scaled
            }
        }
        return copy
    }
}
