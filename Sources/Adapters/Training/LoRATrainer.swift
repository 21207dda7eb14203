import Foundation
import FoundryCore

/// Trains a ``LoRAAdapter`` on soft labels with the encoder frozen.
///
/// Loss: cross-entropy against the probabilistic labels (noise-aware training as in Ratner et al. 2017, "Snorkel").
/// Optimiser: ``AdamW`` with linear warmup then linear decay, global gradient-norm clipping. Each epoch shuffles the
/// examples with a seeded generator; dropout (encoder hidden/attention dropout from `config.json`, LoRA dropout, head
/// dropout) draws from the same generator, so a run is reproducible bit for bit. After every epoch the validation
/// accuracy is measured; training stops after ``Configuration/patience`` epochs without improvement and the best
/// adapter is kept (and written atomically to ``Configuration/checkpointDirectory`` when set).
///
/// The labels arrive as ``SoftLabels`` (one row per token sequence), as every label model produces them.
public struct LoRATrainer: Sendable {
    /// Training hyper-parameters.
    public struct Configuration: Sendable {
        /// Passes over the training data (upper bound with early stopping).
        public var epochs: Int = 3
        /// Examples per mini-batch.
        public var batchSize: Int = 16
        /// Peak learning rate.
        public var learningRate: Float = 5e-4
        /// AdamW decoupled weight decay.
        public var weightDecay: Float = 0.01
        /// Fraction of all steps spent warming up linearly from 0.
        public var warmupFraction: Float = 0.06
        /// Global L2 norm the gradient is clipped to (≤ 0: no clipping).
        public var maxGradientNorm: Float = 1
        /// Use the encoder's dropout probabilities from `config.json` during training.
        public var encoderDropout: Bool = true
        /// Epochs without validation improvement before stopping.
        public var patience: Int = 2
        /// Seed for shuffling and dropout.
        public var seed: UInt64 = 0
        /// Where the best adapter is saved (atomically) after each improvement, or nil.
        public var checkpointDirectory: URL?

        /// Creates a configuration with the defaults above.
        public init(
            epochs: Int = 3, batchSize: Int = 16, learningRate: Float = 5e-4, weightDecay: Float = 0.01,
            warmupFraction: Float = 0.06, maxGradientNorm: Float = 1, encoderDropout: Bool = true, patience: Int = 2,
            seed: UInt64 = 0, checkpointDirectory: URL? = nil
        ) {
            self.epochs = epochs
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.weightDecay = weightDecay
            self.warmupFraction = warmupFraction
            self.maxGradientNorm = maxGradientNorm
            self.encoderDropout = encoderDropout
            self.patience = patience
            self.seed = seed
            self.checkpointDirectory = checkpointDirectory
        }

        /// Checks every setting's range.
        ///
        /// - Throws: ``AdaptersError/invalidParameter(name:reason:)`` naming the setting.
        public func validate() throws {
            guard epochs > 0 else {
                throw AdaptersError.invalidParameter(name: "epochs", reason: "must be positive, got \(epochs)")
            }
            guard batchSize > 0 else {
                throw AdaptersError.invalidParameter(name: "batch size", reason: "must be positive, got \(batchSize)")
            }
            guard learningRate > 0, learningRate.isFinite else {
                throw AdaptersError.invalidParameter(name: "learning rate", reason: "must be positive")
            }
            guard (0..<1).contains(warmupFraction) else {
                throw AdaptersError.invalidParameter(name: "warmup", reason: "must be in [0, 1)")
            }
            guard patience > 0 else {
                throw AdaptersError.invalidParameter(name: "patience", reason: "must be positive")
            }
        }
    }

    /// What a training run did.
    public struct Report: Sendable, Equatable, Codable {
        /// Epochs completed.
        public var epochs: Int
        /// Optimiser steps taken.
        public var steps: Int
        /// Mean training loss of each epoch.
        public var epochLosses: [Double]
        /// Validation accuracy after each epoch (empty without validation data).
        public var validationAccuracies: [Double]
        /// The epoch (1-based) whose adapter was kept.
        public var bestEpoch: Int
        /// Wall-clock seconds spent in training steps (excluding validation).
        public var trainSeconds: Double
        /// Training examples processed per second of `trainSeconds`.
        public var examplesPerSecond: Double
        /// Whether early stopping ended the run before `epochs`.
        public var stoppedEarly: Bool
        /// Whether the run was cancelled (the adapter is then the best of the epochs completed before, or the
        /// initial one when none was).
        public var cancelled: Bool
    }

