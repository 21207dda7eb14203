import Cleaning
import Foundation
import Labeling
import Tabular

/// A whole pipeline: named steps whose inputs name other steps, from a corpus to a served adapter.
///
/// Read from YAML with `PipelineSpec.load(_:)` or built in Swift with the ``Pipeline`` result builder; both give
/// equal values (``source`` and locations are not part of equality). Relative paths are resolved against
/// ``baseDirectory`` when the pipeline runs, after `${NAME}` references to environment variables are expanded.
public struct PipelineSpec: Sendable, Equatable {
    /// The pipeline's name (the run directory is named after it).
    public var name: String
    /// Class names, in index order, shared by every step (labels, label model, heads).
    public var classes: [String]
    /// The steps, in declaration order (execution order is the graph's, not this one).
    public var steps: [PipelineStep]
    /// Where the spec came from (a path, or `<swift>` for the DSL), for errors.
    public var source: String
    /// The folder relative paths are resolved against (the spec's folder, or the working directory).
    public var baseDirectory: URL?

    /// Creates a spec.
    public init(
        name: String, classes: [String], steps: [PipelineStep], source: String = "<swift>", baseDirectory: URL? = nil
    ) {
        self.name = name
        self.classes = classes
        self.steps = steps
        self.source = source
        self.baseDirectory = baseDirectory
    }

    /// Equality of what the pipeline does: name, classes and steps (not where it was read from).
    public static func == (lhs: PipelineSpec, rhs: PipelineSpec) -> Bool {
        lhs.name == rhs.name && lhs.classes == rhs.classes && lhs.steps == rhs.steps
    }

    /// The step with this name.
    public func step(named name: String) -> PipelineStep? { steps.first { $0.name == name } }
}

/// One named step of a pipeline.
public struct PipelineStep: Sendable, Equatable {
    /// The step's name: unique in the spec, used by `--until`, `--force` and other steps' inputs.
    public var name: String
    /// What the step does, with its parameters and inputs.
    public var action: StepAction
    /// Where the step was declared (nil for the DSL); not part of equality.
    public var location: SpecLocation?
    /// Where each of the step's keys was written (empty for the DSL), so validation errors point at the key; not part
    /// of equality.
    public var keyLocations: [String: SpecLocation]

    /// Creates a step.
    public init(
        name: String, action: StepAction, location: SpecLocation? = nil, keyLocations: [String: SpecLocation] = [:]
    ) {
        self.name = name
        self.action = action
        self.location = location
        self.keyLocations = keyLocations
    }

    /// Equality of name and action.
    public static func == (lhs: PipelineStep, rhs: PipelineStep) -> Bool {
        lhs.name == rhs.name && lhs.action == rhs.action
    }
}

/// The kinds of step, as spelled in the spec's `kind:` key.
public enum StepKind: String, Sendable, CaseIterable, Codable {
    case data
    case clean
    case apply
    case labelModel = "label_model"
    case train
    case merge
    case select
    case register
    case deploy
}

/// The type of artifact a step produces, checked against what the next step reads before anything runs.
public enum ArtifactType: String, Sendable, CaseIterable, Codable {
    /// Rows with a text field, optional gold labels and train/valid/test splits.
    case table
    /// A label matrix over a table's rows (an `apply` step, or a WRENCH folder's weak labels).
    case votes
    /// Soft labels from a label model, over a table's rows.
    case softLabels = "soft_labels"
    /// A LoRA adapter (PEFT files, head, training record).
    case adapter
    /// A commit in the model repository.
    case commit
    /// A checked serving configuration for an adapter.
    case endpoint
}

/// What a step does. Each case's value holds the step's parameters and the names of its inputs.
public enum StepAction: Sendable, Equatable {
    case data(DataStep)
    case clean(CleanStep)
    case apply(ApplyStep)
    case labelModel(LabelModelStep)
    case train(TrainStep)
    case merge(MergeStep)
    case select(SelectStep)
    case register(RegisterStep)
    case deploy(DeployStep)

    /// The step's kind.
    public var kind: StepKind {
        switch self {
        case .data: .data
        case .clean: .clean
        case .apply: .apply
        case .labelModel: .labelModel
        case .train: .train
        case .merge: .merge
        case .select: .select
        case .register: .register
        case .deploy: .deploy
        }
    }

