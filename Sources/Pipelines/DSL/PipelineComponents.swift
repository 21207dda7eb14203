// The vocabulary of the ``Pipeline`` builder: one small struct per step kind, each a thin spelling of a
// ``PipelineStep`` whose parameters keep the defaults of the YAML spec (and of the matching `foundry` command).
// The data step is spelled `Corpus` and the label-model step `FitLabelModel` so that neither shadows Foundation's
// `Data` nor LabelModels' `LabelModel` protocol in code that imports Pipelines.

import Cleaning
import Labeling

/// A data step: reads a corpus (CSV, TSV, JSONL, a WRENCH folder, crowd answers or a stored dataset version).
///
/// ```swift
/// Corpus("comments", csv: ["${FOUNDRY_DATA}/uci_youtube_spam_collection/Youtube01-Psy.csv"],
///        textField: "CONTENT", labelField: "CLASS", split: .init(valid: 0.1, test: 0.2, seed: 0))
/// Corpus("questions", wrench: "${FOUNDRY_DATA}/wrench_trec", textField: "text")
/// ```
public struct Corpus: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: DataStep

    /// A data step from its parameters.
    public init(_ name: String, _ parameters: DataStep) {
        self.name = name
        self.parameters = parameters
    }

    /// Delimited or JSON-lines files of one format, concatenated in order.
    ///
    /// - Parameters:
    ///   - name: the step's name.
    ///   - format: `.csv`, `.tsv` or `.jsonl`.
    ///   - paths: the files (relative to the spec's folder; `${NAME}` expands environment variables).
    ///   - textField: the column the labeling functions and the encoder read.
    ///   - labelField: a column of gold labels (class names or indices), if any.
    ///   - split: the train / valid / test split; nil leaves the runner's default.
    ///   - limit: read at most this many rows per file.
    public init(
        _ name: String, format: DataStep.Format, paths: [String], textField: String, labelField: String? = nil,
        split: DataStep.Split? = nil, limit: Int? = nil
    ) {
        self.init(
            name,
            DataStep(
                format: format, paths: paths, textField: textField, labelField: labelField, split: split,
                limit: limit))
    }

    /// CSV files with a header row, concatenated in order.
    public init(
        _ name: String, csv paths: [String], textField: String, labelField: String? = nil,
        split: DataStep.Split? = nil, limit: Int? = nil
    ) {
        self.init(
            name, format: .csv, paths: paths, textField: textField, labelField: labelField, split: split, limit: limit)
    }

    /// Tab-separated files, concatenated in order.
    ///
    /// - Parameters:
    ///   - columns: the column names of files without a header row (nil: the first row names them).
    ///   - quoting: false reads `"` as an ordinary character (files that are not RFC 4180, such as the raw UCI SMS
    ///     collection).
    public init(
        _ name: String, tsv paths: [String], textField: String, labelField: String? = nil,
        split: DataStep.Split? = nil, limit: Int? = nil, columns: [String]? = nil, quoting: Bool = true
    ) {
        var step = DataStep(
            format: .tsv, paths: paths, textField: textField, labelField: labelField, split: split, limit: limit)
        step.columns = columns
        step.quoting = quoting
        self.init(name, step)
    }

    /// JSON-lines files (one object per line), concatenated in order.
    public init(
        _ name: String, jsonl paths: [String], textField: String, labelField: String? = nil,
        split: DataStep.Split? = nil, limit: Int? = nil
    ) {
        self.init(
            name, format: .jsonl, paths: paths, textField: textField, labelField: labelField, split: split,
            limit: limit)
    }

    /// A WRENCH folder (`train.json`, `valid.json`, `test.json`, `label.json`): its splits, gold labels and weak
    /// labels, so the step's votes can feed a label model directly.
    ///
    /// - Parameters:
    ///   - folder: the folder.
    ///   - textField: the key of the text inside each example's `data` object (`text` in WRENCH's text sets).
    ///   - limit: read at most this many examples per split file.
    public init(_ name: String, wrench folder: String, textField: String = "text", limit: Int? = nil) {
        self.init(name, DataStep(format: .wrench, paths: [folder], textField: textField, limit: limit))
    }

    /// Crowd answers, one row per worker's answer: each worker becomes a labeling function over the distinct items.
    ///
    /// - Parameters:
    ///   - answers: the long answer table (CSV).
    ///   - columns: its item, worker and answer columns.
    ///   - textField: the item's text column.
    ///   - gold: a second CSV with gold labels per item (its `columns.item` column and `labelField`), if any.
    ///   - labelField: the gold column of `gold`.
    ///   - split: the train / valid / test split of the items.
    ///   - limit: read at most this many answer rows.
    public init(
        _ name: String, crowd answers: String, columns: DataStep.CrowdColumns, textField: String,
        gold: String? = nil, labelField: String? = nil, split: DataStep.Split? = nil, limit: Int? = nil
    ) {
        self.init(
            name,
            DataStep(
                format: .crowd, paths: [answers], textField: textField, labelField: labelField, split: split,
                limit: limit, crowd: columns, goldPath: gold))
    }

    /// A version of a dataset in a dataset store (nil version = the latest).
    public init(
        _ name: String, store: String, dataset: String, version: String? = nil, textField: String,
        labelField: String? = nil, split: DataStep.Split? = nil, limit: Int? = nil
    ) {
        self.init(
            name,
            DataStep(
                format: .store, paths: [], textField: textField, labelField: labelField, split: split, limit: limit,
                store: store, dataset: dataset, version: version))
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .data(parameters)) }

    /// The same corpus read at most `rows` rows per file.
    public func limit(_ rows: Int?) -> Corpus {
        var copy = self
        copy.parameters.limit = rows
        return copy
    }

    /// The same corpus split with these fractions and seed.
    public func split(valid: Double = 0.1, test: Double = 0.2, seed: UInt64 = 0) -> Corpus {
        var copy = self
        copy.parameters.split = DataStep.Split(valid: valid, test: test, seed: seed)
        return copy
    }
}

