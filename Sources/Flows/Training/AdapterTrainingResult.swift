import Adapters
import Foundation
import FoundryCore
import LabelModels

/// The report of one adapter training: the corpus, the settings, how training went and how the adapter scores, as
/// `foundry train --json` prints it and `training.json` keeps it beside the adapter.
///
/// Missing scores are written as `null` (the keys are a contract of `foundry train --json`).
public struct AdapterTrainingResult: Sendable, Equatable, Codable {
    /// The corpus's name (dataset folder, file or `dataset@version`).
    public var dataset: String
    /// The label model behind the soft labels (`auto`, `mv`, …), when known.
    public var labelModel: String?
    /// What auto chose, when the label model was auto.
    public var labelModelChoice: String?
    /// The label model's own test accuracy.
    public var labelModelTestAccuracy: Double?
    /// The label model's own test F1 (class 1, binary tasks).
    public var labelModelTestF1: Double?
    /// The adapter's test accuracy.
    public var testAccuracy: Double?
    /// The adapter's test F1 (class 1, binary tasks).
    public var testF1: Double?
    /// The adapter's test macro-F1.
    public var testF1Macro: Double?
    /// Seconds spent training (forward, backward and updates).
    public var trainSeconds: Double
    /// Training examples per second.
    public var examplesPerSecond: Double
    /// Epochs run.
    public var epochs: Int
    /// The epoch whose adapter was kept (1-based).
    public var bestEpoch: Int
    /// Optimiser steps run.
    public var steps: Int
    /// Whether training stopped before the configured epochs (no validation improvement).
    public var stoppedEarly: Bool
    /// Whether training was cancelled.
    public var cancelled: Bool
    /// Validation accuracy after each epoch (rounded to 4 digits).
    public var validationAccuracies: [Double]
    /// Mean training loss of each epoch (rounded to 4 digits).
    public var epochLosses: [Double]
    /// Training rows.
    public var nTrain: Int
    /// Rows of the training source left out because no labeling function voted on them (`nil` in records written
    /// before Foundry counted them).
    public var nUncoveredLeftOut: Int?
    /// Validation rows with a known label.
    public var nValid: Int
    /// Test rows.
    public var nTest: Int
    /// LoRA rank.
    public var rank: Int
    /// LoRA alpha.
    public var alpha: Double
    /// The adapted layers.
    public var targets: [String]
    /// The head's pooling (`cls` or `mean`).
    public var head: String
    /// Maximum tokens per text actually used.
    public var maxLength: Int
    /// Trainable parameters (LoRA factors and head).
    public var trainableParams: Int
    /// Training rows in the Fisher information sample (0 = none computed).
    public var fisherSamples: Int
    /// The seed.
    public var seed: UInt64
    /// Where the adapter was written, when it was (set by the caller).
    public var out: String?
    /// Where the Fisher information was written, when it was (set by the caller).
    public var fisher: String?
    /// Problems a user should know about (an adapter below its label model, or at chance).
    public var warnings: [String]
    /// The Foundry version that trained it.
    public var foundryVersion: String

    init(
        corpus: TrainingCorpus, options: AdapterTraining.Options, report: LoRATrainer.Report,
        testScore: ClassificationScore?, maxLength: Int, trainableParameters: Int, fisherSamples: Int
    ) {
        func rounded(_ value: Double, _ digits: Double = 4) -> Double {
            let scale = pow(10, digits)
            return (value * scale).rounded() / scale
        }
        dataset = corpus.name
        labelModel = corpus.labelModel?.method
        labelModelChoice = corpus.labelModel?.choice
        labelModelTestAccuracy = corpus.labelModel?.testAccuracy
        labelModelTestF1 = corpus.labelModel?.testF1
        testAccuracy = testScore?.accuracy
        testF1 = testScore?.f1
        testF1Macro = testScore?.macroF1
        trainSeconds = rounded(report.trainSeconds, 2)
        examplesPerSecond = rounded(report.examplesPerSecond, 2)
        epochs = report.epochs
        bestEpoch = report.bestEpoch
        steps = report.steps
        stoppedEarly = report.stoppedEarly
        cancelled = report.cancelled
        validationAccuracies = report.validationAccuracies.map { rounded($0) }
        epochLosses = report.epochLosses.map { rounded($0) }
        nTrain = corpus.texts.count
        nUncoveredLeftOut = corpus.uncoveredRowsLeftOut
        nValid = corpus.validation?.known.texts.count ?? 0
        nTest = corpus.test?.texts.count ?? 0
        rank = options.rank
        alpha = Double(options.alpha)
        targets = options.targets.map(\.rawValue)
        head = options.head.rawValue
        self.maxLength = maxLength
        trainableParams = trainableParameters
        self.fisherSamples = fisherSamples
        seed = options.seed
        warnings = Self.warnings(corpus: corpus, testScore: testScore, report: report)
        foundryVersion = FoundryVersion.current
    }

