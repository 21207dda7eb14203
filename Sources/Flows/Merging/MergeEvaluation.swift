import Adapters
import Foundation
import FoundryCore
import LabelModels
import Labeling
import Merging
import Tensors

/// Judges merges by what they keep: for each task (a WRENCH folder and the adapter trained on it), the test accuracy of
/// the merged model with that task's head, next to the task's own adapter and the base encoder with that task's head.
///
/// Normalized accuracy = merged / own. One run evaluates several methods on the same tasks (and, optionally, merged
/// adapters made elsewhere, such as PEFT's `add_weighted_adapter` through PyTorch) and ranks them by mean normalized
/// accuracy. Binary tasks also get the F1 of class 1 (WRENCH's metric for imbalanced tasks such as sms), and every
/// task the accuracy of always answering its most common class, so that a degenerate adapter shows.
///
/// "Base with head" is the frozen base encoder under the task's own head (the head trained with its adapter), LoRA
/// switched off: it shows how much of a task lives in the encoder update rather than in the head.
///
/// The test split is scored by default; ``Options/split`` = `.valid` scores the valid split, where merge settings
/// (density, weights, RegMean's α) should be chosen so that the test figures stay unbiased.
public enum MergeEvaluation {
    /// One task.
    public struct Task: Sendable {
        /// The task's name.
        public var name: String
        /// Its adapter folder (PEFT layout; `fisher.safetensors` / `gram.safetensors` for fisher / regmean).
        public var adapter: URL
        /// Its WRENCH folder (the test split is scored).
        public var wrench: URL

        /// Creates a task.
        public init(name: String, adapter: URL, wrench: URL) {
            self.name = name
            self.adapter = adapter
            self.wrench = wrench
        }
    }

    /// One method on one task.
    public struct Row: Codable, Sendable, Equatable {
        /// The method (or the external merge's name).
        public var method: String
        /// The task.
        public var task: String
        /// Accuracy of the merged encoder update with the task's head.
        public var merged: Double
        /// Accuracy of the task's own adapter.
        public var own: Double
        /// Accuracy of the base encoder with the task's head.
        public var baseWithHead: Double
        /// merged / own.
        public var normalized: Double
        /// F1 of class 1 of the merge (binary tasks only).
        public var mergedF1: Double?
        /// F1 of class 1 of the task's own adapter (binary tasks only).
        public var ownF1: Double?
        /// F1 of class 1 of the base encoder with the task's head (binary tasks only).
        public var baseWithHeadF1: Double?
        /// mergedF1 / ownF1 (binary tasks whose own F1 is positive).
        public var normalizedF1: Double?
    }

    /// One method over all tasks.
    public struct MethodResult: Codable, Sendable, Equatable {
        /// The method.
        public var method: String
        /// Mean normalized accuracy over the tasks.
        public var meanNormalized: Double
        /// Smallest normalized accuracy over the tasks.
        public var minNormalized: Double
        /// Per task.
        public var rows: [Row]
    }

    /// The evaluation.
    public struct Report: Codable, Sendable, Equatable {
        /// Task names, in input order.
        public var tasks: [String]
        /// The WRENCH split scored (`test` or `valid`).
        public var split: String
        /// Scored examples per task (named for the default split).
        public var testExamples: [String: Int]
        /// Per task, the accuracy of always answering the scored split's most common class.
        public var majorityAccuracy: [String: Double]
        /// Per method, in the order given (external merges last).
        public var methods: [MethodResult]
        /// The method with the highest mean normalized accuracy.
        public var best: String?
    }

    /// Merge settings shared by every method.
    public struct Options: Sendable {
        /// Weights per task (default: each method's ``MergeMethod/defaultWeights(count:peftCompatible:)``).
        public var weights: [Double]?
        /// Kept fraction of the sparsifying methods.
        public var density: Double = 0.5
        /// λ of task arithmetic.
        public var lambda: Float = 1
        /// Merged rank (default: the method's).
        public var rank: Int?
        /// DARE's seed.
        public var seed: UInt64 = 0
        /// RegMean's scaling of the Gram matrices' off-diagonal entries, in [0, 1].
        public var regmeanAlpha: Float = 0.9
        /// Maximum tokens per text.
        public var maxLength: Int = 128
        /// The WRENCH split to score: `.test` (default) or `.valid` (to choose merge settings on).
        public var split: WrenchDataset.Split = .test

        /// The defaults.
        public init() {}
    }