/// A cleaning step: checks a table against constraints (a file in the constraint spec format, or built with
/// Cleaning's ``ConstraintSet`` vocabulary) and drops the rows that fail an error-severity constraint.
///
/// ```swift
/// Clean("clean", input: "comments", constraints: .file("constraints.yaml"))
/// Clean("clean", input: "comments", dropDuplicates: true) {
///     NotNull("CONTENT")
///     ValidText("CONTENT")
/// }
/// ```
public struct Clean: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: CleanStep

    /// A cleaning step with constraints from a file or a value.
    ///
    /// - Parameters:
    ///   - input: the table step.
    ///   - constraints: `.file(path)` relative to the spec's folder, or `.inline(ConstraintSet)`.
    ///   - dropFailing: drop rows failing an error-severity constraint (default) or only report them.
    ///   - dropDuplicates: drop later exact duplicates of the text field.
    public init(
        _ name: String, input: String, constraints: SpecSource<ConstraintSet>, dropFailing: Bool = true,
        dropDuplicates: Bool = false
    ) {
        self.name = name
        self.parameters = CleanStep(
            input: input, constraints: constraints, dropFailing: dropFailing, dropDuplicates: dropDuplicates)
    }

    /// A cleaning step with constraints written in the closure (Cleaning's ``ConstraintBuilder``).
    public init(
        _ name: String, input: String, dropFailing: Bool = true, dropDuplicates: Bool = false,
        @ConstraintBuilder constraints: () -> [Constraint]
    ) {
        self.init(
            name, input: input, constraints: .inline(ConstraintSet(constraints())), dropFailing: dropFailing,
            dropDuplicates: dropDuplicates)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .clean(parameters)) }
}

