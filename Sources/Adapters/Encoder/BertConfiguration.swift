import Foundation

/// The architecture of a BERT-family encoder, decoded from Hugging Face's `config.json`.
public struct BertConfiguration: Sendable, Equatable, Codable {
    /// Vocabulary size (rows of the word-embedding table).
    public var vocabularySize: Int
    /// Width of the hidden states.
    public var hiddenSize: Int
    /// Number of transformer layers.
    public var layerCount: Int
    /// Number of attention heads per layer; must divide ``hiddenSize``.
    public var headCount: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Number of learned absolute positions.
    public var maxPositions: Int
    /// Number of token types (segments).
    public var typeVocabularySize: Int
    /// Epsilon of every layer norm.
    public var layerNormEpsilon: Float
    /// Dropout on hidden states during training.
    public var hiddenDropout: Float
    /// Dropout on attention probabilities during training.
    public var attentionDropout: Float
    /// The activation name; only `"gelu"` (exact, erf-based) is supported.
    public var hiddenActivation: String

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size"
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case maxPositions = "max_position_embeddings"
        case typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
        case hiddenDropout = "hidden_dropout_prob"
        case attentionDropout = "attention_probs_dropout_prob"
        case hiddenActivation = "hidden_act"
    }

    /// Creates a configuration; the defaults are all-MiniLM-L6-v2's.
    public init(
        vocabularySize: Int = 30522, hiddenSize: Int = 384, layerCount: Int = 6, headCount: Int = 12,
        intermediateSize: Int = 1536, maxPositions: Int = 512, typeVocabularySize: Int = 2,
        layerNormEpsilon: Float = 1e-12, hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1,
        hiddenActivation: String = "gelu"
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.hiddenActivation = hiddenActivation
    }

    /// Decodes `config.json`; the architecture fields are required, the rest default to all-MiniLM-L6-v2's values.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BertConfiguration()
        vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        layerCount = try c.decode(Int.self, forKey: .layerCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositions = try c.decodeIfPresent(Int.self, forKey: .maxPositions) ?? defaults.maxPositions
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? defaults.typeVocabularySize
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? defaults.layerNormEpsilon
        hiddenDropout = try c.decodeIfPresent(Float.self, forKey: .hiddenDropout) ?? defaults.hiddenDropout
        attentionDropout = try c.decodeIfPresent(Float.self, forKey: .attentionDropout) ?? defaults.attentionDropout
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? "gelu"
    }

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// Checks that the numbers describe a supported encoder.
    /// - Parameter path: the file named in errors.
    /// - Throws: ``AdaptersError/invalidConfiguration(path:reason:)``.
    public func validate(path: String = "config.json") throws {
        func fail(_ reason: String) -> AdaptersError { .invalidConfiguration(path: path, reason: reason) }
        for (name, value) in [
            ("vocab_size", vocabularySize), ("hidden_size", hiddenSize), ("num_hidden_layers", layerCount),
            ("num_attention_heads", headCount), ("intermediate_size", intermediateSize),
            ("max_position_embeddings", maxPositions), ("type_vocab_size", typeVocabularySize),
        ] where value <= 0 {
            throw fail("\(name) must be positive, got \(value)")
        }
        guard hiddenSize % headCount == 0 else {
            throw fail("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        guard hiddenActivation == "gelu" else {
            throw fail("hidden_act \(hiddenActivation) is not supported (only the exact erf GELU, \"gelu\")")
        }
        guard layerNormEpsilon > 0, (0..<1).contains(hiddenDropout), (0..<1).contains(attentionDropout) else {
            throw fail("layer_norm_eps must be positive and dropout probabilities in [0, 1)")
        }
    }

    /// Reads and validates a `config.json`.
    /// - Parameter url: the file.
    /// - Throws: ``AdaptersError/io(path:reason:)`` or ``AdaptersError/invalidConfiguration(path:reason:)``.
    public static func load(from url: URL) throws -> BertConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AdaptersError.io(path: url.path, reason: error.localizedDescription)
        }
        let configuration: BertConfiguration
        do {
            configuration = try JSONDecoder().decode(BertConfiguration.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw AdaptersError.invalidConfiguration(path: url.path, reason: "missing field \(key.stringValue)")
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw AdaptersError.invalidConfiguration(path: url.path, reason: "field \(field) has the wrong type")
        } catch {
            throw AdaptersError.invalidConfiguration(path: url.path, reason: "not a valid JSON object")
        }
        try configuration.validate(path: url.path)
        return configuration
    }
}