    /// Evaluates `methods` (merging the tasks' adapters) and `external` merged adapters on every task.
    /// - Parameters:
    ///   - tasks: at least two tasks.
    ///   - methods: merge methods run here (``AdapterMerge`` defaults; `peft:<type>` runs are given as methods with
    ///     ``AdapterMerge/Configuration/peftCompatible`` through `peftMethods`).
    ///   - peftMethods: PEFT `combination_type`s run in PEFT-compatible mode, reported as `peft_<type>`.
    ///   - external: merged adapter folders made elsewhere (name, folder); each task's head is put on them.
    ///   - encoder: the base encoder with its tokenizer.
    ///   - options: merge settings.
    /// - Throws: ``MergingError`` for adapters that cannot be merged; `LabelingError`/`TabularError` for WRENCH folders.
    /// - Complexity: one forward pass per test text for each task's own adapter, the base and every method.
    public static func run(
        tasks: [Task], methods: [MergeMethod], peftMethods: [MergeMethod] = [], external: [(String, URL)] = [],
        encoder: SentenceEncoder, options: Options = Options()
    ) throws -> Report {
        guard tasks.count >= 2 else {
            throw MergingError.invalidParameter(name: "tasks", reason: "evaluate at least two tasks")
        }
        var encoder = encoder
        encoder.maxLength = min(options.maxLength, encoder.model.configuration.maxPositions)
        let model = encoder.model
        let all = methods + peftMethods
        let inputs = try tasks.map { task in
            try AdapterMergeInput.load(
                directory: task.adapter, name: task.name, model: model, fisher: all.contains(.fisher),
                grams: all.contains(.regmean))
        }
        var tests: [(sequences: [[Int32]], gold: [Int])] = []
        for task in tasks {
            let split = try WrenchDataset(directory: task.wrench).split(options.split).requiringExamples()
            tests.append((encoder.tokenize(split.texts), split.goldLabels))
        }
        var own: [ClassificationScore] = []
        var base: [ClassificationScore] = []
        for (input, test) in zip(inputs, tests) {
            own.append(score(model: model, adapter: input.adapter, test: test, applyLoRA: true))
            base.append(score(model: model, adapter: input.adapter, test: test, applyLoRA: false))
        }
        func ratio(_ numerator: Double?, _ denominator: Double?) -> Double? {
            guard let numerator, let denominator, denominator > 0 else { return nil }
            return numerator / denominator
        }
        func evaluate(_ name: String, _ adapterForTask: (Int) -> LoRAAdapter) -> MethodResult {
            var rows: [Row] = []
            for (index, task) in tasks.enumerated() {
                let merged = score(model: model, adapter: adapterForTask(index), test: tests[index], applyLoRA: true)
                rows.append(
                    Row(
                        method: name, task: task.name, merged: merged.accuracy ?? 0, own: own[index].accuracy ?? 0,
                        baseWithHead: base[index].accuracy ?? 0,
                        normalized: ratio(merged.accuracy, own[index].accuracy) ?? 0, mergedF1: merged.f1,
                        ownF1: own[index].f1, baseWithHeadF1: base[index].f1,
                        normalizedF1: ratio(merged.f1, own[index].f1)))
            }
            let normalized = rows.map(\.normalized)
            return MethodResult(
                method: name, meanNormalized: normalized.reduce(0, +) / Double(rows.count),
                minNormalized: normalized.min() ?? 0, rows: rows)
        }
        var results: [MethodResult] = []
        for (method, peft) in methods.map({ ($0, false) }) + peftMethods.map({ ($0, true) }) {
            var configuration = AdapterMerge.Configuration(method: method)
            configuration.weights = options.weights
            configuration.density = options.density
            configuration.lambda = options.lambda
            configuration.rank = options.rank
            configuration.seed = options.seed
            configuration.regmeanAlpha = options.regmeanAlpha
            configuration.peftCompatible = peft
            let merged = try AdapterMerge.merge(inputs, configuration: configuration)
            results.append(
                evaluate(peft ? "peft_\(method.rawValue)" : method.rawValue) { index in
                    var adapter = merged.adapter
                    adapter.head = inputs[index].adapter.head
                    return adapter
                })
        }
        for (name, folder) in external {
            let loaded: LoRAAdapter
            do {
                loaded = try LoRAAdapter(peftDirectory: folder, model: model)
            } catch let error as AdaptersError {
                throw MergingError.invalidFile(path: folder.path, tensor: nil, reason: error.description)
            }
            results.append(
                evaluate(name) { index in
                    var adapter = loaded
                    adapter.head = inputs[index].adapter.head
                    return adapter
                })
        }
        let best = results.max { $0.meanNormalized < $1.meanNormalized }?.method
        return Report(
            tasks: tasks.map(\.name), split: options.split.rawValue,
            testExamples: Dictionary(uniqueKeysWithValues: zip(tasks.map(\.name), tests.map(\.gold.count))),
            majorityAccuracy: Dictionary(
                uniqueKeysWithValues: zip(tasks.map(\.name), tests.map { majorityAccuracy($0.gold) })),
            methods: results, best: best)
    }

    /// The accuracy of always answering the most common of `gold`'s known labels (0 for none).
    static func majorityAccuracy(_ gold: [Int]) -> Double {
        let gold = gold.filter { $0 >= 0 }
        guard !gold.isEmpty else { return 0 }
        let counts = Dictionary(grouping: gold, by: { $0 }).mapValues(\.count)
        return Double(counts.values.max() ?? 0) / Double(gold.count)
    }

    /// Accuracy (and, for two classes, F1 of class 1) of `adapter`, with or without its LoRA update, on token
    /// sequences with gold labels (rows labelled -1 are not scored).
    static func score(
        model: BertModel, adapter: LoRAAdapter, test: (sequences: [[Int32]], gold: [Int]), applyLoRA: Bool
    ) -> ClassificationScore {
        let sequences = test.sequences
        let order = sequences.indices.sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        let k = adapter.head.classCount
        var predicted = [Int](repeating: 0, count: sequences.count)
        for start in stride(from: 0, to: order.count, by: 64) {
            let chunk = Array(order[start..<min(order.count, start + 64)])
            let logits = model.logits(TokenBatch(chunk.map { sequences[$0] }), adapter: adapter, applyLoRA: applyLoRA)
            for (row, index) in chunk.enumerated() {
                var best = 0
                for c in 1..<k where logits.scalars[row * k + c] > logits.scalars[row * k + best] { best = c }
                predicted[index] = best
            }
        }
        return ClassificationScore(gold: test.gold, predicted: predicted, cardinality: k)
    }
}
