import Adapters
import Foundation
import FoundryCore
import LabelModels
import Tensors

/// Trains a LoRA adapter on a corpus of soft labels and scores it: the flow behind `foundry train`.
///
/// The encoder stays frozen; the adapter (LoRA factors on the chosen layers plus a classification head) learns from
/// the soft labels with a noise-aware cross-entropy (``LoRATrainer``), stopping early on the validation texts when
/// there are any. The result is scored on the test texts next to the label model's own score, and a diagonal Fisher
/// information on a seeded sample of training rows is computed for later merging. Everything random draws from
/// ``Options/seed``, so a run is reproducible bit for bit.
public enum AdapterTraining {
    /// Adapter and training settings.
    public struct Options: Sendable {
        /// LoRA rank r (> 0).
        public var rank: Int = 8
        /// LoRA alpha (the update is scaled by alpha / r).
        public var alpha: Float = 16
        /// The adapted layers.
        public var targets: [LoRATarget] = [.query, .value]
        /// Dropout on the LoRA branch input.
        public var loraDropout: Float = 0.1
        /// How the classification head pools the encoder's states.
        public var head: HeadPooling = .classifierToken
        /// The optimiser's settings (epochs, batch size, learning rate, patience, …); its seed is ``seed``.
        public var trainer = LoRATrainer.Configuration(epochs: 5)
        /// Maximum tokens per text (longer texts are truncated; capped by the model's positions).
        public var maxLength: Int = 128
        /// Training rows used for the diagonal Fisher information (0 = skip it).
        public var fisherSamples: Int = 128
        /// Training rows whose layer inputs give the Gram matrices RegMean merges with (0 = skip them).
        public var gramSamples: Int = 128
        /// Seed for initialisation, shuffling, dropout and the Fisher sample.
        public var seed: UInt64 = 0

        /// Options with the defaults above (5 epochs, batch 16, learning rate 5e-4, patience 2).
        public init() {}

        /// Checks ranges before any work is done (the trainer's own settings are checked by the trainer).
        ///
        /// - Throws: ``FlowsError/invalidOptions(_:)`` naming the option.
        public func validate() throws {
            func check(_ condition: Bool, _ message: String) throws {
                if !condition { throw FlowsError.invalidOptions(message) }
            }
            try check(rank > 0, "rank must be positive, got \(rank)")
            try check(alpha > 0 && alpha.isFinite, "alpha must be a positive number, got \(alpha)")
            try check(!targets.isEmpty, "at least one target layer is needed")
            try check(loraDropout >= 0 && loraDropout < 1, "LoRA dropout must be in [0, 1), got \(loraDropout)")
            try check(maxLength >= 2, "max length must be at least 2, got \(maxLength)")
            try check(fisherSamples >= 0, "Fisher samples must be ≥ 0, got \(fisherSamples)")
            try check(gramSamples >= 0, "Gram samples must be ≥ 0, got \(gramSamples)")
            do { try trainer.validate() } catch let error as AdaptersError {
                throw FlowsError.invalidOptions(error.description)
            }
        }
    }

    /// The trained adapter, its Fisher information and the report.
    public struct Outcome: Sendable {
        /// The adapter (the best validation epoch's, or the last without validation texts).
        public var adapter: LoRAAdapter
        /// Diagonal Fisher information of the adapter's parameters, when computed.
        public var fisher: [Float]?
        /// Gram matrices of the adapted layers' inputs (``LayerInputGram``), when computed.
        public var grams: [String: Tensor]?
        /// Rows the Gram matrices were computed on.
        public var gramRows = 0
        /// The report.
        public var result: AdapterTrainingResult

        /// The adapter's files in PEFT's layout, plus `fisher.safetensors`, `gram.safetensors` and `training.json`.
        ///
        /// - Throws: ``AdaptersError/io(path:reason:)`` when the configuration cannot be encoded; `EncodingError`.
        public func files() throws -> [String: Data] {
            var files = try adapter.peftFiles()
            if let fisher {
                var file = SafeTensors(tensors: FisherInformation.namedTensors(fisher, adapter: adapter))
                file.metadata["foundry.fisher_samples"] = String(result.fisherSamples)
                files["fisher.safetensors"] = file.serialized()
            }
            if let grams {
                var file = SafeTensors(tensors: grams)
                file.metadata["foundry.gram_samples"] = String(gramRows)
                files["gram.safetensors"] = file.serialized()
            }
            files["training.json"] = Data(try FoundryJSON.string(result, pretty: true).utf8)
            return files
        }