    /// The names of the steps this one reads, in the order its parameters name them.
    public var inputs: [String] {
        switch self {
        case .data: []
        case .clean(let step): [step.input]
        case .apply(let step): [step.input]
        case .labelModel(let step): [step.input]
        case .train(let step): [step.input]
        case .merge(let step): step.inputs
        case .select(let step): step.inputs + [step.evaluation]
        case .register(let step): [step.input]
        case .deploy(let step): [step.input]
        }
    }
}

/// Where a file-or-inline part of the spec (LFs, constraints) comes from.
public enum SpecSource<Value: Sendable & Equatable>: Sendable, Equatable {
    /// A file, relative to the spec's folder.
    case file(String)
    /// Written inside the pipeline spec (or built in Swift).
    case inline(Value)
}

/// Reads a corpus: CSV, TSV, JSONL, a WRENCH folder (with its weak labels and splits), crowd answers (one row per
/// worker's answer: workers become labeling functions) or a stored dataset version.
public struct DataStep: Sendable, Equatable {
    /// The file formats and sources a data step reads.
    public enum Format: String, Sendable, CaseIterable, Codable {
        case csv, tsv, jsonl, wrench, crowd, store
    }
    /// For `crowd`: the columns of the long answer table (one row per answer). Its output is votes (one function per
    /// worker) over a table of the distinct items; answers that are not class names abstain.
    public struct CrowdColumns: Sendable, Equatable, Codable {
        /// The item id column (e.g. `tweet_id`).
        public var item: String
        /// The worker id column.
        public var worker: String
        /// The answer column.
        public var answer: String
        /// Creates the columns.
        public init(item: String, worker: String, answer: String) {
            self.item = item
            self.worker = worker
            self.answer = answer
        }
    }
    /// How rows are split into train / valid / test when the source has no splits of its own.
    public struct Split: Sendable, Equatable, Codable {
        /// Fraction of rows held out for validation (dev set), 0 ..< 1.
        public var valid: Double
        /// Fraction of rows held out for test, 0 ..< 1.
        public var test: Double
        /// Seed of the shuffle.
        public var seed: UInt64
        /// Creates a split.
        public init(valid: Double = 0.1, test: Double = 0.2, seed: UInt64 = 0) {
            self.valid = valid
            self.test = test
            self.seed = seed
        }
    }
    /// The source format.
    public var format: Format
    /// The file or folder (several files of one format are concatenated in order, e.g. the five UCI YouTube CSVs).
    public var paths: [String]
    /// The column with the text the labeling functions and the encoder read.
    public var textField: String
    /// A column with gold labels (class names or indices), optional; used for scores, dev sets and the report.
    public var labelField: String?
    /// The split for sources without one (ignored for `wrench`, whose folder has train/valid/test).
    public var split: Split?
    /// Read at most this many rows (per file, in order), for small test runs.
    public var limit: Int?
    /// For `store`: the store file, dataset name and version id (nil = latest).
    public var store: String?
    /// For `store`: the dataset's name.
    public var dataset: String?
    /// For `store`: the version id (nil = latest).
    public var version: String?
    /// For `crowd`: the answer table's columns.
    public var crowd: CrowdColumns?
    /// For `crowd`: a second file with gold labels per item (`item` column + `label_field`), e.g. the evaluated subset.
    public var goldPath: String?
    /// For `csv`/`tsv` files without a header row: the names of their columns, in order (nil: the first row names
    /// them).
    public var columns: [String]?
    /// For `csv`/`tsv`: whether `"` starts a quoted field (RFC 4180, the default); false reads quotes as ordinary
    /// characters, as pandas' `quoting=3` does (the raw UCI SMS collection needs it).
    public var quoting: Bool = true

    /// Creates a data step.
    public init(
        format: Format, paths: [String], textField: String, labelField: String? = nil, split: Split? = nil,
        limit: Int? = nil, store: String? = nil, dataset: String? = nil, version: String? = nil,
        crowd: CrowdColumns? = nil, goldPath: String? = nil
    ) {
        self.format = format
        self.paths = paths
        self.textField = textField
        self.labelField = labelField
        self.split = split
        self.limit = limit
        self.store = store
        self.dataset = dataset
        self.version = version
        self.crowd = crowd
        self.goldPath = goldPath
    }
}

/// Checks a table against constraints; rows failing an error-severity constraint (and exact duplicates, when asked)
/// are dropped from the table the next steps read, and the findings go to the report.
public struct CleanStep: Sendable, Equatable {
    /// The table step.
    public var input: String
    /// The constraints (the existing constraint spec format).
    public var constraints: SpecSource<ConstraintSet>
    /// Drop rows that fail an error-severity constraint (default) or only report them.
    public var dropFailing: Bool
    /// Drop later exact duplicates of the text field.
    public var dropDuplicates: Bool

