/// Everything that can go wrong while serving, each with a stable machine-readable ``code`` and the HTTP status the
/// API answers with.
public enum ServingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No adapter with this id is registered.
    case unknownAdapter(id: String)
    /// The adapter's tensors do not fit the base model (rejected at load; the server keeps running).
    case adapterIncompatible(id: String, reason: String)
    /// The adapter's files could not be read or parsed.
    case adapterLoadFailed(id: String, reason: String)
    /// An adapter with this id is already registered.
    case adapterExists(id: String)
    /// The adapter is larger than the whole hot tier.
    case adapterTooLarge(id: String, bytes: Int, hotBudget: Int)
    /// The request's JSON or one of its fields is not what the API expects.
    case invalidRequest(field: String, reason: String)
    /// One input is longer than the model accepts and the server is configured to refuse rather than truncate.
    case inputTooLong(index: Int, tokens: Int, limit: Int)
    /// The request body is over the size limit.
    case payloadTooLarge(limitBytes: Int)
    /// The queues are full; retry after the given number of seconds.
    case queueFull(retryAfterSeconds: Int)
    /// The server is draining (SIGTERM) and accepts no new work.
    case draining
    /// The request waited past its deadline before it could run.
    case deadlineExceeded(waitedMilliseconds: Int)
    /// The adapter has no classification head usable for this request (e.g. a merge of heads with different classes).
    case noClassificationHead(id: String, reason: String)
    /// No or an unknown bearer token.
    case unauthenticated(reason: String)
    /// The principal may not do this.
    case forbidden(reason: String)
    /// Something failed inside the server.
    case internalFailure(reason: String)

    /// A stable identifier clients can switch on (`"unknown_adapter"`, `"queue_full"`, …).
    public var code: String {
        switch self {
        case .unknownAdapter: "unknown_adapter"
        case .adapterIncompatible: "adapter_incompatible"
        case .adapterLoadFailed: "adapter_load_failed"
        case .adapterExists: "adapter_exists"
        case .adapterTooLarge: "adapter_too_large"
        case .invalidRequest: "invalid_request"
        case .inputTooLong: "input_too_long"
        case .payloadTooLarge: "payload_too_large"
        case .queueFull: "queue_full"
        case .draining: "shutting_down"
        case .deadlineExceeded: "deadline_exceeded"
        case .noClassificationHead: "no_classification_head"
        case .unauthenticated: "unauthenticated"
        case .forbidden: "forbidden"
        case .internalFailure: "internal_error"
        }
    }

    /// The HTTP status the API answers with.
    public var httpStatus: Int {
        switch self {
        case .unknownAdapter: 404
        case .adapterIncompatible, .adapterLoadFailed, .adapterTooLarge, .noClassificationHead: 422
        case .adapterExists: 409
        case .invalidRequest, .inputTooLong: 400
        case .payloadTooLarge: 413
        case .queueFull: 429
        case .draining: 503
        case .deadlineExceeded: 504
        case .unauthenticated: 401
        case .forbidden: 403
        case .internalFailure: 500
        }
    }

    /// A one-line message naming the adapter, field or limit concerned.
    /// What went wrong, in words (the `message` of an error body).
    public var description: String {
        switch self {
        case let .unknownAdapter(id): "no adapter named '\(id)' is registered"
        case let .adapterIncompatible(id, reason): "adapter '\(id)' does not fit the base model: \(reason)"
        case let .adapterLoadFailed(id, reason): "adapter '\(id)' could not be loaded: \(reason)"
        case let .adapterExists(id): "an adapter named '\(id)' is already registered"
        case let .adapterTooLarge(id, bytes, budget):
            "adapter '\(id)' needs \(bytes) bytes, more than the whole hot tier (\(budget) bytes)"
        case let .invalidRequest(field, reason): "\(field): \(reason)"
        case let .inputTooLong(index, tokens, limit):
            "input[\(index)] has \(tokens) tokens; the model accepts at most \(limit)"
        case let .payloadTooLarge(limit): "the request body is larger than \(limit) bytes"
        case let .queueFull(seconds): "the server is at capacity; retry after \(seconds) s"
        case .draining: "the server is shutting down and accepts no new requests"
        case let .deadlineExceeded(waited): "the request waited \(waited) ms, past its deadline"
        case let .noClassificationHead(id, reason): "adapter '\(id)' cannot classify: \(reason)"
        case let .unauthenticated(reason): "authentication failed: \(reason)"
        case let .forbidden(reason): "forbidden: \(reason)"
        case let .internalFailure(reason): "internal error: \(reason)"
        }
    }
}
