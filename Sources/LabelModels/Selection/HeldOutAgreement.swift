import FoundryCore
import Labeling

/// A gold-free comparison of label models: how often each one, with a labeling function's votes hidden, predicts the
/// votes that function cast.
///
/// Each labeling function (or each group of functions known or detected to be correlated, hidden together) is a fold:
/// on the rows where the fold votes, its votes are removed and a model predicts from the rest; its credit on each hidden
/// vote is the probability its hard label — ties split evenly — gives the voted class. Under conditional independence,
/// for an LF with accuracy a on k classes and symmetric errors, a model of accuracy A agrees with that LF's vote with
/// probability A·a + (1 − A)(1 − a)/(k − 1): increasing in A whenever a > 1/k. So the difference in agreement between two
/// models estimates the difference in their accuracies (scaled by each LF's 2a − 1 in the binary case), with no gold
/// label — an agreement-with-a-held-out-annotator check as in unsupervised ensemble evaluation (Platanios et al. 2014).
/// Correlated LFs left visible would agree with the hidden one beyond the label, which is why a group is hidden whole.
struct HeldOutAgreement {
    /// One fold: the rows where it votes with its votes removed, and the hidden votes (row in `masked`, class).
    struct Fold {
        var masked: LabelMatrix
        var hidden: [(row: Int, classIndex: Int)]
    }

    let folds: [Fold]
    /// Total hidden votes over all folds.
    let voteCount: Int

    /// Builds the folds of `matrix`: one per group of `groups` (each a set of correlated LF indices) and one per other
    /// LF, each on at most `maximumRowsPerFold` of the rows where it votes (evenly spaced).
    init(_ matrix: LabelMatrix, groups: [[Int]], maximumRowsPerFold: Int = 4_000) {
        var foldOf = [Int](repeating: -1, count: matrix.lfCount)
        var members: [[Int]] = []
        for group in groups where !group.isEmpty {
            for lf in group where lf < matrix.lfCount { foldOf[lf] = members.count }
            members.append(group)
        }
        for lf in 0..<matrix.lfCount where foldOf[lf] < 0 {
            foldOf[lf] = members.count
            members.append([lf])
        }
        var rowsOf = [[Int]](repeating: [], count: members.count)
        for row in 0..<matrix.rowCount {
            var last = -1
            for index in matrix.rowOffsets[row]..<matrix.rowOffsets[row + 1] {
                let fold = foldOf[Int(matrix.voteLFs[index])]
                if fold != last, rowsOf[fold].last != row { rowsOf[fold].append(row) }
                last = fold
            }
        }
        var folds: [Fold] = []
        var votes = 0
        for (fold, rows) in rowsOf.enumerated() where !rows.isEmpty {
            // Sampled among the fold's rows evenly; rows where only the fold votes are skipped below.
            let chosen =
                rows.count <= maximumRowsPerFold
                ? rows : (0..<maximumRowsPerFold).map { rows[$0 * rows.count / maximumRowsPerFold] }
            var builder = LabelMatrix.Builder(lfNames: matrix.lfNames, classNames: matrix.classNames)
            var hidden: [(row: Int, classIndex: Int)] = []
            var position = 0
            for row in chosen {
                // Only rows where another fold votes too: on a row left without votes a model has only its prior and
                // the LFs' silence, and the hidden votes' class frequencies would reward whichever prior matches them.
                let range = matrix.rowOffsets[row]..<matrix.rowOffsets[row + 1]
                guard range.contains(where: { foldOf[Int(matrix.voteLFs[$0])] != fold }) else { continue }
                for index in range {
                    let lf = Int(matrix.voteLFs[index]), c = Int(matrix.voteClasses[index])
                    if foldOf[lf] == fold {
                        hidden.append((position, c))
                    } else {
                        builder.appendVote(lf: lf, classIndex: c)
                    }
                }
                builder.finishRow()
                position += 1
            }
            guard position > 0 else { continue }
            votes += hidden.count
            folds.append(Fold(masked: builder.build(), hidden: hidden))
        }
        self.folds = folds
        self.voteCount = votes
    }

    /// Per hidden vote, the credit of the model whose probabilities `predict` returns: the share its hard label (ties
    /// split evenly) gives the hidden class. In fold order, then vote order.
    func credits(_ predict: (LabelMatrix) throws -> Matrix) rethrows -> [Double] {
        var credits: [Double] = []
        credits.reserveCapacity(voteCount)
        for fold in folds {
            let p = try predict(fold.masked)
            let k = p.columns
            for (row, c) in fold.hidden {
                var top = -Double.infinity
                for j in 0..<k { top = max(top, p[row, j]) }
                var tied = 0
                for j in 0..<k where p[row, j] >= top - 1e-12 { tied += 1 }
                credits.append(p[row, c] >= top - 1e-12 ? 1 / Double(tied) : 0)
            }
        }
        return credits
    }

    /// The mean difference `candidate − baseline` of two credit lists and its standard error.
    static func difference(_ candidate: [Double], _ baseline: [Double]) -> (mean: Double, standardError: Double) {
        let n = min(candidate.count, baseline.count)
        guard n > 1 else { return (0, .infinity) }
        var sum = 0.0, squares = 0.0
        for i in 0..<n {
            let d = candidate[i] - baseline[i]
            sum += d
            squares += d * d
        }
        let mean = sum / Double(n)
        let variance = max(0, squares / Double(n) - mean * mean) * Double(n) / Double(n - 1)
        return (mean, (variance / Double(n)).squareRoot())
    }
}
