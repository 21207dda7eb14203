import Foundation

/// Text → embedding vector for a fixed set of texts, computed once in one batch.
///
/// A `similarity` labeling function reads each row's vector from here instead of running the encoder itself, so an
/// application embeds every distinct text once, batched, however many similarity functions there are.
public struct EmbeddingLookup: Sendable {
    /// The vector length.
    public let dimension: Int
    /// Vectors by text.
    private var vectors: [String: [Float]]

    /// Embeds the distinct `texts` with `embedder`, in one call.
    ///
    /// - Parameters:
    ///   - texts: the texts the lookup must answer for (duplicates are embedded once).
    ///   - embedder: the encoder.
    /// - Throws: what the embedder throws; ``LabelingError/invalidValue(field:value:reason:)`` when it returns the
    ///   wrong number of vectors or a vector of the wrong length.
    /// - Complexity: one `embed` call over the distinct texts.
    public init(texts: [String], embedder: any TextEmbedder) throws {
        var seen = Set<String>()
        let distinct = texts.filter { seen.insert($0).inserted }
        let embedded = distinct.isEmpty ? [] : try embedder.embed(distinct)
        guard embedded.count == distinct.count else {
            throw LabelingError.invalidValue(
                field: "embeddings", value: "\(embedded.count) vectors",
                reason: "the embedder returned \(embedded.count) vectors for \(distinct.count) texts")
        }
        if let wrong = embedded.first(where: { $0.count != embedder.dimension }) {
            throw LabelingError.invalidValue(
                field: "embeddings", value: "\(wrong.count) numbers",
                reason: "the embedder returned a vector of \(wrong.count) numbers, expected \(embedder.dimension)")
        }
        self.dimension = embedder.dimension
        self.vectors = Dictionary(zip(distinct, embedded), uniquingKeysWith: { first, _ in first })
    }

    /// A lookup from vectors already computed (all of length `dimension`).
    ///
    /// - Precondition: every vector has `dimension` numbers.
    public init(dimension: Int, vectors: [String: [Float]]) {
        precondition(vectors.values.allSatisfy { $0.count == dimension }, "every vector must have \(dimension) numbers")
        self.dimension = dimension
        self.vectors = vectors
    }

    /// The number of texts the lookup answers for.
    public var count: Int { vectors.count }

    /// The vector of `text`, or nil when it was not embedded.
    public func vector(for text: String) -> [Float]? { vectors[text] }

    /// The cosine of two vectors of equal length, computed in Double; 0 when either has norm 0.
    ///
    /// - Complexity: O(length).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "vectors of different lengths")
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            let x = Double(a[i]), y = Double(b[i])
            dot += x * y
            na += x * x
            nb += y * y
        }
        guard na > 0, nb > 0 else { return 0 }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
