import Foundation
import FoundryCore
import Tensors

/// The two low-rank factors LoRA adds to one linear layer: `W' = W + scaling · B · A`.
public struct LoRAFactors: Sendable, Equatable {
    /// `A` (PEFT `lora_A`): `rank × inputs`, initialised Kaiming-uniform.
    public var down: Tensor
    /// `B` (PEFT `lora_B`): `outputs × rank`, initialised to zero.
    public var up: Tensor

    /// Creates factors; the ranks must agree.
    public init(down: Tensor, up: Tensor) {
        precondition(
            down.shape.count == 2 && up.shape.count == 2 && down.rows == up.columns, "LoRA factor ranks differ")
        self.down = down
        self.up = up
    }

    /// The low-rank update `scaling · B · A` (`outputs × inputs`).
    public func delta(scaling: Float) -> Tensor {
        var product = up.matmul(down)
        for i in product.scalars.indices { product.scalars[i] *= scaling }
        return product
    }
}

/// Which pooled representation the classification head reads.
public enum HeadPooling: String, Sendable, Codable, CaseIterable {
    /// sentence-transformers style: the mean of all token states (including `[CLS]`/`[SEP]`), then a linear layer.
    case mean
    /// BERT's `BertForSequenceClassification`: the `[CLS]` state → pooler dense + tanh → dropout → linear layer.
    case classifierToken = "cls"
}

/// A linear classification head on the pooled encoder output.
public struct ClassificationHead: Sendable, Equatable {
    /// The pooling the head reads.
    public var pooling: HeadPooling
    /// `classes × hiddenSize`.
    public var weight: Tensor
    /// `classes` values.
    public var bias: [Float]

    /// Creates a head; `bias.count` must equal `weight.rows`.
    public init(pooling: HeadPooling, weight: Tensor, bias: [Float]) {
        precondition(weight.shape.count == 2 && bias.count == weight.rows, "head bias does not match its weight")
        self.pooling = pooling
        self.weight = weight
        self.bias = bias
    }

    /// Number of classes.
    public var classCount: Int { weight.rows }
}

/// A LoRA adapter (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models") on a BERT encoder,
/// with a classification head.
///
/// Each adapted linear layer computes `y = x Wᵀ + b + scaling · (dropout(x) Aᵀ) Bᵀ` with
/// `scaling = alpha / rank`. A starts Kaiming-uniform (a = √5, i.e. U(−1/√in, 1/√in), as PEFT does) and B at zero,
/// so a fresh adapter leaves the encoder unchanged. Saved and loaded in PEFT's layout (`LoRAAdapter+PEFT.swift`).
public struct LoRAAdapter: Sendable, Equatable {
    /// Adapter hyper-parameters.
    public struct Configuration: Sendable, Equatable {
        /// The rank r of the update (> 0).
        public var rank: Int = 8
        /// The scale numerator: the update is multiplied by `alpha / rank`.
        public var alpha: Float = 16
        /// Dropout on the LoRA branch input during training.
        public var dropout: Float = 0
        /// The adapted layers of every transformer layer.
        public var targets: [LoRATarget] = [.query, .value]
        /// The head's pooling.
        public var headPooling: HeadPooling = .classifierToken
        /// The number of classes of the head.
        public var classCount: Int = 2
        /// Seed for A's and the head's initial values.
        public var seed: UInt64 = 0

        /// Creates a configuration; the defaults are PEFT's usual r 8, alpha 16, query + value, [CLS] head.
        public init(
            rank: Int = 8, alpha: Float = 16, dropout: Float = 0, targets: [LoRATarget] = [.query, .value],
            headPooling: HeadPooling = .classifierToken, classCount: Int = 2, seed: UInt64 = 0
        ) {
            self.rank = rank
            self.alpha = alpha
            self.dropout = dropout
            self.targets = targets
            self.headPooling = headPooling
            self.classCount = classCount
            self.seed = seed
        }

        /// `alpha / rank`.
        public var scaling: Float { alpha / Float(rank) }

        /// Checks the ranges.
        /// - Throws: ``AdaptersError/invalidParameter(name:reason:)``.
        public func validate() throws {
            guard rank > 0 else {
                throw AdaptersError.invalidParameter(name: "rank", reason: "must be positive, got \(rank)")
            }
            guard alpha > 0, alpha.isFinite else {
                throw AdaptersError.invalidParameter(name: "alpha", reason: "must be positive, got \(alpha)")
            }
            guard (0..<1).contains(dropout) else {
                throw AdaptersError.invalidParameter(name: "dropout", reason: "must be in [0, 1), got \(dropout)")
            }
            guard !targets.isEmpty else {
                throw AdaptersError.invalidParameter(name: "targets", reason: "name at least one layer")
            }
            guard classCount >= 2 else {
                throw AdaptersError.invalidParameter(name: "classes", reason: "need at least 2, got \(classCount)")
            }
        }
    }

