import Adapters

/// What one queued request asks the engine for.
enum RequestKind: Sendable, Equatable {
    /// Logits of the adapter's head.
    case classify
    /// Mean-pooled embeddings.
    case embed
}

/// What the engine hands back for one request: per text, its pooled state and (for classification) its logits.
struct EngineOutput: Sendable {
    var meanPooled: [[Float]]
    var logits: [[Float]?]
}

/// A request in the scheduler's queue: its token ids, which adapter, and where to deliver the answer.
struct PendingRequest: Sendable {
    var kind: RequestKind
    /// The adapter cache's id (nil: the base encoder).
    var adapterID: String?
    var sequences: [[Int32]]
    var continuation: CheckedContinuation<EngineOutput, any Error>
}