    /// Says when the adapter ends below the label model it learned from, or no better than always predicting the
    /// most common class (what one short epoch often leaves).
    static func warnings(corpus: TrainingCorpus, testScore: ClassificationScore?, report: LoRATrainer.Report)
        -> [String]
    {
        var warnings: [String] = []
        if let adapter = testScore?.accuracy, let labelModel = corpus.labelModel?.testAccuracy, adapter < labelModel {
            warnings.append(
                String(
                    format: "the adapter's test accuracy %.4f is below the label model's %.4f: train longer "
                        + "(--epochs), raise the learning rate or check the soft labels", adapter, labelModel))
        }
        let scored: (labels: [Int], accuracy: Double?)? =
            if let test = corpus.test, let accuracy = testScore?.accuracy {
                (test.labels, accuracy)
            } else if let validation = corpus.validation?.known, let last = report.validationAccuracies.max() {
                (validation.labels, last)
            } else {
                nil
            }
        if let scored, let accuracy = scored.accuracy {
            let known = scored.labels.filter { $0 >= 0 }
            let counts = Dictionary(grouping: known, by: { $0 }).mapValues(\.count)
            let chance = Double(counts.values.max() ?? 0) / Double(max(known.count, 1))
            if !known.isEmpty, accuracy <= chance + 1e-9 {
                warnings.append(
                    String(
                        format: "the adapter scores %.4f, no better than always predicting the most common class "
                            + "(%.4f): it has not learned yet", accuracy, chance))
            }
        }
        if report.cancelled { warnings.append("training was cancelled; the best completed epoch was kept") }
        return warnings
    }

    private enum CodingKeys: String, CodingKey {
        case dataset, labelModel, labelModelChoice, labelModelTestAccuracy, labelModelTestF1, testAccuracy, testF1
        case testF1Macro, trainSeconds, examplesPerSecond, epochs, bestEpoch, steps, stoppedEarly, cancelled
        case validationAccuracies, epochLosses, nTrain, nUncoveredLeftOut, nValid, nTest, rank, alpha, targets, head,
            maxLength
        case trainableParams, fisherSamples, seed, out, fisher, warnings, foundryVersion
    }

    /// Writes every key, with `null` for a missing score or path.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dataset, forKey: .dataset)
        try container.encode(labelModel, forKey: .labelModel)
        try container.encode(labelModelChoice, forKey: .labelModelChoice)
        try container.encode(labelModelTestAccuracy, forKey: .labelModelTestAccuracy)
        try container.encode(labelModelTestF1, forKey: .labelModelTestF1)
        try container.encode(testAccuracy, forKey: .testAccuracy)
        try container.encode(testF1, forKey: .testF1)
        try container.encode(testF1Macro, forKey: .testF1Macro)
        try container.encode(trainSeconds, forKey: .trainSeconds)
        try container.encode(examplesPerSecond, forKey: .examplesPerSecond)
        try container.encode(epochs, forKey: .epochs)
        try container.encode(bestEpoch, forKey: .bestEpoch)
        try container.encode(steps, forKey: .steps)
        try container.encode(stoppedEarly, forKey: .stoppedEarly)
        try container.encode(cancelled, forKey: .cancelled)
        try container.encode(validationAccuracies, forKey: .validationAccuracies)
        try container.encode(epochLosses, forKey: .epochLosses)
        try container.encode(nTrain, forKey: .nTrain)
        try container.encode(nUncoveredLeftOut, forKey: .nUncoveredLeftOut)
        try container.encode(nValid, forKey: .nValid)
        try container.encode(nTest, forKey: .nTest)
        try container.encode(rank, forKey: .rank)
        try container.encode(alpha, forKey: .alpha)
        try container.encode(targets, forKey: .targets)
        try container.encode(head, forKey: .head)
        try container.encode(maxLength, forKey: .maxLength)
        try container.encode(trainableParams, forKey: .trainableParams)
        try container.encode(fisherSamples, forKey: .fisherSamples)
        try container.encode(seed, forKey: .seed)
        try container.encode(out, forKey: .out)
        try container.encode(fisher, forKey: .fisher)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(foundryVersion, forKey: .foundryVersion)
    }
}
