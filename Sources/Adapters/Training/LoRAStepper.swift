import Foundation
import FoundryCore

/// One optimisation step at a time on a LoRA adapter: forward + backward of soft-label cross-entropy through the
/// frozen encoder, global gradient-norm clipping and an ``AdamW`` update. ``LoRATrainer`` drives it over epochs;
/// benchmarks drive it directly.
public struct LoRAStepper: Sendable {
    /// The frozen encoder.
    public let model: BertModel
    /// The adapter being trained (updated by every ``step(_:targets:learningRate:)``).
    public private(set) var adapter: LoRAAdapter
    /// Global L2 norm the gradient is clipped to (≤ 0: none).
    public var maxGradientNorm: Float
    /// Apply the encoder's dropout probabilities (training mode).
    public var encoderDropout: Bool
    private var optimizer: AdamW
    private var parameters: [Float]
    private var generator: SeededGenerator

    /// Creates a stepper.
    /// - Parameters:
    ///   - model: the frozen encoder.
    ///   - adapter: the initial adapter (must fit `model`).
    ///   - weightDecay: AdamW's decoupled weight decay.
    ///   - maxGradientNorm: clipping threshold (≤ 0 disables clipping).
    ///   - encoderDropout: use `config.json`'s dropout probabilities.
    ///   - seed: seed of the dropout masks.
    public init(
        model: BertModel, adapter: LoRAAdapter, weightDecay: Float = 0.01, maxGradientNorm: Float = 1,
        encoderDropout: Bool = true, seed: UInt64 = 0
    ) {
        self.model = model
        self.adapter = adapter
        self.maxGradientNorm = maxGradientNorm
        self.encoderDropout = encoderDropout
        optimizer = AdamW(parameterCount: adapter.parameterCount, weightDecay: weightDecay)
        parameters = adapter.flattened()
        generator = SeededGenerator(seed: seed)
    }

    /// Optimiser steps taken.
    public var stepCount: Int { optimizer.stepCount }

    /// One step on a mini-batch.
    /// - Parameters:
    ///   - sequences: token ids (non-empty, at most the model's positions).
    ///   - targets: `sequences.count × classes` target probabilities.
    ///   - learningRate: this step's learning rate.
    /// - Returns: the batch's mean cross-entropy before the update.
    public mutating func step(_ sequences: [[Int32]], targets: [Float], learningRate: Float) -> Double {
        var mode = ForwardMode(
            hiddenDropout: encoderDropout ? model.configuration.hiddenDropout : 0,
            attentionDropout: encoderDropout ? model.configuration.attentionDropout : 0,
            loraDropout: adapter.configuration.dropout, generator: SeededGenerator(seed: generator.next()), record: true
        )
        let result = model.lossAndGradient(TokenBatch(sequences), targets: targets, adapter: adapter, mode: &mode)
        var gradient = result.gradient
        if maxGradientNorm > 0 {
            let norm = Float(gradient.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
            if norm > maxGradientNorm {
                let scale = maxGradientNorm / (norm + 1e-6)
                for i in gradient.indices { gradient[i] *= scale }
            }
        }
        optimizer.step(&parameters, gradient: gradient, learningRate: learningRate)
        adapter.assign(flattened: parameters)
        return result.loss
    }
}
