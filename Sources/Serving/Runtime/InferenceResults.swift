/// One text's classification.
public struct TextClassification: Sendable, Codable, Equatable {
    /// The most probable class (ties: the lower index).
    public var label: Int
    /// Its name.
    public var className: String
    /// Softmax probabilities, one per class, in class order.
    public var probabilities: [Double]
}

/// The answer to a classification request.
public struct ClassificationResult: Sendable, Equatable {
    /// The model that answered (`base`, an adapter id or a merge).
    public var model: String
    /// Class names of the adapter's head, in class order.
    public var classNames: [String]
    /// One per input text, in order.
    public var results: [TextClassification]
    /// Tokens the inputs used after truncation.
    public var promptTokens: Int
    /// Inputs that were truncated to the token limit.
    public var truncated: [Int]
}

/// The answer to an embeddings request.
public struct EmbeddingResult: Sendable, Equatable {
    /// The model that answered.
    public var model: String
    /// One L2-normalized embedding per input text, in order (sentence-transformers' all-MiniLM-L6-v2 pipeline:
    /// mean pooling, then normalization).
    public var embeddings: [[Float]]
    /// Tokens the inputs used after truncation.
    public var promptTokens: Int
    /// Inputs that were truncated to the token limit.
    public var truncated: [Int]
}

/// A registered model as `GET /v1/models` lists it.
public struct ServedModel: Sendable, Codable, Equatable {
    /// The id requests name.
    public var id: String
    /// `base`, `adapter` or `merge`.
    public var kind: String
    /// The adapter's tier (nil for the base, which is always resident).
    public var tier: AdapterTier?
    /// Whether the adapter is pinned hot.
    public var pinned: Bool
}
