import Adapters
import Foundation
import Labeling

/// Sentence embeddings from a MiniLM-style encoder folder, as a ``Labeling/TextEmbedder``: mean pooling, L2
/// normalisation (as sentence-transformers' `all-MiniLM-L6-v2` pipeline), cached by text.
///
/// Similarity labeling functions, LF synthesis, model selection and the pipeline's apply step share one of these, so
/// a text is encoded at most once per process whatever asks for it.
public struct SentenceEmbedder: TextEmbedder {
    /// The encoder.
    public let encoder: SentenceEncoder
    /// Texts per forward pass.
    public var batchSize: Int
    /// Embeddings already computed, shared by copies of this value.
    private let cache = EmbeddingCache()

    /// Loads the encoder folder (`config.json`, `model.safetensors`, `vocab.txt`).
    ///
    /// - Parameters:
    ///   - directory: the model folder, for example `.models/all-MiniLM-L6-v2`.
    ///   - batchSize: texts per forward pass.
    /// - Throws: ``Adapters/AdaptersError`` naming the missing or malformed file.
    public init(directory: URL, batchSize: Int = 32) throws {
        self.init(encoder: try SentenceEncoder(directory: directory), batchSize: batchSize)
    }

    /// Wraps an encoder already loaded.
    public init(encoder: SentenceEncoder, batchSize: Int = 32) {
        self.encoder = encoder
        self.batchSize = max(1, batchSize)
    }

    /// The encoder's hidden size.
    public var dimension: Int { encoder.model.configuration.hiddenSize }

    /// L2-normalised mean-pooled embeddings, one per text in input order; texts seen before come from the cache and
    /// the others are encoded in one batched pass.
    ///
    /// - Complexity: one encoder pass over the distinct texts not cached yet.
    public func embed(_ texts: [String]) throws -> [[Float]] {
        let missing = cache.missing(from: texts)
        if !missing.isEmpty {
            let tensor = encoder.embed(missing, batchSize: batchSize, normalize: true)
            let width = dimension
            let rows = (0..<missing.count).map { Array(tensor.scalars[($0 * width)..<(($0 + 1) * width)]) }
            cache.store(zip(missing, rows))
        }
        return try texts.map { text in
            guard let vector = cache.vector(for: text) else {
                throw PipelinesError.synthesisFailed(reason: "the embedding of a text went missing from the cache")
            }
            return vector
        }
    }
}

/// Text → vector, shared between copies of a ``SentenceEmbedder``.
///
/// Invariant (`@unchecked Sendable`): `vectors` is read and written only while holding `lock`.
final class EmbeddingCache: @unchecked Sendable {
    private let lock = NSLock()
    private var vectors: [String: [Float]] = [:]

    /// The distinct texts of `texts` not cached, in first-seen order.
    func missing(from texts: [String]) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        var seen = Set<String>()
        return texts.filter { vectors[$0] == nil && seen.insert($0).inserted }
    }

    func store<S: Sequence>(_ entries: S) where S.Element == (String, [Float]) {
        lock.lock()
        defer { lock.unlock() }
        for (text, vector) in entries { vectors[text] = vector }
    }

    func vector(for text: String) -> [Float]? {
        lock.lock()
        defer { lock.unlock() }
        return vectors[text]
    }
}