    /// Creates a cleaning step.
    public init(
        input: String, constraints: SpecSource<ConstraintSet>, dropFailing: Bool = true, dropDuplicates: Bool = false
    ) {
        self.input = input
        self.constraints = constraints
        self.dropFailing = dropFailing
        self.dropDuplicates = dropDuplicates
    }
}

/// Applies labeling functions (the existing LF spec format) to a table; votes are cached per function.
public struct ApplyStep: Sendable, Equatable {
    /// The table step.
    public var input: String
    /// The functions.
    public var labelingFunctions: SpecSource<LFSpec>

    /// Creates an apply step.
    public init(input: String, labelingFunctions: SpecSource<LFSpec>) {
        self.input = input
        self.labelingFunctions = labelingFunctions
    }
}

/// Fits a label model on the votes of the train rows and predicts soft labels for every row.
public struct LabelModelStep: Sendable, Equatable {
    /// The class prior the label model is fitted with.
    public enum ClassBalanceSetting: Sendable, Equatable {
        /// The `class_balance` of the applied LF spec when it declares one (as `foundry synthesize lfs --model`
        /// writes it), else uniform.
        case lfs
        /// Every class equally likely.
        case uniform
        /// Estimated by the model from the votes.
        case estimated
        /// These shares, one per class in class order.
        case given([Double])

        /// The YAML spelling: `lfs`, `uniform`, `estimated` or the list.
        public var spelling: String {
            switch self {
            case .lfs: "lfs"
            case .uniform: "uniform"
            case .estimated: "estimated"
            case .given(let shares): "[" + shares.map { "\($0)" }.joined(separator: ", ") + "]"
            }
        }
    }
    /// The votes step (an `apply` step or a `wrench` data step).
    public var input: String
    /// The method as `foundry labelmodel fit --method` spells it (`auto`, `mv`, `wmv`, `ds`, `moments`, `triplet`, …).
    public var method: String
    /// Use the valid split's gold labels as the dev set (WRENCH's protocol).
    public var useDevSet: Bool
    /// Seed for the label model's randomness.
    public var seed: UInt64
    /// The class prior (default: the LF spec's, else uniform).
    public var classBalance: ClassBalanceSetting

    /// Creates a label-model step.
    public init(
        input: String, method: String = "auto", useDevSet: Bool = false, seed: UInt64 = 0,
        classBalance: ClassBalanceSetting = .lfs
    ) {
        self.input = input
        self.method = method
        self.useDevSet = useDevSet
        self.seed = seed
        self.classBalance = classBalance
    }
}

/// Trains a LoRA adapter and a head on the soft labels of the train rows (valid gold for early stopping, test gold for
/// the score, when the data has them).
public struct TrainStep: Sendable, Equatable {
    /// The soft-labels step.
    public var input: String
    /// The base encoder's folder (Hugging Face layout).
    public var model: String
    /// LoRA rank.
    public var rank: Int
    /// LoRA alpha.
    public var alpha: Double
    /// Epochs.
    public var epochs: Int
    /// Learning rate.
    public var learningRate: Double
    /// Examples per step.
    public var batchSize: Int
    /// Tokens per text.
    public var maxLength: Int
    /// Seed of initialisation, dropout and shuffling.
    public var seed: UInt64
    /// Training rows sampled for the diagonal Fisher information saved beside the adapter (for `fisher` merges; 0:
    /// none).
    public var fisherSamples: Int
    /// Training rows sampled for the layer-input Gram matrices saved beside the adapter (for `regmean` merges; 0:
    /// none).
    public var gramSamples: Int

    /// Creates a training step with the defaults of `foundry train`.
    public init(
        input: String, model: String, rank: Int = 8, alpha: Double = 16, epochs: Int = 3, learningRate: Double = 5e-4,
        batchSize: Int = 16, maxLength: Int = 64, seed: UInt64 = 0, fisherSamples: Int = 128, gramSamples: Int = 128
    ) {
        self.fisherSamples = fisherSamples
        self.gramSamples = gramSamples
        self.input = input
        self.model = model
        self.rank = rank
        self.alpha = alpha
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.maxLength = maxLength
        self.seed = seed
    }
}

