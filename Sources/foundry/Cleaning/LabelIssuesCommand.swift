import ArgumentParser
import Cleaning
import Foundation
import FoundryCore

/// `foundry label-issues` (alias `issues-find`): confident-learning label-error finding on .npy inputs.
struct LabelIssuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label-issues",
        abstract: "Find likely label errors by confident learning (cleanlab 2.x find_label_issues).",
        discussion: """
            --labels is a .npy of n integer class indices (hard labels) or an n × k float array of soft labels \
            (reduced to their argmax). --probs is an n × k float .npy of out-of-sample predicted probabilities. \
            Prints the issue row indices, most severe first.
            """,
        aliases: ["issues-find"])

    @Option(help: "Labels: 1-D integer .npy (hard) or 2-D float .npy (soft, reduced by argmax).")
    var labels: String

    @Option(help: "Out-of-sample predicted probabilities: n × k float .npy.")
    var probs: String

    @Option(help: "Filter: prune_by_noise_rate, prune_by_class, both, confident_learning or predicted_neq_given.")
    var filter: LabelIssueFinder.FilterMode = .pruneByNoiseRate

    @Option(help: "Ranking: self_confidence or normalized_margin.")
    var rankBy: LabelIssueFinder.Ranking = .selfConfidence

    @Option(help: "Classes with at most this many examples are not pruned.")
    var minExamplesPerClass = 1

    @Option(help: "Comma-separated number of issues to remove per class (prune modes only), e.g. 5,3,4.")
    var numToRemovePerClass: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() async throws {
        let probabilities = try NumPyArray(contentsOf: URL(fileURLWithPath: probs))
        guard probabilities.shape.count == 2 else {
            throw CleaningError.invalidLabels(
                source: probs, reason: "expected a 2-D array (rows × classes), got shape \(probabilities.shape)")
        }
        let p = Matrix(rows: probabilities.shape[0], columns: probabilities.shape[1], values: probabilities.doubles())
        let labelArray = try NumPyArray(contentsOf: URL(fileURLWithPath: labels))
        var remove: [Int]?
        if let numToRemovePerClass {
            let parts = numToRemovePerClass.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--num-to-remove-per-class expects comma-separated whole numbers")
            }
            remove = parts.compactMap { $0 }
        }
        let finder = LabelIssueFinder(
            configuration: .init(
                filter: filter, rankBy: rankBy, minExamplesPerClass: minExamplesPerClass, numberToRemovePerClass: remove
            ))
        let issues: LabelIssueFinder.Issues
        if labelArray.shape.count == 1, labelArray.elementType.isInteger {
            issues = try finder.find(labels: labelArray.integers(), probabilities: p)
        } else if labelArray.shape.count == 2, !labelArray.elementType.isInteger {
            let soft = Matrix(rows: labelArray.shape[0], columns: labelArray.shape[1], values: labelArray.doubles())
            issues = try finder.find(softLabels: soft, probabilities: p)
        } else {
            throw CleaningError.invalidLabels(
                source: labels,
                reason:
                    "expected 1-D integer labels or 2-D float soft labels, got \(labelArray.elementType) with shape \(labelArray.shape)"
            )
        }
        if json {
            let object: [String: Any] = [
                "filter": filter.rawValue, "rank_by": rankBy.rawValue, "rows": p.rows, "classes": p.columns,
                "count": issues.ranked.count, "issues": issues.ranked, "confident_joint": issues.confidentJoint,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(
                "\(issues.ranked.count) likely label issues among \(p.rows) rows (\(filter.rawValue), ranked by \(rankBy.rawValue)):"
            )
            for row in issues.ranked { print(String(format: "%8d  %.6f", row, issues.qualityScores[row])) }
        }
    }
}

extension LabelIssueFinder.FilterMode: ExpressibleByArgument {}
extension LabelIssueFinder.Ranking: ExpressibleByArgument {}
