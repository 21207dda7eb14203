import Foundation
import FoundryCore
import Tensors

/// The weights of a linear layer `y = x Wᵀ + b`, with `W` stored `outputs × inputs` as in PyTorch.
public struct LinearWeights: Sendable, Equatable {
    /// `outputs × inputs`.
    public var weight: Tensor
    /// `outputs` values.
    public var bias: [Float]

    /// Creates a layer; `bias.count` must equal `weight.rows`.
    public init(weight: Tensor, bias: [Float]) {
        precondition(weight.shape.count == 2 && bias.count == weight.rows, "bias does not match the weight")
        self.weight = weight
        self.bias = bias
    }

    /// Input width.
    public var inputs: Int { weight.columns }
    /// Output width.
    public var outputs: Int { weight.rows }
}

/// One transformer layer of a BERT encoder (post-layer-norm).
public struct BertLayerWeights: Sendable, Equatable {
    /// Self-attention projections.
    public var query, key, value: LinearWeights
    /// Projection after attention (`attention.output.dense`).
    public var attentionOutput: LinearWeights
    /// Layer norm after the attention block.
    public var attentionNorm: LayerNormWeights
    /// Feed-forward expansion (`intermediate.dense`).
    public var intermediate: LinearWeights
    /// Feed-forward contraction (`output.dense`).
    public var output: LinearWeights
    /// Layer norm after the feed-forward block.
    public var outputNorm: LayerNormWeights

    /// The linear layer a LoRA target refers to.
    public subscript(target: LoRATarget) -> LinearWeights {
        get {
            switch target {
            case .query: query
            case .key: key
            case .value: value
            case .attentionOutput: attentionOutput
            case .intermediate: intermediate
            case .output: output
            }
        }
        set {
            switch target {
            case .query: query = newValue
            case .key: key = newValue
            case .value: value = newValue
            case .attentionOutput: attentionOutput = newValue
            case .intermediate: intermediate = newValue
            case .output: output = newValue
            }
        }
    }
}

/// A BERT-family encoder (Devlin et al. 2019) with pretrained weights, e.g. all-MiniLM-L6-v2.
///
/// Loaded from a Hugging Face model directory (`config.json` + `model.safetensors`; keys with or without
/// a `bert.` prefix). The forward pass is in `BertModel+Forward.swift`.
public struct BertModel: Sendable {
    /// The architecture.
    public let configuration: BertConfiguration
    /// `vocabularySize × hiddenSize`.
    public var wordEmbeddings: Tensor
    /// `maxPositions × hiddenSize`.
    public var positionEmbeddings: Tensor
    /// `typeVocabularySize × hiddenSize`.
    public var tokenTypeEmbeddings: Tensor
    /// Layer norm after the embedding sum.
    public var embeddingNorm: LayerNormWeights
    /// The transformer layers.
    public var layers: [BertLayerWeights]
    /// The `[CLS]` pooler (`pooler.dense`), when the checkpoint has one.
    public var pooler: LinearWeights?

    /// Loads `config.json` and `model.safetensors` from a Hugging Face model directory.
    /// - Parameter directory: the model directory.
    /// - Throws: ``AdaptersError`` naming the missing file, tensor or mismatched shape.
    public init(directory: URL) throws {
        let configURL = directory.appendingPathComponent("config.json")
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        for url in [configURL, weightsURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw AdaptersError.invalidModel(path: directory.path, reason: "missing \(url.lastPathComponent)")
        }
        let configuration = try BertConfiguration.load(from: configURL)
        let file = try AdaptersError.readSafeTensors(weightsURL)
        try self.init(configuration: configuration, tensors: file.tensors, path: weightsURL.path)
    }

