import Adapters
import Foundation
import FoundryCore
import Labeling
import Merging
import Tensors

/// Judges merges by what they keep: for each task (a WRENCH folder and the adapter trained on it), the test accuracy of
/// the merged model with that task's head, next to the task's own adapter and the base encoder with that task's head.
///
/// Normalized accuracy = merged / own. One run evaluates several methods on the same tasks (and, optionally, merged
/// adapters made elsewhere, such as PEFT's `add_weighted_adapter` through PyTorch) and ranks them by mean normalized
/// accuracy.
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
        /// Test accuracy of the merged encoder update with the task's head.
        public var merged: Double
        /// Test accuracy of the task's own adapter.
        public var own: Double
        /// Test accuracy of the base encoder with the task's head.
        public var baseWithHead: Double
        /// merged / own.
        public var normalized: Double
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
        /// Test examples per task.
        public var testExamples: [String: Int]
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
        /// Maximum tokens per text.
        public var maxLength: Int = 128

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
            let split = try WrenchDataset(directory: task.wrench).split(.test).requiringExamples()
            tests.append((encoder.tokenize(split.texts), split.goldLabels))
        }
        var own: [Double] = []
        var base: [Double] = []
        for (input, test) in zip(inputs, tests) {
            own.append(accuracy(model: model, adapter: input.adapter, test: test, applyLoRA: true))
            base.append(accuracy(model: model, adapter: input.adapter, test: test, applyLoRA: false))
        }
        func evaluate(_ name: String, _ adapterForTask: (Int) -> LoRAAdapter) -> MethodResult {
            var rows: [Row] = []
            for (index, task) in tasks.enumerated() {
                let merged = accuracy(model: model, adapter: adapterForTask(index), test: tests[index], applyLoRA: true)
                rows.append(
                    Row(
                        method: name, task: task.name, merged: merged, own: own[index], baseWithHead: base[index],
                        normalized: own[index] > 0 ? merged / own[index] : 0))
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
            tasks: tasks.map(\.name),
            testExamples: Dictionary(uniqueKeysWithValues: zip(tasks.map(\.name), tests.map(\.gold.count))),
            methods: results, best: best)
    }

    /// Test accuracy of `adapter` (with or without its LoRA update) on token sequences with gold labels.
    static func accuracy(
        model: BertModel, adapter: LoRAAdapter, test: (sequences: [[Int32]], gold: [Int]), applyLoRA: Bool
    ) -> Double {
        let sequences = test.sequences
        guard !sequences.isEmpty else { return 0 }
        let order = sequences.indices.sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        let k = adapter.head.classCount
        var correct = 0
        for start in stride(from: 0, to: order.count, by: 64) {
            let chunk = Array(order[start..<min(order.count, start + 64)])
            let logits = model.logits(TokenBatch(chunk.map { sequences[$0] }), adapter: adapter, applyLoRA: applyLoRA)
            for (row, index) in chunk.enumerated() {
                var best = 0
                for c in 1..<k where logits.scalars[row * k + c] > logits.scalars[row * k + best] { best = c }
                if best == test.gold[index] { correct += 1 }
            }
        }
        return Double(correct) / Double(sequences.count)
    }
}
