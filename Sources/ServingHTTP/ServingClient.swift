import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A small client of the serving API (JSON over HTTP/1.1), for scripts, benchmarks and tests.
///
/// ```swift
/// let client = ServingClient(baseURL: URL(string: "http://127.0.0.1:8080")!, token: token)
/// let reply = try await client.post("/v1/classify", json: ["model": "spam", "input": ["WIN a prize"]])
/// print(reply.status, reply.json?["data"] ?? "")
/// ```
public struct ServingClient: Sendable {
    /// One answer.
    public struct Reply: Sendable {
        /// The HTTP status.
        public var status: Int
        /// The response headers (names lowercased).
        public var headers: [String: String]
        /// The body.
        public var body: Data

        /// The body parsed as a JSON object, if it is one.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        /// The error's `code` field, for error answers.
        public var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    }

    /// The server's address (`http://127.0.0.1:PORT`).
    public let baseURL: URL
    /// Bearer token sent with every request (nil: none).
    public let token: String?
    private let session: URLSession

    /// Creates a client; `timeout` bounds each request.
    public init(baseURL: URL, token: String?, timeout: TimeInterval = 60) {
        self.baseURL = baseURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 256
        session = URLSession(configuration: configuration)
    }

    /// `GET path`.
    public func get(_ path: String) async throws -> Reply { try await send("GET", path, body: nil) }

    /// `DELETE path`.
    public func delete(_ path: String) async throws -> Reply { try await send("DELETE", path, body: nil) }

    /// `POST path` with a JSON body made from `json` (a JSON-serializable value).
    public func post(_ path: String, json: Any) async throws -> Reply {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: json))
    }

    /// `method path` with raw body bytes (for malformed bodies in tests).
    public func send(_ method: String, _ path: String, body: Data?, contentType: String = "application/json")
        async throws -> Reply
    {
        var request = URLRequest(url: baseURL.appendingPathComponent(path))
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw URLError(.badServerResponse)
        }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }
}