    /// Assembles a model from named tensors in Hugging Face's BertModel layout.
    /// - Parameters:
    ///   - configuration: the architecture.
    ///   - tensors: tensors keyed like `encoder.layer.0.attention.self.query.weight` (a `bert.` prefix is allowed).
    ///   - path: the file named in errors.
    /// - Throws: ``AdaptersError/invalidModel(path:reason:)`` for a missing tensor or a wrong shape.
    public init(configuration: BertConfiguration, tensors: [String: Tensor], path: String = "model.safetensors") throws
    {
        try configuration.validate()
        let prefix = tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let h = configuration.hiddenSize, inner = configuration.intermediateSize
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            guard let value = tensors[prefix + name] else {
                throw AdaptersError.invalidModel(path: path, reason: "missing tensor \(prefix + name)")
            }
            guard value.shape == shape else {
                throw AdaptersError.invalidModel(
                    path: path, reason: "tensor \(prefix + name) has shape \(value.shape), expected \(shape)")
            }
            return value
        }
        func linear(_ name: String, inputs: Int, outputs: Int) throws -> LinearWeights {
            LinearWeights(
                weight: try tensor(name + ".weight", [outputs, inputs]),
                bias: try tensor(name + ".bias", [outputs]).scalars)
        }
        func norm(_ name: String) throws -> LayerNormWeights {
            LayerNormWeights(
                gain: try tensor(name + ".weight", [h]).scalars, offset: try tensor(name + ".bias", [h]).scalars)
        }
        self.configuration = configuration
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [configuration.vocabularySize, h])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [configuration.maxPositions, h])
        tokenTypeEmbeddings = try tensor(
            "embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, h])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<configuration.layerCount).map { index in
            let p = "encoder.layer.\(index)."
            return BertLayerWeights(
                query: try linear(p + "attention.self.query", inputs: h, outputs: h),
                key: try linear(p + "attention.self.key", inputs: h, outputs: h),
                value: try linear(p + "attention.self.value", inputs: h, outputs: h),
                attentionOutput: try linear(p + "attention.output.dense", inputs: h, outputs: h),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                intermediate: try linear(p + "intermediate.dense", inputs: h, outputs: inner),
                output: try linear(p + "output.dense", inputs: inner, outputs: h),
                outputNorm: try norm(p + "output.LayerNorm"))
        }
        pooler =
            tensors[prefix + "pooler.dense.weight"] == nil ? nil : try linear("pooler.dense", inputs: h, outputs: h)
    }

    /// A randomly initialised model (normal(0, 0.02) weights and biases, unit layer norms), for tests.
    /// - Parameters:
    ///   - configuration: the architecture (use a tiny one in tests).
    ///   - seed: the random seed.
    public init(randomWithConfiguration configuration: BertConfiguration, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        func values(_ count: Int, _ scale: Float = 0.02) -> [Float] {
            (0..<count).map { _ in Float(rng.nextGaussian()) * scale }
        }
        let h = configuration.hiddenSize, inner = configuration.intermediateSize
        func linear(_ inputs: Int, _ outputs: Int) -> LinearWeights {
            LinearWeights(
                weight: Tensor(shape: [outputs, inputs], scalars: values(inputs * outputs, 0.1)), bias: values(outputs))
        }
        func norm() -> LayerNormWeights {
            LayerNormWeights(gain: values(h, 0.1).map { 1 + $0 }, offset: values(h))
        }
        self.configuration = configuration
        wordEmbeddings = Tensor(
            shape: [configuration.vocabularySize, h], scalars: values(configuration.vocabularySize * h, 0.5))
        positionEmbeddings = Tensor(
            shape: [configuration.maxPositions, h], scalars: values(configuration.maxPositions * h, 0.1))
        tokenTypeEmbeddings = Tensor(
            shape: [configuration.typeVocabularySize, h], scalars: values(configuration.typeVocabularySize * h, 0.1))
        embeddingNorm = norm()
        var layers: [BertLayerWeights] = []
        for _ in 0..<configuration.layerCount {
            layers.append(
                BertLayerWeights(
                    query: linear(h, h), key: linear(h, h), value: linear(h, h), attentionOutput: linear(h, h),
                    attentionNorm: norm(), intermediate: linear(h, inner), output: linear(inner, h), outputNorm: norm())
            )
        }
        self.layers = layers
        pooler = linear(h, h)
    }

    /// The weights as named tensors in Hugging Face's BertModel layout (no `bert.` prefix).
    public var namedTensors: [String: Tensor] {
        var out: [String: Tensor] = [
            "embeddings.word_embeddings.weight": wordEmbeddings,
            "embeddings.position_embeddings.weight": positionEmbeddings,
            "embeddings.token_type_embeddings.weight": tokenTypeEmbeddings,
        ]
        let h = configuration.hiddenSize
        func put(_ name: String, _ norm: LayerNormWeights) {
            out[name + ".weight"] = Tensor(shape: [h], scalars: norm.gain)
            out[name + ".bias"] = Tensor(shape: [h], scalars: norm.offset)
        }
        func put(_ name: String, _ linear: LinearWeights) {
            out[name + ".weight"] = linear.weight
            out[name + ".bias"] = Tensor(shape: [linear.outputs], scalars: linear.bias)
        }
        put("embeddings.LayerNorm", embeddingNorm)
        for (index, layer) in layers.enumerated() {
            let p = "encoder.layer.\(index)."
            for target in LoRATarget.allCases { put(p + target.modulePath, layer[target]) }
            put(p + "attention.output.LayerNorm", layer.attentionNorm)
            put(p + "output.LayerNorm", layer.outputNorm)
        }
        if let pooler { put("pooler.dense", pooler) }
        return out
    }
}
