import Foundation
import FoundryCore

extension LabelingFunction {
    /// Votes `label` when the cosine between the text's embedding and `centroid` is at least `minCosine`; abstains
    /// otherwise.
    ///
    /// The embedding comes from `embeddings`, built by the caller for the texts the function will see (one batched
    /// encoder pass); a text missing from the lookup is a fault of that row (it abstains, or stops under fail-fast).
    ///
    /// - Parameters:
    ///   - name: the function's name.
    ///   - text: the text to embed.
    ///   - centroid: the vector compared with (for example the L2-normalised mean of a class's exemplar embeddings);
    ///     its length must be `embeddings.dimension`.
    ///   - minCosine: the smallest cosine that votes.
    ///   - embeddings: text → vector.
    ///   - label: the class index voted.
    /// - Complexity: O(dimension) per example after the lookup.
    public static func similarity(
        name: String, text: Preprocessor<Example, String>, centroid: [Float], minCosine: Double,
        embeddings: EmbeddingLookup, label: Int
    ) -> LabelingFunction {
        precondition(label >= 0, "label must be a class index")
        precondition(centroid.count == embeddings.dimension, "the centroid's length must be the embeddings' dimension")
        let vote = Vote.class(label)
        return LabelingFunction(name: name, using: text) { content in
            guard let vector = embeddings.vector(for: content) else {
                throw LabelingError.invalidValue(
                    field: name, value: String(content.prefix(40)),
                    reason: "no embedding for this text: the lookup was built for other texts")
            }
            return EmbeddingLookup.cosine(vector, centroid) >= minCosine ? vote : .abstain
        }
    }
}