/// An apply step: runs labeling functions (the LF spec format, from a file or as values) over a table's rows.
///
/// ```swift
/// Apply("votes", input: "clean", lfs: .file("lfs.yaml"))
/// Apply("votes", input: "clean", functions: [
///     .keyword("asks_to_subscribe", ["subscribe", "sub4sub"], label: "SPAM"),
///     .regex("has_link", #"https?://|www\."#, label: "SPAM"),
///     .threshold("short_comment", .lessThan(5), measure: .wordCount, label: "HAM"),
/// ])
/// ```
public struct Apply: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: ApplyStep

    /// An apply step with functions from a file (relative to the spec's folder) or an ``LFSpec`` value.
    public init(_ name: String, input: String, lfs: SpecSource<LFSpec>) {
        self.name = name
        self.parameters = ApplyStep(input: input, labelingFunctions: lfs)
    }

    /// An apply step with the functions written inline.
    public init(_ name: String, input: String, functions: [LabelingFunctionSpec]) {
        self.init(name, input: input, lfs: .inline(LFSpec(labelingFunctions: functions)))
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .apply(parameters)) }
}

/// A label-model step: fits a label model on the train rows' votes and predicts soft labels for every row.
///
/// ```swift
/// FitLabelModel("labels", input: "votes", method: "auto")
/// FitLabelModel("labels", input: "questions", method: "ds", useDevSet: true)
/// ```
public struct FitLabelModel: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: LabelModelStep

    /// A label-model step.
    ///
    /// - Parameters:
    ///   - input: the votes step (an ``Apply`` step, a WRENCH or crowd ``Corpus``).
    ///   - method: as `foundry labelmodel fit --method` spells it (`auto`, `mv`, `wmv`, `ds`, `moments`, `triplet`, …).
    ///   - useDevSet: use the valid split's gold labels as the dev set.
    ///   - seed: the label model's seed.
    ///   - classBalance: the class prior: the applied LF spec's `class_balance` when it has one (`.lfs`, the default),
    ///     `.uniform`, `.estimated` from the votes, or `.given` shares.
    public init(
        _ name: String, input: String, method: String = "auto", useDevSet: Bool = false, seed: UInt64 = 0,
        classBalance: LabelModelStep.ClassBalanceSetting = .lfs
    ) {
        self.name = name
        self.parameters = LabelModelStep(
            input: input, method: method, useDevSet: useDevSet, seed: seed, classBalance: classBalance)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .labelModel(parameters)) }
}

/// A training step: a LoRA adapter and a classification head on the soft labels, with `foundry train`'s defaults.
///
/// ```swift
/// Train("adapter", input: "labels", model: "../../../.models/all-MiniLM-L6-v2", epochs: 3)
/// ```
public struct Train: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: TrainStep

    /// A training step.
    ///
    /// - Parameters:
    ///   - input: the soft-labels step.
    ///   - model: the base encoder's folder (relative to the spec's folder).
    ///   - rank: LoRA rank; `alpha` its scale (Hu et al. 2021).
    ///   - epochs, learningRate, batchSize, maxLength, seed: as `foundry train` takes them.
    ///   - fisherSamples: training rows sampled for the diagonal Fisher information saved beside the adapter (for
    ///     `fisher` merges; 0 = none).
    ///   - gramSamples: training rows sampled for the input Gram matrices saved beside the adapter (for `regmean`
    ///     merges; 0 = none).
    public init(
        _ name: String, input: String, model: String, rank: Int = 8, alpha: Double = 16, epochs: Int = 3,
        learningRate: Double = 5e-4, batchSize: Int = 16, maxLength: Int = 64, seed: UInt64 = 0,
        fisherSamples: Int = 128, gramSamples: Int = 128
    ) {
        self.name = name
        self.parameters = TrainStep(
            input: input, model: model, rank: rank, alpha: alpha, epochs: epochs, learningRate: learningRate,
            batchSize: batchSize, maxLength: maxLength, seed: seed, fisherSamples: fisherSamples,
            gramSamples: gramSamples)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .train(parameters)) }
}

