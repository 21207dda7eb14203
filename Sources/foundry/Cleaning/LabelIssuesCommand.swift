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
            --labels is a .npy of n integer class indices (the given labels); --probs an n × k float .npy of \
            out-of-sample predicted probabilities, each row summing to 1. Prints the likely issues, most severe first: \
            the row (0-based), its given label, the suggested label (the most probable class) and its label-quality \
            score (lower = more likely wrong).
            """,
        aliases: ["issues-find"])

    @Option(help: "Given labels: a 1-D integer .npy, one class index per row.")
    var labels: String

    @Option(help: "Out-of-sample predicted probabilities: n × k float .npy (rows sum to 1).")
    var probs: String

    @Option(name: .customLong("class-names"), help: "Names of the k classes, comma-separated (default 0, 1, …).")
    var classNames: String?

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

    /// One issue as printed.
    struct IssueRecord: Encodable {
        var row: Int
        var givenLabel: Int
        var givenClass: String
        var suggestedLabel: Int
        var suggestedClass: String
        var score: Double
    }

    /// The `--json` output.
    struct Record: Encodable {
        var filter: LabelIssueFinder.FilterMode
        var rankBy: LabelIssueFinder.Ranking
        var rows: Int
        var classes: Int
        var classNames: [String]
        var count: Int
        var issues: [IssueRecord]
        var confidentJoint: [[Int]]
    }

    func validate() throws {
        if let numToRemovePerClass {
            let parts = numToRemovePerClass.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--num-to-remove-per-class expects comma-separated whole numbers")
            }
        }
    }

    func run() async throws {
        let labelArray = try NumPyArray(contentsOf: URL(fileURLWithPath: labels))
        guard labelArray.elementType.isInteger, labelArray.elementType != .bool, labelArray.shape.count == 1 else {
            throw CleaningError.invalidLabels(
                source: labels,
                reason:
                    "expected the given labels as a 1-D integer .npy (one class index per row), got \(labelArray.elementType) with shape \(labelArray.shape)"
            )
        }
        let probabilityArray = try NumPyArray(contentsOf: URL(fileURLWithPath: probs))
        guard probabilityArray.shape.count == 2 else {
            throw CleaningError.invalidLabels(
                source: probs, reason: "expected a 2-D array (rows × classes), got shape \(probabilityArray.shape)")
        }
        let k = probabilityArray.shape[1]
        let names: [String]
        if let classNames {
            names = classNames.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard names.count == k else {
                throw CommandFailure("--class-names: \(names.count) names, but \(probs) has \(k) classes")
            }
        } else {
            names = (0..<k).map(String.init)
        }
        let probabilities = try SoftLabels(numPyFile: URL(fileURLWithPath: probs), classNames: names)
        let given = labelArray.integers()
        guard given.count == probabilities.rowCount else {
            throw CleaningError.invalidLabels(
                source: labels, reason: "\(given.count) labels, but \(probs) has \(probabilities.rowCount) rows")
        }
        if let row = given.firstIndex(where: { $0 < 0 || $0 >= k }) {
            throw CleaningError.invalidLabels(
                source: labels, reason: "row \(row): label \(given[row]) is not a class index 0…\(k - 1)")
        }
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
        let issues = try finder.find(labels: given, probabilities: probabilities)
        let records = issues.issues.map {
            IssueRecord(
                row: $0.row, givenLabel: $0.givenLabel, givenClass: names[$0.givenLabel],
                suggestedLabel: $0.suggestedLabel, suggestedClass: names[$0.suggestedLabel], score: $0.score)
        }
        if json {
            try printJSON(
                Record(
                    filter: filter, rankBy: rankBy, rows: probabilities.rowCount, classes: k, classNames: names,
                    count: records.count, issues: records, confidentJoint: issues.confidentJoint))
            return
        }
        print(
            "\(records.count) likely label issues among \(probabilities.rowCount) rows (\(filter.rawValue), ranked by \(rankBy.rawValue)):"
        )
        guard !records.isEmpty else { return }
        let header = ["row (0-based)", "given label", "suggested label", rankBy.rawValue]
        let rows = records.map {
            [String($0.row), $0.givenClass, $0.suggestedClass, String(format: "%.6f", $0.score)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == 3 ? padding + cell : cell + padding
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }
}

extension LabelIssueFinder.FilterMode: ExpressibleByArgument {}
extension LabelIssueFinder.Ranking: ExpressibleByArgument {}