    /// The hyper-parameters (``Configuration/targets`` sorted, without duplicates).
    public private(set) var configuration: Configuration
    /// The factors of each transformer layer, keyed by target.
    public var factors: [[LoRATarget: LoRAFactors]]
    /// The classification head.
    public var head: ClassificationHead

    /// A fresh adapter for `model`: A Kaiming-uniform, B zero, head normal(0, 0.02) with zero bias (as Hugging Face initialises it).
    /// - Throws: ``AdaptersError/invalidParameter(name:reason:)`` for an invalid configuration.
    public init(model: BertModel, configuration: Configuration) throws {
        try configuration.validate()
        var configuration = configuration
        configuration.targets = Array(Set(configuration.targets)).sorted()
        var rng = SeededGenerator(seed: configuration.seed)
        let r = configuration.rank
        factors = model.layers.map { layer in
            var perLayer: [LoRATarget: LoRAFactors] = [:]
            for target in configuration.targets {
                let linear = layer[target]
                let bound = 1 / Float(linear.inputs).squareRoot()
                let down = (0..<(r * linear.inputs)).map { _ in Float(2 * rng.nextUnitDouble() - 1) * bound }
                perLayer[target] = LoRAFactors(
                    down: Tensor(shape: [r, linear.inputs], scalars: down), up: Tensor(shape: [linear.outputs, r]))
            }
            return perLayer
        }
        let h = model.configuration.hiddenSize
        let weight = (0..<(configuration.classCount * h)).map { _ in Float(rng.nextGaussian() * 0.02) }
        head = ClassificationHead(
            pooling: configuration.headPooling, weight: Tensor(shape: [configuration.classCount, h], scalars: weight),
            bias: [Float](repeating: 0, count: configuration.classCount))
        self.configuration = configuration
    }

    /// Assembles an adapter from existing factors and head (for loading, or for a merged update).
    ///
    /// - Parameters:
    ///   - configuration: the hyper-parameters; its rank must be the factors' rank.
    ///   - factors: per layer, the factors of each target.
    ///   - head: the classification head.
    public init(configuration: Configuration, factors: [[LoRATarget: LoRAFactors]], head: ClassificationHead) {
        var configuration = configuration
        configuration.targets = Array(Set(configuration.targets)).sorted()
        self.configuration = configuration
        self.factors = factors
        self.head = head
    }

    /// Number of trainable values (all factors and the head).
    public var parameterCount: Int { flattened().count }

    /// Checks that every factor and the head fit `model`.
    /// - Throws: ``AdaptersError/invalidAdapter(path:reason:)`` naming the mismatched tensor.
    public func validate(against model: BertModel, path: String = "adapter") throws {
        guard factors.count == model.layers.count else {
            throw AdaptersError.invalidAdapter(
                path: path, reason: "adapter has \(factors.count) layers, the model \(model.layers.count)")
        }
        for (index, perLayer) in factors.enumerated() {
            for (target, factor) in perLayer {
                let linear = model.layers[index][target]
                guard factor.down.columns == linear.inputs, factor.up.rows == linear.outputs,
                    factor.down.rows == configuration.rank
                else {
                    throw AdaptersError.invalidAdapter(
                        path: path,
                        reason:
                            "layer \(index) \(target.modulePath): A \(factor.down.shape), B \(factor.up.shape) do not fit a \(linear.outputs)×\(linear.inputs) weight with rank \(configuration.rank)"
                    )
                }
            }
        }
        guard head.weight.columns == model.configuration.hiddenSize else {
            throw AdaptersError.invalidAdapter(
                path: path,
                reason:
                    "classifier weight \(head.weight.shape) does not fit hidden size \(model.configuration.hiddenSize)")
        }
        if head.pooling == .classifierToken && model.pooler == nil {
            throw AdaptersError.invalidAdapter(
                path: path, reason: "the [CLS] head needs pooler.dense weights, which the base model lacks")
        }
    }

    /// All trainable values in a fixed order: layer by layer, targets in declaration order, A then B; then head weight and bias.
    public func flattened() -> [Float] {
        var out: [Float] = []
        for perLayer in factors {
            for target in configuration.targets {
                guard let factor = perLayer[target] else { continue }
                out.append(contentsOf: factor.down.scalars)
                out.append(contentsOf: factor.up.scalars)
            }
        }
        out.append(contentsOf: head.weight.scalars)
        out.append(contentsOf: head.bias)
        return out
    }

    /// Replaces every trainable value from a vector in ``flattened()`` order.
    public mutating func assign(flattened values: [Float]) {
        var position = 0
        func take(_ count: Int) -> [Float] {
            defer { position += count }
            return Array(values[position..<(position + count)])
        }
        for index in factors.indices {
            for target in configuration.targets {
                guard var factor = factors[index][target] else { continue }
                factor.down.scalars = take(factor.down.count)
                factor.up.scalars = take(factor.up.count)
                factors[index][target] = factor
            }
        }
        head.weight.scalars = take(head.weight.count)
        head.bias = take(head.bias.count)
        precondition(position == values.count, "flattened vector has the wrong length")
    }
}