/// A merging step: merges adapters of this pipeline (and adapter folders on disk) with the `Merging` module.
///
/// ```swift
/// Merge("merged", inputs: ["youtube-adapter", "sms-adapter"], method: "ties", density: 0.5)
/// ```
public struct Merge: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: MergeStep

    /// A merging step.
    ///
    /// - Parameters:
    ///   - inputs: adapter steps of this pipeline.
    ///   - adapters: adapter folders on disk, merged after the steps' adapters.
    ///   - method: as `foundry merge --method` spells it.
    ///   - weights: one per adapter (steps first); nil = the method's default.
    ///   - density: for the methods that prune.
    ///   - seed: DARE's masks.
    public init(
        _ name: String, inputs: [String], adapters: [String] = [], method: String = "linear",
        weights: [Double]? = nil, density: Double? = nil, seed: UInt64 = 0
    ) {
        self.name = name
        self.parameters = MergeStep(
            inputs: inputs, adapters: adapters, method: method, weights: weights, density: density, seed: seed)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .merge(parameters)) }
}

/// A selection step: the best adapter on a table's evaluation rows, or a router choosing one per input.
///
/// ```swift
/// Select("best", inputs: ["adapter-a", "adapter-b"], evaluation: "comments", metric: "f1")
/// ```
public struct Select: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: SelectStep

    /// A selection step.
    ///
    /// - Parameters:
    ///   - inputs: adapter steps.
    ///   - evaluation: the table step with gold labels.
    ///   - split: `valid` or `test`.
    ///   - metric: `accuracy`, `f1` or `f1_macro`.
    ///   - mode: `.best` or `.route`.
    ///   - exemplars: in `.route` mode, a table of texts naming the input step that should handle each (the router's
    ///     training data); without it the router is cross-fitted on the evaluation rows.
    ///   - textField: the exemplars' text column.
    ///   - taskField: the exemplars' column naming the adapter step.
    public init(
        _ name: String, inputs: [String], evaluation: String, split: String = "valid", metric: String = "accuracy",
        mode: SelectStep.Mode = .best, exemplars: String? = nil, textField: String = "text", taskField: String = "task"
    ) {
        self.name = name
        self.parameters = SelectStep(
            inputs: inputs, evaluation: evaluation, split: split, metric: metric, mode: mode, exemplars: exemplars,
            textField: textField, taskField: taskField)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .select(parameters)) }
}

/// A registration step: commits an adapter to a model repository on a branch.
///
/// ```swift
/// Register("registry", input: "adapter", repository: "repo", branch: "youtube")
/// ```
public struct Register: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: RegisterStep

    /// A registration step (the repository folder is created when missing).
    public init(_ name: String, input: String, repository: String, branch: String = "main", message: String? = nil) {
        self.name = name
        self.parameters = RegisterStep(input: input, repository: repository, branch: branch, message: message)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .register(parameters)) }
}

/// A deployment step: loads the adapter into the serving runtime, smoke-tests it and writes the serving
/// configuration (nil budgets keep `foundry serve`'s defaults).
///
/// ```swift
/// Deploy("serve", input: "adapter", port: 8080)
/// ```
public struct Deploy: PipelineComponent {
    /// The step's name.
    public var name: String
    /// The step's parameters.
    public var parameters: DeployStep

    /// A deployment step.
    public init(
        _ name: String, input: String, host: String = "127.0.0.1", port: Int = 8080, hotBytes: Int? = nil,
        warmBytes: Int? = nil, maxActiveAdapters: Int? = nil, cycleTimeMilliseconds: Int? = nil,
        maxBatchTokens: Int? = nil
    ) {
        self.name = name
        self.parameters = DeployStep(
            input: input, host: host, port: port, hotBytes: hotBytes, warmBytes: warmBytes,
            maxActiveAdapters: maxActiveAdapters, cycleTimeMilliseconds: cycleTimeMilliseconds,
            maxBatchTokens: maxBatchTokens)
    }

    /// The step.
    public var step: PipelineStep { PipelineStep(name: name, action: .deploy(parameters)) }
}