        /// Writes the adapter folder (PEFT layout, `fisher.safetensors`, `training.json`) all at once.
        ///
        /// - Throws: ``AdaptersError/io(path:reason:)`` when the folder cannot be written.
        public func save(to directory: URL) throws {
            try adapter.save(to: directory, files: try files())
        }
    }

    /// Trains and scores an adapter.
    ///
    /// - Parameters:
    ///   - corpus: texts with soft labels, and optional validation and test texts.
    ///   - encoder: the frozen base model with its tokenizer.
    ///   - options: adapter and training settings.
    ///   - progress: called after every optimiser step and after each epoch.
    ///   - cancellation: polled before every step; a cancelled run keeps the best completed epoch.
    /// - Throws: ``FlowsError/invalidOptions(_:)``; ``AdaptersError`` for an adapter that does not fit the model or
    ///   unusable inputs.
    /// - Complexity: O(epochs · n) forward and backward passes of the encoder.
    public static func run(
        corpus: TrainingCorpus, encoder: SentenceEncoder, options: Options = Options(),
        progress: TrainingProgressHandler? = nil, cancellation: CancellationFlag? = nil
    ) throws -> Outcome {
        try options.validate()
        var encoder = encoder
        encoder.maxLength = min(options.maxLength, encoder.model.configuration.maxPositions)
        let k = corpus.softLabels.classCount
        let sequences = encoder.tokenize(corpus.texts)
        let validation = corpus.validation.map { $0.known }.map { (encoder.tokenize($0.texts), $0.labels) }
        var adapter = try LoRAAdapter(
            model: encoder.model,
            configuration: .init(
                rank: options.rank, alpha: options.alpha, dropout: options.loraDropout, targets: options.targets,
                headPooling: options.head, classCount: k, seed: options.seed))
        var configuration = options.trainer
        configuration.seed = options.seed
        let trainer = LoRATrainer(configuration: configuration)
        let report = try trainer.train(
            &adapter, model: encoder.model, sequences: sequences, labels: corpus.softLabels, validation: validation,
            progress: progress, cancellation: cancellation)

        var testScore: ClassificationScore?
        if let test = corpus.test {
            let predicted = LoRAPredictor(model: encoder.model, adapter: adapter)
                .predictLabels(encoder.tokenize(test.texts))
            testScore = ClassificationScore(gold: test.labels, predicted: predicted, cardinality: k)
        }

        var fisher: [Float]?
        var fisherRows = 0
        if options.fisherSamples > 0 {
            var generator = SeededGenerator(seed: options.seed ^ 0xF15E)
            let sample = Array(sequences.indices.shuffled(using: &generator).prefix(options.fisherSamples))
            fisher = FisherInformation.diagonal(
                adapter: adapter, model: encoder.model, sequences: sample.map { sequences[$0] })
            fisherRows = sample.count
        }

        var grams: [String: Tensor]?
        var gramRows = 0
        if options.gramSamples > 0 {
            var generator = SeededGenerator(seed: options.seed ^ 0x6EA3)
            let sample = Array(sequences.indices.shuffled(using: &generator).prefix(options.gramSamples))
            grams = LayerInputGram.compute(
                adapter: adapter, model: encoder.model, sequences: sample.map { sequences[$0] })
            gramRows = sample.count
        }

        let result = AdapterTrainingResult(
            corpus: corpus, options: options, report: report, testScore: testScore, maxLength: encoder.maxLength,
            trainableParameters: adapter.parameterCount, fisherSamples: fisherRows)
        return Outcome(adapter: adapter, fisher: fisher, grams: grams, gramRows: gramRows, result: result)
    }
}
