import DatasetStore
import Foundation
import FoundryCore
import Hummingbird
import Serving

/// Routes every request of the API and turns each outcome into JSON with a stable error code: nothing a client sends
/// can crash the server or leave it without an answer.
///
/// | method and path | does | needs |
/// |---|---|---|
/// | `GET /health` | liveness: the process answers | — |
/// | `GET /ready` | readiness: model loaded, not draining (503 otherwise) | — |
/// | `GET /metrics` | Prometheus text | a valid token |
/// | `GET /v1/models` | the base and the adapters the caller may invoke, with their tiers | a valid token |
/// | `POST /v1/classify` | labels and probabilities from an adapter's head | `read` on the model |
/// | `POST /v1/embeddings` | OpenAI-shaped embeddings | `read` on the model |
/// | `POST /v1/adapters` | register (or pin) an adapter | `admin` on it |
/// | `DELETE /v1/adapters/{id}` | unregister an adapter | `admin` on it |
struct ServingResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let runtime: ServingRuntime
    let access: ServingAccess
    let maxBodyBytes: Int

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        var endpoint = "other"
        var model = "-"
        let response: Response
        do {
            (endpoint, model, response) = try await route(request, path: path)
        } catch let error as ServingError {
            response = Self.error(error)
        } catch {
            response = Self.error(.internalFailure(reason: "\(error)"))
        }
        let seconds =
            Double(start.duration(to: .now).components.attoseconds) / 1e18
            + Double(start.duration(to: .now).components.seconds)
        runtime.metrics.recordRequest(
            endpoint: endpoint, adapter: model, status: Int(response.status.code), seconds: seconds)
        return response
    }

    private func route(_ request: Request, path: String) async throws -> (String, String, Response) {
        let method = request.method
        func only(_ allowed: HTTPRequest.Method) throws {
            guard method == allowed else {
                throw ServingError.methodNotAllowed(
                    method: method.rawValue, path: path, allowed: [allowed.rawValue])
            }
        }
        switch path {
        case "/health":
            try only(.get)
            return ("health", "-", Self.jsonObject(["status": "ok"]))
        case "/ready":
            try only(.get)
            guard runtime.isReady else { throw ServingError.draining }
            return ("ready", "-", Self.jsonObject(["status": "ready"]))
        case "/metrics":
            try only(.get)
            _ = try access.principal(authorization: request.headers[.authorization])
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return (
                "metrics", "-",
                Response(
                    status: .ok, headers: headers,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: runtime.prometheusText())))
            )
        case "/v1/models":
            try only(.get)
            let principal = try access.principal(authorization: request.headers[.authorization])
            let all = runtime.models()
            let visible = access.invocable(all.map(\.id), by: principal)
            let items = all.filter { visible.contains($0.id) }
                .map { ModelsResponseBody.Item(id: $0.id, kind: $0.kind, tier: $0.tier?.rawValue, pinned: $0.pinned) }
            return ("models", "-", try Self.json(ModelsResponseBody(data: items)))
        case "/v1/classify", "/v1/embeddings":
            try only(.post)
            let endpoint = path == "/v1/classify" ? "classify" : "embeddings"
            let principal = try access.principal(authorization: request.headers[.authorization])
            let body: InferenceRequestBody = try await decode(request)
            let selector = try ModelSelector(parsing: body.model, baseName: runtime.baseName)
            for id in Self.modelNames(selector, baseName: runtime.baseName) {
                try access.authorize(principal, operation: .invoke, model: id)
            }
            if endpoint == "classify" {
                let result = try await runtime.classify(model: selector, texts: body.input)
                return (endpoint, selector.description, try Self.json(ClassifyResponseBody(result)))
            }
            if let format = body.encodingFormat, format != "float" {
                throw ServingError.invalidRequest(
                    field: "encoding_format", reason: "only \"float\" is supported, got \"\(format)\"")
            }
            let result = try await runtime.embed(model: selector, texts: body.input)
            return (endpoint, selector.description, try Self.json(EmbeddingsResponseBody(result)))
        case "/v1/adapters":
            try only(.post)
            let principal = try access.principal(authorization: request.headers[.authorization])
            let body: AdapterRegistrationBody = try await decode(request)
            try access.authorize(principal, operation: .register, model: body.id)
            if let path = body.path {
                try runtime.register(id: body.id, directory: URL(fileURLWithPath: path))
            } else if !runtime.cache.contains(body.id) {
                throw ServingError.invalidRequest(field: "path", reason: "required to register a new adapter")
            }
            if let pinned = body.pinned {
                if pinned { try runtime.cache.pin(body.id) } else { runtime.cache.unpin(body.id) }
            }
            let entry = runtime.models().first { $0.id == body.id }
            return (
                // Administration is counted without the adapter label: ids that come and go must not leave series.
                "adapters", "-",
                try Self.json(
                    ModelsResponseBody.Item(
                        id: body.id, kind: entry?.kind ?? "adapter", tier: entry?.tier?.rawValue,
                        pinned: entry?.pinned ?? false), status: body.path == nil ? .ok : .created)
            )
        default:
            let prefix = "/v1/adapters/"
            guard path.hasPrefix(prefix), path.count > prefix.count else {
                throw ServingError.routeNotFound(path: path)
            }
            try only(.delete)
            let id =
                String(path.dropFirst(prefix.count)).removingPercentEncoding ?? String(path.dropFirst(prefix.count))
            let principal = try access.principal(authorization: request.headers[.authorization])
            try access.authorize(principal, operation: .unregister, model: id)
            guard runtime.unregister(id: id) else { throw ServingError.unknownAdapter(id: id) }
            runtime.metrics.removeSeries(adapter: id)
            return ("adapters", "-", Self.jsonObject(["id": id, "status": "unregistered"]))
        }
    }

    /// The model names a selector needs permission on: the base's name, the adapter, or every part of a merge.
    static func modelNames(_ selector: ModelSelector, baseName: String) -> [String] {
        switch selector {
        case .base: [baseName]
        case let .adapter(id): [id]
        case let .merge(parts): parts.map(\.id)
        }
    }

    /// Reads the body (at most `maxBodyBytes`) and decodes it, naming the field that is wrong.
    private func decode<Body: Decodable>(_ request: Request) async throws -> Body {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw ServingError.payloadTooLarge(limitBytes: maxBodyBytes)
        }
        var buffer = ByteBuffer()
        for try await part in request.body {
            guard buffer.readableBytes + part.readableBytes <= maxBodyBytes else {
                throw ServingError.payloadTooLarge(limitBytes: maxBodyBytes)
            }
            var part = part
            buffer.writeBuffer(&part)
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw ServingError.invalidRequest(field: "body", reason: "empty; expected JSON") }
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw ServingError.invalidRequest(field: "body", reason: "not valid JSON")
        } catch let DecodingError.keyNotFound(key, context) {
            throw ServingError.invalidRequest(
                field: Self.fieldPath(context.codingPath + [key]), reason: "required field is missing")
        } catch let DecodingError.typeMismatch(type, context) {
            throw ServingError.invalidRequest(
                field: Self.fieldPath(context.codingPath), reason: "expected \(Self.jsonType(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw ServingError.invalidRequest(
                field: Self.fieldPath(context.codingPath), reason: "expected \(Self.jsonType(type)), got null")
        } catch let DecodingError.dataCorrupted(context) {
            throw ServingError.invalidRequest(
                field: Self.fieldPath(context.codingPath), reason: context.debugDescription)
        } catch {
            throw ServingError.invalidRequest(field: "body", reason: "\(error)")
        }
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        guard !path.isEmpty else { return "body" }
        return path.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is [String].Type: "a string or an array of strings"
        case is Bool.Type: "true or false"
        default: "\(type)"
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try FoundryJSON.encoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A flat JSON object (encoding a string dictionary cannot fail; an empty 200/500 body is the fallback anyway).
    static func jsonObject(_ value: [String: String], status: HTTPResponse.Status = .ok) -> Response {
        (try? json(DictionaryBody(value), status: status)) ?? Response(status: status)
    }

    static func error(_ error: ServingError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if case let .queueFull(seconds) = error { headers[.retryAfter] = String(seconds) }
        if case let .methodNotAllowed(_, _, allowed) = error { headers[.allow] = allowed.joined(separator: ", ") }
        if case .unauthenticated = error { headers[.wwwAuthenticate] = "Bearer" }
        return Response(
            status: HTTPResponse.Status(code: error.httpStatus), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: ErrorBody(error).encoded())))
    }
}

/// A flat string dictionary as a JSON object (sorted keys).
private struct DictionaryBody: Encodable {
    let values: [String: String]
    init(_ values: [String: String]) { self.values = values }
    func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
}
