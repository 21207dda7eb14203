import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

// Command-line spellings of the label-model choices; the commands parse them into LabelModels' typed values.

extension LabelModelMethod: ExpressibleByArgument {}

extension AutoLabelModel.DevSelectionMetric: ExpressibleByArgument {}

/// `--class-balance` of `evaluate` and `bench labelmodels`: `uniform`, `valid` (the valid split's gold frequencies),
/// `estimated`, or the prior itself as comma-separated numbers.
extension LabelModelEvaluation.ClassBalanceChoice: ExpressibleByArgument {
    /// Parses `uniform`, `valid`, `estimated` or at least two comma-separated numbers.
    public init?(argument: String) {
        switch argument {
        case "uniform": self = .uniform
        case "valid": self = .valid
        case "estimated": self = .estimated
        default:
            guard let prior = parsePrior(argument) else { return nil }
            self = .given(prior)
        }
    }

    /// The spellings listed in help.
    public static var allValueStrings: [String] { ["uniform", "valid", "estimated", "p0,p1,…"] }
}

/// `--class-balance` of `fit`, which has no valid split: `uniform`, `estimated`, or the prior as comma-separated
/// numbers (checked against k when fitting).
extension ClassBalance: ExpressibleByArgument {
    /// Parses `uniform`, `estimated` or at least two comma-separated numbers.
    public init?(argument: String) {
        switch argument {
        case "uniform": self = .uniform
        case "estimated": self = .estimated
        default:
            guard let prior = parsePrior(argument) else { return nil }
            self = .given(prior)
        }
    }

    /// The spellings listed in help.
    public static var allValueStrings: [String] { ["uniform", "estimated", "p0,p1,…"] }
}

/// At least two comma-separated numbers, or `nil`.
private func parsePrior(_ argument: String) -> [Double]? {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map {
        Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard parts.count >= 2, parts.allSatisfy({ $0 != nil }) else { return nil }
    return parts.compactMap { $0 }
}

/// How hard labels are drawn from tied probabilities in reported scores.
enum TieBreakOption: String, ExpressibleByArgument, CaseIterable {
    /// snorkel's and WRENCH's deterministic SHA-1-of-row-index rule (the default, comparable with their figures).
    case hash
    /// Seeded uniform choice (`--seed`).
    case random
    /// The tied class with the largest class prior.
    case prior
    /// No prediction for tied rows (they count against coverage, not accuracy).
    case abstain

    static let help: ArgumentHelp =
        "How tied rows are labelled in scores: hash (snorkel/WRENCH's deterministic rule), random (seeded), prior or abstain."

    func policy(seed: UInt64) -> TieBreakPolicy {
        switch self {
        case .hash: .rowHash
        case .random: .random(seed: seed)
        case .prior: .prior
        case .abstain: .abstain
        }
    }
}

/// Settings of the moment-matching model (also used inside `auto`) and of auto's dev-set ranking, shared by `evaluate`,
/// `fit`, `train` and `bench labelmodels`; parsed into a ``LabelModelConfiguration``.
struct MomentOptions: ParsableArguments {
    @Option(help: "Pull toward the initial parameters for moments/auto (snorkel's l2).")
    var l2: Double?
    @Option(help: "Dependent (correlated) LF pairs for moments/auto, as 0-3,1-2 (LF column indices).")
    var dependencies: String?
    @Option(
        name: .customLong("prediction-floor"),
        help:
            "Smallest vote rate moments/auto predict with (default 0.01, the clip of snorkel 0.9's predict_proba; 0 = none)."
    )
    var predictionFloor: Double?
    @Option(
        name: .customLong("dev-metric"),
        help:
            "What ranks auto's candidates on a dev set: macro-f1 (the default) or accuracy (expected over tie draws). Needs a dev set."
    )
    var devMetric: AutoLabelModel.DevSelectionMetric?

    func validate() throws { _ = try configuration(.auto) }

    /// Whether any moment-matching setting (`--l2`, `--dependencies`, `--prediction-floor`) was given.
    var hasSettings: Bool { l2 != nil || dependencies != nil || predictionFloor != nil }

    /// The typed configuration of `method` with these settings (not yet validated; see
    /// ``LabelModelConfiguration/validate()``).
    ///
    /// - Throws: `ValidationError` for a `--dependencies` value that is not a list of pairs.
    func configuration(_ method: LabelModelMethod) throws -> LabelModelConfiguration {
        let pairs = try parseDependencies(dependencies)
        return LabelModelConfiguration(
            method: method, l2: l2, dependencies: pairs, predictionFloor: predictionFloor, devMetric: devMetric)
    }

    /// The unfitted model for `method` with these settings.
    ///
    /// - Throws: `ValidationError` for malformed `--dependencies`; ``LabelModelsError/invalidConfiguration(_:)`` for
    ///   settings out of range or not applying to `method`.
    func makeModel(_ method: LabelModelMethod) throws -> any LabelModel & Codable {
        try configuration(method).makeModel()
    }
}

/// `--dependencies 0-3,1-2` as pairs of LF column indices (`nil` when absent).
///
/// - Throws: `ValidationError` for a value that is not a list of pairs.
func parseDependencies(_ text: String?) throws -> [[Int]]? {
    try text.map { text in
        try text.split(separator: ",").map { pair in
            let parts = pair.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let a = parts[0], let b = parts[1] else {
                throw ValidationError("--dependencies: '\(pair)' is not a pair of LF column indices like 0-3")
            }
            return [a, b]
        }
    }
}

/// Gold labels from a 1-D integer `.npy` (`-1` = unknown), checked to have one per row of the matrix they go with.
///
/// - Throws: ``LabelModelsError/invalidInput(_:)`` naming the file when it is not n integers.
func readGoldLabels(_ path: String, rows: Int) throws -> [Int] {
    let array = try NumPyArray(contentsOf: URL(fileURLWithPath: path))
    guard array.elementType.isInteger, array.elementType != .bool, array.shape.count == 1, array.count == rows else {
        throw LabelModelsError.invalidInput(
            "\(path): expected \(rows) integer gold labels (a 1-D int .npy, -1 = unknown), got \(array.count) of "
                + "\(array.elementType) with shape \(array.shape)")
    }
    return array.integers()
}

/// Comma-separated class names (`--class-names ham,spam`), checked against k; `"0"`, `"1"`, … when absent.
///
/// - Throws: `ValidationError` when the count is not k.
func parseClassNames(_ argument: String?, cardinality: Int) throws -> [String] {
    guard let argument else { return LabelMatrix.defaultClassNames(cardinality) }
    let names = argument.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
    }
    guard names.count == cardinality else {
        throw CommandFailure("--class-names: \(names.count) names for \(cardinality) classes")
    }
    return names
}

/// Writes one line of text to standard error.
func printToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
