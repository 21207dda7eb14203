import Foundation
import Labeling

extension LabelingFunctionSection {
    /// Builds the section from a label matrix: snorkel's per-function summary (``LFAnalysis``) and the pairwise conflict
    /// matrix.
    ///
    /// `conflicts[i][j]` is the fraction of all n rows on which functions i and j both vote and vote different classes;
    /// the matrix is symmetric with a zero diagonal (all zeros for a matrix without rows).
    ///
    /// - Parameters:
    ///   - matrix: the votes.
    ///   - gold: one class per row (-1 = unknown), for empirical accuracies; nil when no gold labels exist.
    /// - Throws: ``LabelingError/invalidMatrix(source:reason:)`` when `gold` has the wrong length or a class outside
    ///   -1 … k − 1.
    /// - Complexity: O(n + Σ votesᵣ²) time over the rows r (pairs are counted only within a row's votes, so
    ///   abstentions cost nothing) and O(m²) memory for the m × m matrix.
    public static func build(matrix: LabelMatrix, gold: [Int]?) throws -> LabelingFunctionSection {
        let analysis = try LFAnalysis(matrix, goldLabels: gold)
        return LabelingFunctionSection(analysis: analysis, conflicts: conflictMatrix(matrix))
    }

    /// The m × m matrix of the fractions of rows on which two functions both vote and disagree.
    ///
    /// - Complexity: O(n + Σ votesᵣ²) time, O(m²) memory.
    public static func conflictMatrix(_ matrix: LabelMatrix) -> [[Double]] {
        let m = matrix.lfCount, n = matrix.rowCount
        var counts = [Int](repeating: 0, count: m * m)
        matrix.voteLFs.withUnsafeBufferPointer { lfs in
            matrix.voteClasses.withUnsafeBufferPointer { classes in
                for row in 0..<n {
                    let lower = matrix.rowOffsets[row], upper = matrix.rowOffsets[row + 1]
                    guard upper - lower > 1 else { continue }
                    for a in lower..<(upper - 1) {
                        let lfA = Int(lfs[a]), classA = classes[a]
                        for b in (a + 1)..<upper where classes[b] != classA {
                            let lfB = Int(lfs[b])
                            counts[lfA * m + lfB] += 1
                            counts[lfB * m + lfA] += 1
                        }
                    }
                }
            }
        }
        let total = Double(n)
        return (0..<m).map { i in (0..<m).map { j in n == 0 ? 0 : Double(counts[i * m + j]) / total } }
    }
}
