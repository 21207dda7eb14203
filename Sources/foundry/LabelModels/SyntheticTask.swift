import FoundryCore
import Foundation
import Labeling

/// A generated weak-supervision task with known labels: conditionally independent LFs (plus optional exact copies of
/// some, a dependency the models are not told about), one- or two-sided, over balanced or imbalanced classes.
///
/// The distribution is meant to cover the situations real LF sets put label models in, not to favour one model:
/// k ∈ {2, 2, 2, 3, 4}; m ∈ {4, 6, 10, 20, 40}; binary minority rate ∈ {0.5, 0.3, 0.15, 0.08} on a random class,
/// multiclass priors ~ Dirichlet(2); a fraction ∈ {0, 0.5, 0.9} of one-sided LFs (they vote one class and fire more
/// often on it, as keyword LFs do); LF coverage ~ U(0.02, c) with c ∈ {0.1, 0.3, 0.6}; LF accuracy ~ U(a, 0.95) with
/// a ∈ {0.5, 0.6, 0.7}; 0, 1 or 3 duplicated LFs.
struct SyntheticTask {
    var name: String
    var cardinality: Int
    var prior: [Double]
    /// The least frequent class: F1 is reported for it on binary tasks.
    var minorityClass: Int
    var oneSidedFraction: Double
    var maximumCoverage: Double
    var minimumAccuracy: Double
    var duplicatedLFs: Int
    var train: LabelMatrix
    var trainLabels: [Int]
    var test: LabelMatrix
    var testLabels: [Int]
    /// Labelled dev rows from the same task (empty unless asked for).
    var dev: LabelMatrix?
    var devLabels: [Int] = []

    /// Draws task number `index` from `generator`; `devRows` more rows come from a generator seeded with `devSeed`, so
    /// that asking for a dev set leaves every task's train and test rows, and the tasks after it, unchanged.
    init(
        index: Int, trainRows: Int, testRows: Int, devRows: Int = 0, devSeed: UInt64 = 0,
        generator: inout SeededGenerator
    ) {
        func pick<T>(_ values: [T]) -> T { values[Int(generator.next() % UInt64(values.count))] }
        name = String(format: "t%03d", index)
        let k = pick([2, 2, 2, 3, 4])
        let m = pick([4, 6, 10, 20, 40])
        let prior: [Double]
        if k == 2 {
            let minority = pick([0.5, 0.3, 0.15, 0.08])
            prior = generator.nextUnitDouble() < 0.5 ? [1 - minority, minority] : [minority, 1 - minority]
        } else {
            // Dirichlet(2, …, 2): normalised Gamma(2) draws, each the sum of two unit exponentials.
            let draws = (0..<k).map { _ in
                -log(max(generator.nextUnitDouble(), 1e-300)) - log(max(generator.nextUnitDouble(), 1e-300))
            }
            let total = draws.reduce(0, +)
            prior = draws.map { $0 / total }
        }
        let oneSidedFraction = pick([0.0, 0.5, 0.9])
        let maximumCoverage = pick([0.1, 0.3, 0.6])
        let minimumAccuracy = pick([0.5, 0.6, 0.7])
        let duplicatedLFs = pick([0, 0, 1, 3])

        // Per LF: one-sided LFs vote `votedClass` with P(vote | y = c) = tp and P(vote | y ≠ c) = fp, chosen so that the
        // LF covers `coverage` of rows and is right on `accuracy` of its votes; two-sided LFs fire with `coverage` and
        // are right with `accuracy`, else vote a uniformly drawn wrong class.
        struct LF { var oneSided: Bool, votedClass: Int, coverage: Double, accuracy: Double, tp: Double, fp: Double }
        var lfs: [LF] = []
        for _ in 0..<m {
            let coverage = 0.02 + (maximumCoverage - 0.02) * generator.nextUnitDouble()
            let accuracy = minimumAccuracy + (0.95 - minimumAccuracy) * generator.nextUnitDouble()
            let oneSided = generator.nextUnitDouble() < oneSidedFraction
            let votedClass = Int(generator.next() % UInt64(k))
            lfs.append(
                LF(
                    oneSided: oneSided, votedClass: votedClass, coverage: coverage, accuracy: accuracy,
                    tp: min(accuracy * coverage / prior[votedClass], 1),
                    fp: min((1 - accuracy) * coverage / (1 - prior[votedClass]), 1)))
        }
        let copies = (0..<duplicatedLFs).map { _ in Int(generator.next() % UInt64(m)) }
        let names = LabelMatrix.defaultLFNames(m + copies.count), classes = LabelMatrix.defaultClassNames(k)

        func draw(rows: Int, generator: inout SeededGenerator) -> (LabelMatrix, [Int]) {
            var builder = LabelMatrix.Builder(lfNames: names, classNames: classes)
            var labels: [Int] = []
            var votes = [Int](repeating: -1, count: m)
            for _ in 0..<rows {
                var u = generator.nextUnitDouble(), y = k - 1
                for c in 0..<k {
                    if u < prior[c] { y = c; break }
                    u -= prior[c]
                }
                labels.append(y)
                for (j, lf) in lfs.enumerated() {
                    votes[j] = -1
                    if lf.oneSided {
                        if generator.nextUnitDouble() < (y == lf.votedClass ? lf.tp : lf.fp) {
                            votes[j] = lf.votedClass
                        }
                    } else if generator.nextUnitDouble() < lf.coverage {
                        if generator.nextUnitDouble() < lf.accuracy {
                            votes[j] = y
                        } else {
                            let wrong = Int(generator.next() % UInt64(k - 1))
                            votes[j] = wrong >= y ? wrong + 1 : wrong
                        }
                    }
                }
                for (j, vote) in (votes + copies.map { votes[$0] }).enumerated() where vote >= 0 {
                    builder.appendVote(lf: j, classIndex: vote)
                }
                builder.finishRow()
            }
            return (builder.build(), labels)
        }
        (train, trainLabels) = draw(rows: trainRows, generator: &generator)
        (test, testLabels) = draw(rows: testRows, generator: &generator)
        if devRows > 0 {
            var devGenerator = SeededGenerator(seed: devSeed)
            let (matrix, labels) = draw(rows: devRows, generator: &devGenerator)
            (dev, devLabels) = (matrix, labels)
        }
        cardinality = k
        self.prior = prior
        minorityClass = prior.indices.min { prior[$0] < prior[$1] } ?? 0
        self.oneSidedFraction = oneSidedFraction
        self.maximumCoverage = maximumCoverage
        self.minimumAccuracy = minimumAccuracy
        self.duplicatedLFs = duplicatedLFs
    }
}
