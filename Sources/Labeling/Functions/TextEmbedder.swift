import Foundation

/// Turns texts into fixed-length embedding vectors: what a `similarity` labeling function compares.
///
/// Labeling does not depend on any encoder; callers pass an implementation (Pipelines' `SentenceEmbedder` wraps
/// the MiniLM encoder of Adapters) and build an ``EmbeddingLookup`` with it once per application.
public protocol TextEmbedder: Sendable {
    /// The length of every vector ``embed(_:)`` returns.
    var dimension: Int { get }
    /// One vector of ``dimension`` numbers per text, in input order.
    ///
    /// - Throws: whatever the encoder throws.
    func embed(_ texts: [String]) throws -> [[Float]]
}
