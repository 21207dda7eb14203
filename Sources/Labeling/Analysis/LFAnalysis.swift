import Foundation

/// Per-labeling-function statistics of a ``LabelMatrix``, with snorkel 0.10's `LFAnalysis.lf_summary` definitions.
///
/// For n rows and each labeling function j:
/// - **polarity**: the sorted classes j ever votes;
/// - **coverage**: the fraction of rows where j votes;
/// - **overlaps**: the fraction of rows where j votes and at least one other function votes too;
/// - **conflicts**: the fraction of rows where j votes and the row holds at least two different votes
///   (snorkel counts the row for j even when j agrees with some of them);
/// - given gold labels: **correct** / **incorrect**, j's votes equal / different to the gold class on rows
///   that have a gold class (gold -1 = unknown is skipped, as sklearn's confusion matrix with label -1
///   dropped does); **empirical accuracy** = ½·(Σ ±1 / votes + 1), where a vote on a row without gold
///   counts as wrong, and 0 for a function that never votes (snorkel's `nan_to_num`).
///
/// Totals are snorkel's `label_coverage`, `label_overlap` and `label_conflict`: the fractions of rows
/// with at least one vote, at least two votes, and at least two different votes.
public struct LFAnalysis: Sendable, Codable, Equatable {
    /// One row of the summary.
    public struct LFSummary: Sendable, Codable, Equatable {
        /// Column index j.
        public let index: Int
        /// The function's name.
        public let name: String
        /// Sorted classes voted.
        public let polarity: [Int]
        /// Fraction of rows voted.
        public let coverage: Double
        /// Fraction of rows voted where another function also votes.
        public let overlaps: Double
        /// Fraction of rows voted that hold conflicting votes.
        public let conflicts: Double
        /// Number of votes (coverage · n).
        public let votes: Int
        /// Votes equal to the gold class (nil without gold labels).
        public let correct: Int?
        /// Votes different from a known gold class (nil without gold labels).
        public let incorrect: Int?
        /// Empirical accuracy (nil without gold labels).
        public let empiricalAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case index = "j", name, polarity, coverage, overlaps, conflicts, votes, correct, incorrect
            case empiricalAccuracy = "empirical_accuracy"
        }
    }

    /// Number of rows.
    public let rowCount: Int
    /// Class names of the matrix.
    public let classNames: [String]
    /// One summary per labeling function, in column order.
    public let lfs: [LFSummary]
    /// Fraction of rows with at least one vote.
    public let coverage: Double
    /// Fraction of rows with at least two votes.
    public let overlap: Double
    /// Fraction of rows with at least two different votes.
    public let conflict: Double
    /// Total number of votes.
    public let totalVotes: Int

    enum CodingKeys: String, CodingKey {
        case rowCount = "rows", classNames = "class_names", lfs, coverage, overlap, conflict
        case totalVotes = "total_votes"
    }

    /// Analyses `matrix`, optionally against gold labels.
    ///
    /// - Parameters:
    ///   - matrix: the votes.
    ///   - goldLabels: one class per row (-1 = unknown), or nil.
    /// - Throws: ``LabelingError/invalidMatrix(source:reason:)`` when `goldLabels` has the wrong length or a class ≥ k.
    /// - Complexity: O(n + number of votes).
    public init(_ matrix: LabelMatrix, goldLabels: [Int]? = nil) throws {
        let n = matrix.rowCount, m = matrix.lfCount, k = matrix.cardinality
        if let goldLabels {
            guard goldLabels.count == n else {
                throw LabelingError.invalidMatrix(
                    source: "gold labels", reason: "\(goldLabels.count) gold labels for \(n) rows")
            }
            if let bad = goldLabels.firstIndex(where: { $0 < -1 || $0 >= k }) {
                throw LabelingError.invalidMatrix(
                    source: "gold labels",
                    reason: "row \(bad): gold label \(goldLabels[bad]) is outside -1 (unknown) … \(k - 1)")
            }
        }
        var votes = [Int](repeating: 0, count: m)
        var overlaps = [Int](repeating: 0, count: m)
        var conflicts = [Int](repeating: 0, count: m)
        var correct = [Int](repeating: 0, count: m)
        var incorrect = [Int](repeating: 0, count: m)
        var signedSum = [Int](repeating: 0, count: m)
        var polarity = [[Bool]](repeating: [Bool](repeating: false, count: k), count: m)
        var covered = 0, overlapped = 0, conflicted = 0
        matrix.voteLFs.withUnsafeBufferPointer { lfs in
            matrix.voteClasses.withUnsafeBufferPointer { classes in
                for row in 0..<n {
                    let lower = matrix.rowOffsets[row], upper = matrix.rowOffsets[row + 1]
                    let count = upper - lower
                    if count == 0 { continue }
                    covered += 1
                    let isOverlap = count > 1
                    var isConflict = false
                    if isOverlap {
                        overlapped += 1
                        let first = classes[lower]
                        for index in (lower + 1)..<upper where classes[index] != first {
                            isConflict = true
                            break
                        }
                        if isConflict { conflicted += 1 }
                    }
                    let gold = goldLabels?[row] ?? -1
                    for index in lower..<upper {
                        let lf = Int(lfs[index]), vote = Int(classes[index])
                        votes[lf] += 1
                        polarity[lf][vote] = true
                        if isOverlap { overlaps[lf] += 1 }
                        if isConflict { conflicts[lf] += 1 }
                        if goldLabels != nil {
                            if vote == gold {
                                correct[lf] += 1
                                signedSum[lf] += 1
                            } else {
                                if gold >= 0 { incorrect[lf] += 1 }
                                signedSum[lf] -= 1
                            }
                        }
                    }
                }
            }
        }
        let total = Double(n)
        func fraction(_ count: Int) -> Double { n == 0 ? 0 : Double(count) / total }
        lfs = (0..<m).map { lf in
            let accuracy: Double? =
                goldLabels == nil ? nil : (votes[lf] == 0 ? 0 : 0.5 * (Double(signedSum[lf]) / Double(votes[lf]) + 1))
            return LFSummary(
                index: lf, name: matrix.lfNames[lf], polarity: (0..<k).filter { polarity[lf][$0] },
                coverage: fraction(votes[lf]), overlaps: fraction(overlaps[lf]), conflicts: fraction(conflicts[lf]),
                votes: votes[lf], correct: goldLabels == nil ? nil : correct[lf],
                incorrect: goldLabels == nil ? nil : incorrect[lf], empiricalAccuracy: accuracy)
        }
        rowCount = n
        classNames = matrix.classNames
        coverage = fraction(covered)
        overlap = fraction(overlapped)
        conflict = fraction(conflicted)
        totalVotes = matrix.voteCount
    }

    /// Whether gold labels were given.
    public var hasGoldLabels: Bool { lfs.first?.correct != nil }

    /// The summary as an aligned text table (one line per function, then the totals).
    public func table() -> String {
        var header = ["j", "name", "polarity", "coverage", "overlaps", "conflicts"]
        if hasGoldLabels { header += ["correct", "incorrect", "emp. acc."] }
        var rows: [[String]] = [header]
        for lf in lfs {
            var row = [
                String(lf.index), lf.name, "[" + lf.polarity.map { classNames[$0] }.joined(separator: ", ") + "]",
                Self.format(lf.coverage), Self.format(lf.overlaps), Self.format(lf.conflicts),
            ]
            if let correct = lf.correct, let incorrect = lf.incorrect, let accuracy = lf.empiricalAccuracy {
                row += [String(correct), String(incorrect), Self.format(accuracy)]
            }
            rows.append(row)
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        let numeric: Set<Int> = [0, 3, 4, 5, 6, 7, 8]
        var lines = rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ")
        }
        lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
        lines.append(
            "\(rowCount) rows, \(lfs.count) LFs, \(totalVotes) votes; coverage \(Self.format(coverage)), "
                + "overlap \(Self.format(overlap)), conflict \(Self.format(conflict))")
        return lines.joined(separator: "\n")
    }

    /// The summary as JSON (snake_case keys; `j` is the column index).
    public func json(prettyPrinted: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            prettyPrinted
            ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
