import Foundation
import Serving

/// The body of `POST /v1/classify` and `POST /v1/embeddings`: `{"model": "spam", "input": ["text", …]}` (`input` may
/// also be one string, as in OpenAI's API).
struct InferenceRequestBody: Decodable {
    var model: String?
    var input: [String]
    var encodingFormat: String?

    enum CodingKeys: String, CodingKey {
        case model, input
        case encodingFormat = "encoding_format"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        encodingFormat = try container.decodeIfPresent(String.self, forKey: .encodingFormat)
        if let one = try? container.decode(String.self, forKey: .input) {
            input = [one]
        } else {
            input = try container.decode([String].self, forKey: .input)
        }
    }
}

/// The body of `POST /v1/adapters`: register the PEFT adapter folder `path` as `id` (optionally pinned hot), or, with
/// no `path`, pin or unpin an adapter already registered.
struct AdapterRegistrationBody: Decodable {
    var id: String
    var path: String?
    var pinned: Bool?
}

/// Token counts, in OpenAI's shape.
struct Usage: Encodable {
    var promptTokens: Int
    var totalTokens: Int
}

/// The answer of `POST /v1/classify`.
struct ClassifyResponseBody: Encodable {
    struct Item: Encodable {
        var index: Int
        var label: Int
        var className: String
        var probabilities: [Double]
    }

    var object = "list"
    var model: String
    var classNames: [String]
    var data: [Item]
    var usage: Usage
    var truncated: [Int]

    init(_ result: ClassificationResult) {
        model = result.model
        classNames = result.classNames
        data = result.results.enumerated().map {
            Item(index: $0, label: $1.label, className: $1.className, probabilities: $1.probabilities)
        }
        usage = Usage(promptTokens: result.promptTokens, totalTokens: result.promptTokens)
        truncated = result.truncated
    }
}

/// The answer of `POST /v1/embeddings`, in OpenAI's shape.
struct EmbeddingsResponseBody: Encodable {
    struct Item: Encodable {
        var object = "embedding"
        var index: Int
        var embedding: [Float]
    }

    var object = "list"
    var model: String
    var data: [Item]
    var usage: Usage
    var truncated: [Int]

    init(_ result: EmbeddingResult) {
        model = result.model
        data = result.embeddings.enumerated().map { Item(index: $0, embedding: $1) }
        usage = Usage(promptTokens: result.promptTokens, totalTokens: result.promptTokens)
        truncated = result.truncated
    }
}

/// The answer of `GET /v1/models`.
struct ModelsResponseBody: Encodable {
    struct Item: Encodable {
        var id: String
        var object = "model"
        var ownedBy = "foundry"
        var kind: String
        var tier: String?
        var pinned: Bool
    }

    var object = "list"
    var data: [Item]
}
