import Foundation

/// The name the DSL gives a ``PipelineSpec``: `Pipeline("spam", classes: …) { … }` builds one.
///
/// ```swift
/// import Pipelines
///
/// let spec = Pipeline("youtube-spam", classes: ["HAM", "SPAM"]) {
///     Corpus("comments", csv: ["${FOUNDRY_DATA}/uci_youtube_spam_collection/Youtube01-Psy.csv"],
///            textField: "CONTENT", labelField: "CLASS", split: .init(valid: 0.1, test: 0.2, seed: 0))
///     Clean("clean", input: "comments", constraints: .file("constraints.yaml"))
///     Apply("votes", input: "clean", lfs: .file("lfs.yaml"))
///     FitLabelModel("labels", input: "votes", method: "auto")
///     Train("adapter", input: "labels", model: "../../../.models/all-MiniLM-L6-v2", epochs: 3)
///     Register("registry", input: "adapter", repository: "repo", branch: "youtube")
///     Deploy("serve", input: "adapter", port: 8080)
/// }
/// ```
public typealias Pipeline = PipelineSpec

extension PipelineSpec {
    /// Builds a spec from the steps written in the closure, in the order they are written.
    ///
    /// The closure is a ``PipelineBuilder`` block: one step component per statement (``Corpus``, ``Clean``,
    /// ``Apply``, ``FitLabelModel``, ``Train``, ``Merge``, ``Select``, ``Register``, ``Deploy``, or a
    /// ``PipelineStep``), with `if`, `if`/`else`, `switch` and `for` (for example one ``Train`` per task). The value
    /// equals the one `PipelineSpec.load(_:)` reads from the same pipeline written in YAML; nothing is checked here
    /// (call `validate()` before running, as the YAML reader's callers do).
    ///
    /// - Parameters:
    ///   - name: the pipeline's name (the run directory is named after it).
    ///   - classes: class names in index order.
    ///   - baseDirectory: the folder relative paths (LF and constraint files, data, the model) resolve against when
    ///     the pipeline runs; nil means the working directory.
    ///   - steps: the steps.
    public init(
        _ name: String, classes: [String], baseDirectory: URL? = nil, @PipelineBuilder steps: () -> [PipelineStep]
    ) {
        self.init(name: name, classes: classes, steps: steps(), source: "<swift>", baseDirectory: baseDirectory)
    }
}

/// Anything that stands for one step in a ``Pipeline`` builder block: the DSL's step components and
/// ``PipelineStep`` itself.
public protocol PipelineComponent: Sendable {
    /// The step this component declares.
    var step: PipelineStep { get }
}

extension PipelineStep: PipelineComponent {
    /// The step itself.
    public var step: PipelineStep { self }
}

/// The result builder behind `Pipeline(_:classes:baseDirectory:steps:)`: each statement is a ``PipelineComponent``
/// (or an array of steps built elsewhere), and `if`, `switch` and `for` work as in any Swift block.
///
/// ```swift
/// let tasks = ["youtube", "sms"]
/// let spec = Pipeline("two-tasks", classes: ["HAM", "SPAM"]) {
///     for task in tasks {
///         Apply("\(task)-votes", input: task, lfs: .file("\(task)/lfs.yaml"))
///         FitLabelModel("\(task)-labels", input: "\(task)-votes")
///         Train("\(task)-adapter", input: "\(task)-labels", model: "model")
///     }
///     if tasks.count > 1 {
///         Merge("merged", inputs: tasks.map { "\($0)-adapter" }, method: "ties", density: 0.5)
///     }
/// }
/// ```
@resultBuilder
public enum PipelineBuilder {
    /// One step.
    public static func buildExpression(_ component: some PipelineComponent) -> [PipelineStep] { [component.step] }
    /// Several steps built elsewhere (a helper function returning steps).
    public static func buildExpression(_ steps: [PipelineStep]) -> [PipelineStep] { steps }
    /// Concatenates the statements of a block.
    public static func buildBlock(_ parts: [PipelineStep]...) -> [PipelineStep] { parts.flatMap { $0 } }
    /// `if` without `else`.
    public static func buildOptional(_ part: [PipelineStep]?) -> [PipelineStep] { part ?? [] }
    /// `if`/`else` and `switch`, first branch.
    public static func buildEither(first part: [PipelineStep]) -> [PipelineStep] { part }
    /// `if`/`else` and `switch`, second branch.
    public static func buildEither(second part: [PipelineStep]) -> [PipelineStep] { part }
    /// `for` loops.
    public static func buildArray(_ parts: [[PipelineStep]]) -> [PipelineStep] { parts.flatMap { $0 } }
    /// `if #available`.
    public static func buildLimitedAvailability(_ part: [PipelineStep]) -> [PipelineStep] { part }
}
