import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// `foundry labelmodel analyze`: ``Identifiability/analyze(_:dependencies:)`` on a label matrix — which label-model
/// families its votes determine, and why.
struct LabelModelAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Which label models the votes of a label matrix determine (identifiability), and why.",
        discussion: """
            Checks each family's condition on the training votes: wmv and triplet need three independent LFs voting \
            two or more classes that agree better than chance; moments needs every class voted by three independent \
            LFs; ds needs 2⌈log₂ k⌉ + 1 independent LFs. Declared dependencies (--dependencies) and detected \
            near-copies count as one LF. auto never uses a family whose condition fails. Pairs that vote together \
            more often than conditionally independent LFs can are listed as suspected dependencies, to declare if \
            they are.
            """)

    @Option(help: "A WRENCH dataset folder: its train split's weak labels are analysed (no gold labels are read).")
    var wrench: String?
    @Option(help: "Or a label matrix (.npy, integer, -1 = abstain).")
    var matrix: String?
    @Option(help: "Number of classes k (with --matrix).")
    var cardinality: Int?
    @Option(help: "Dependent (correlated) LF pairs, as 0-3,1-2 (LF column indices).")
    var dependencies: String?
    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard (wrench == nil) != (matrix == nil) else {
            throw ValidationError("give the votes as --wrench DIR or as --matrix L.npy --cardinality K")
        }
        guard matrix == nil || cardinality != nil else { throw ValidationError("--matrix needs --cardinality") }
        guard cardinality.map({ $0 >= 2 }) ?? true else { throw ValidationError("--cardinality must be at least 2") }
        guard wrench == nil || cardinality == nil else {
            throw ValidationError("--cardinality goes with --matrix (a WRENCH folder names its classes)")
        }
        _ = try parseDependencies(dependencies)
    }

    func run() throws {
        let labels: LabelMatrix
        let source: String
        if let wrench {
            labels = try withSplitHints {
                try EvaluationSplits.load(URL(fileURLWithPath: wrench)).train.labelMatrix
            }
            source = wrench
        } else {
            labels = try LabelMatrix(
                numPyFile: URL(fileURLWithPath: matrix ?? ""), cardinality: cardinality ?? 2)
            source = matrix ?? ""
        }
        let pairs = try parseDependencies(dependencies) ?? []
        for pair in pairs where pair.contains(where: { $0 >= labels.lfCount }) {
            throw CommandFailure(
                "--dependencies: \(pair[0])-\(pair[1]) names an LF column beyond the \(labels.lfCount) of \(source)")
        }
        let analysis = Identifiability.analyze(labels, dependencies: pairs)
        if json {
            try printJSON(analysis)
            return
        }
        print(
            "\(source): \(analysis.rows) rows, \(analysis.lfCount) LFs (\(analysis.oneClassLFs) voting one class), "
                + "\(analysis.cardinality) classes, \(analysis.independentSources) independent sources")
        if !analysis.groups.isEmpty {
            let names = analysis.groups.map { group in group.map { labels.lfNames[$0] }.joined(separator: "+") }
            print("  counted as one: " + names.joined(separator: ", "))
        }
        if let bound = analysis.suspectedDependencies.first?.independentBound {
            let shown = analysis.suspectedDependencies.sorted { $0.coVoteLift > $1.coVoteLift }.prefix(20)
            print(
                "  suspected dependencies (\(analysis.suspectedDependencies.count) pair"
                    + "\(analysis.suspectedDependencies.count == 1 ? "" : "s") co-vote beyond the lift of "
                    + "\(String(format: "%.2f", bound)) conditionally independent LFs can reach; not used unless declared "
                    + "with --dependencies): "
                    + shown.map {
                        "\(labels.lfNames[$0.lfs[0]])+\(labels.lfNames[$0.lfs[1]]) "
                            + "(\($0.lfs[0])-\($0.lfs[1]), lift \(String(format: "%.2f", $0.coVoteLift)))"
                    }.joined(separator: ", ")
                    + (shown.count < analysis.suspectedDependencies.count ? ", …" : ""))
        }
        if !analysis.suspectedCopies.isEmpty {
            let clusters = analysis.suspectedCopies.map { $0.map { labels.lfNames[$0] }.joined(separator: "+") }
            print(
                "  suspected copies (a lift ≥ \(String(format: "%.0f", Identifiability.copyLiftRatio))× the median of "
                    + "LFs voting the same classes; auto counts each once where silence is evidence): "
                    + clusters.joined(separator: ", "))
        }
        print(
            "  independent LFs voting each class: "
                + zip(labels.classNames, analysis.sourcesPerClass).map { "\($0) \($1)" }.joined(separator: ", "))
        for verdict in analysis.verdicts {
            print(
                "  \(verdict.method.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))"
                    + "\(verdict.supported ? "supported    " : "NOT supported")  \(verdict.reason)"
                    + "  [needs \(verdict.condition)]")
        }
    }
}