/// Merges adapters (steps of this pipeline and adapter folders on disk) with the `Merging` module.
public struct MergeStep: Sendable, Equatable {
    /// Adapter steps of this pipeline.
    public var inputs: [String]
    /// Adapter folders on disk, merged after the steps' adapters.
    public var adapters: [String]
    /// The method as `foundry merge --method` spells it.
    public var method: String
    /// One weight per adapter (steps first, then folders); nil = the method's default.
    public var weights: [Double]?
    /// Density for the methods that prune (TIES, DARE, magnitude prune, breadcrumbs).
    public var density: Double?
    /// Seed (DARE's masks).
    public var seed: UInt64

    /// Creates a merge step.
    public init(
        inputs: [String], adapters: [String] = [], method: String = "linear", weights: [Double]? = nil,
        density: Double? = nil, seed: UInt64 = 0
    ) {
        self.inputs = inputs
        self.adapters = adapters
        self.method = method
        self.weights = weights
        self.density = density
        self.seed = seed
    }
}

/// Picks the best of several adapters on a table's evaluation rows, or trains a router that sends each input to one.
public struct SelectStep: Sendable, Equatable {
    /// How selection decides.
    public enum Mode: String, Sendable, CaseIterable, Codable {
        /// The adapter with the best validation metric.
        case best
        /// A router on exemplar embeddings picks an adapter per input.
        case route
    }
    /// Adapter steps of this pipeline.
    public var inputs: [String]
    /// The table step with gold labels to evaluate on.
    public var evaluation: String
    /// Which split of the evaluation table (`valid` or `test`).
    public var split: String
    /// `accuracy` or `f1` (binary, class 1) or `f1_macro`.
    public var metric: String
    /// Best-of or routing.
    public var mode: Mode
    /// In `route` mode: a table (`.csv`, `.tsv`, `.jsonl`) of exemplar texts, each naming the input step whose adapter
    /// should handle it, to train the router on. Without it the router is cross-fitted on the evaluation rows.
    public var exemplars: String?
    /// The exemplars' text column.
    public var textField: String
    /// The exemplars' column naming the adapter step.
    public var taskField: String

    /// Creates a selection step.
    public init(
        inputs: [String], evaluation: String, split: String = "valid", metric: String = "accuracy", mode: Mode = .best,
        exemplars: String? = nil, textField: String = "text", taskField: String = "task"
    ) {
        self.inputs = inputs
        self.evaluation = evaluation
        self.split = split
        self.metric = metric
        self.mode = mode
        self.exemplars = exemplars
        self.textField = textField
        self.taskField = taskField
    }
}

/// Commits an adapter to a model repository (created when missing) on a branch.
public struct RegisterStep: Sendable, Equatable {
    /// The adapter step.
    public var input: String
    /// The repository folder.
    public var repository: String
    /// The branch.
    public var branch: String
    /// The commit message (default: the pipeline and step names with the adapter's scores).
    public var message: String?

    /// Creates a registration step.
    public init(input: String, repository: String, branch: String = "main", message: String? = nil) {
        self.input = input
        self.repository = repository
        self.branch = branch
        self.message = message
    }
}

/// Loads the adapter into the serving runtime (the same code `foundry serve` runs), answers a smoke test on held-out
/// rows, and writes the serving configuration; `foundry run --serve` keeps serving it over HTTP after the run.
public struct DeployStep: Sendable, Equatable {
    /// The adapter (or register) step.
    public var input: String
    /// The address to serve on.
    public var host: String
    /// The port (0 = any free port).
    public var port: Int
    /// Hot-tier budget in bytes (nil = `foundry serve`'s default).
    public var hotBytes: Int?
    /// Warm-tier budget in bytes (nil = default).
    public var warmBytes: Int?
    /// Maximum adapters in the active set (nil = default).
    public var maxActiveAdapters: Int?
    /// Scheduler cycle time in milliseconds (nil = default).
    public var cycleTimeMilliseconds: Int?
    /// Tokens per batch (nil = default).
    public var maxBatchTokens: Int?

    /// Creates a deployment step.
    public init(
        input: String, host: String = "127.0.0.1", port: Int = 8080, hotBytes: Int? = nil, warmBytes: Int? = nil,
        maxActiveAdapters: Int? = nil, cycleTimeMilliseconds: Int? = nil, maxBatchTokens: Int? = nil
    ) {
        self.input = input
        self.host = host
        self.port = port
        self.hotBytes = hotBytes
        self.warmBytes = warmBytes
        self.maxActiveAdapters = maxActiveAdapters
        self.cycleTimeMilliseconds = cycleTimeMilliseconds
        self.maxBatchTokens = maxBatchTokens
    }
}