    /// The hyper-parameters.
    public var configuration: Configuration

    /// Throws when a sequence is empty, longer than the model's positions, or holds an id outside the vocabulary.
    static func checkSequences(_ sequences: [[Int32]], model: BertModel, name: String) throws {
        let limit = model.configuration.maxPositions, vocabulary = Int32(model.configuration.vocabularySize)
        for (index, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty, sequence.count <= limit else {
                throw AdaptersError.invalidInput(
                    reason:
                        "\(name) sequence \(index) has \(sequence.count) tokens; expected 1...\(limit) (truncate longer texts)"
                )
            }
            guard sequence.allSatisfy({ $0 >= 0 && $0 < vocabulary }) else {
                throw AdaptersError.invalidInput(
                    reason: "\(name) sequence \(index) holds a token id outside 0..<\(vocabulary)")
            }
        }
    }

    /// Creates a trainer.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Trains `adapter` in place on soft labels.
    /// - Parameters:
    ///   - adapter: the adapter to train; its head's class count must match the labels'.
    ///   - model: the frozen encoder.
    ///   - sequences: the training token sequences (with `[CLS]`/`[SEP]`, already truncated to the model's positions).
    ///   - labels: one row of class probabilities per sequence (the targets of the cross-entropy).
    ///   - validation: sequences with gold labels for early stopping, or nil (then the last epoch is kept).
    ///   - progress: called after every step with the steps done in the epoch and the epoch's loss so far, and once
    ///     more after each epoch's validation (see ``TrainingProgress``).
    ///   - cancellation: polled before every step; a cancelled run stops there and keeps the best adapter of the
    ///     completed epochs (the initial adapter when none completed), with ``Report/cancelled`` set.
    /// - Returns: a report.
    /// - Throws: ``AdaptersError/invalidParameter(name:reason:)`` for a bad configuration;
    ///   ``AdaptersError/invalidInput(reason:)`` when the label rows and sequences differ in number, the labels' class
    ///   count differs from the head's, or a sequence is empty, too long or holds an unknown token id;
    ///   ``AdaptersError/invalidAdapter(path:reason:)`` when the adapter does not fit `model`; ``AdaptersError/io(path:reason:)``
    ///   for a failed checkpoint write.
    /// - Complexity: O(epochs · n) forward + backward passes.
    public func train(
        _ adapter: inout LoRAAdapter, model: BertModel, sequences: [[Int32]], labels: SoftLabels,
        validation: (sequences: [[Int32]], labels: [Int])? = nil, progress: TrainingProgressHandler? = nil,
        cancellation: CancellationFlag? = nil
    ) throws -> Report {
        try configuration.validate()
        try adapter.validate(against: model)
        guard labels.rowCount == sequences.count else {
            throw AdaptersError.invalidInput(
                reason: "\(sequences.count) training sequences but \(labels.rowCount) rows of soft labels")
        }
        guard labels.classCount == adapter.head.classCount else {
            throw AdaptersError.invalidInput(
                reason:
                    "the soft labels have \(labels.classCount) classes, the adapter's head \(adapter.head.classCount)")
        }
        guard !sequences.isEmpty else { throw AdaptersError.invalidInput(reason: "no training examples") }
        try Self.checkSequences(sequences, model: model, name: "training")
        if let validation { try Self.checkSequences(validation.sequences, model: model, name: "validation") }
        if let validation, validation.sequences.count != validation.labels.count {
            throw AdaptersError.invalidInput(
                reason: "validation has \(validation.sequences.count) sequences but \(validation.labels.count) labels")
        }
        let k = labels.classCount
        let stepsPerEpoch = (sequences.count + configuration.batchSize - 1) / configuration.batchSize
        let totalSteps = stepsPerEpoch * configuration.epochs
        let warmupSteps = Int((Float(totalSteps) * configuration.warmupFraction).rounded())
        var generator = SeededGenerator(seed: configuration.seed)
        var stepper = LoRAStepper(
            model: model, adapter: adapter, weightDecay: configuration.weightDecay,
            maxGradientNorm: configuration.maxGradientNorm,
            encoderDropout: configuration.encoderDropout, seed: generator.next())
        var best = adapter.flattened()
        var bestAccuracy = -Double.infinity
        var bestEpoch = 0
        var epochsWithoutImprovement = 0
        var report = Report(
            epochs: 0, steps: 0, epochLosses: [], validationAccuracies: [], bestEpoch: 0, trainSeconds: 0,
            examplesPerSecond: 0, stoppedEarly: false, cancelled: false)
        var processed = 0
        func event(_ kind: TrainingProgress.Kind, epoch: Int, completed: Int, loss: Double, accuracy: Double? = nil)
            -> TrainingProgress
        {
            TrainingProgress(
                kind: kind, epoch: epoch, epochs: configuration.epochs, completed: completed, total: stepsPerEpoch,
                overallCompleted: report.steps, overallTotal: totalSteps, loss: loss,
                examplesPerSecond: report.trainSeconds > 0 ? Double(processed) / report.trainSeconds : 0,
                validationAccuracy: accuracy)
        }
        epochLoop: for epoch in 1...configuration.epochs {
            var order = Array(0..<sequences.count)
            order.shuffle(using: &generator)
            var lossSum = 0.0
            var lossCount = 0
            var completed = 0
            for start in stride(from: 0, to: order.count, by: configuration.batchSize) {
                if cancellation?.isCancelled == true {
                    report.cancelled = true
                    break epochLoop
                }
                let started = Date()
                let indices = Array(order[start..<min(order.count, start + configuration.batchSize)])
                var targets = [Float](repeating: 0, count: indices.count * k)
                labels.probabilities.withUnsafeBufferPointer { probabilities in
                    for (row, index) in indices.enumerated() {
                        for c in 0..<k { targets[row * k + c] = probabilities[index * k + c] }
                    }
                }
                let step = report.steps
                let factor: Float =
                    step < warmupSteps
                    ? Float(step) / Float(max(1, warmupSteps))
                    : max(0, Float(totalSteps - step) / Float(max(1, totalSteps - warmupSteps)))
                let loss = stepper.step(
                    indices.map { sequences[$0] }, targets: targets, learningRate: configuration.learningRate * factor)
                adapter = stepper.adapter
                report.steps += 1
                completed += 1
                report.trainSeconds += Date().timeIntervalSince(started)
                processed += indices.count
                lossSum += loss * Double(indices.count)
                lossCount += indices.count
                progress?(event(.step, epoch: epoch, completed: completed, loss: lossSum / Double(lossCount)))
            }
            report.epochs = epoch
            let epochLoss = lossCount > 0 ? lossSum / Double(lossCount) : .nan
            report.epochLosses.append(epochLoss)
            var improved = true
            var accuracy: Double?
            if let validation {
                let predictions = LoRAPredictor(model: model, adapter: adapter).predictLabels(validation.sequences)
                let correct = zip(predictions, validation.labels).filter { $0 == $1 }.count
                let value = validation.labels.isEmpty ? 0 : Double(correct) / Double(validation.labels.count)
                report.validationAccuracies.append(value)
                improved = value > bestAccuracy
                if improved { bestAccuracy = value }
                accuracy = value
            }
            progress?(event(.epochFinished, epoch: epoch, completed: completed, loss: epochLoss, accuracy: accuracy))
            if improved {
                best = adapter.flattened()
                bestEpoch = epoch
                epochsWithoutImprovement = 0
                if let directory = configuration.checkpointDirectory { try adapter.save(to: directory) }
            } else {
                epochsWithoutImprovement += 1
                if epochsWithoutImprovement >= configuration.patience && epoch < configuration.epochs {
                    report.stoppedEarly = true
                    break
                }
            }
        }
        adapter.assign(flattened: best)
        report.bestEpoch = bestEpoch
        report.examplesPerSecond = report.trainSeconds > 0 ? Double(processed) / report.trainSeconds : 0
        return report
    }
}
