import Foundation
import FoundryCore

/// A weak-supervision task with known parameters, for testing label models by recovering what generated the votes.
///
/// Rows draw a hidden class from ``classPrior``; each labeling function then votes independently given that class
/// (conditional independence, the assumption Dawid & Skene 1979, Ratner et al. 2019 and Fu et al. 2020 all make), and
/// optional ``copies`` append exact duplicates of some columns — a dependency the models are not told about.
///
/// - A **two-sided** function (``LabelingFunction/votedClass`` `nil`) votes on a row with probability
///   ``LabelingFunction/coverage``; its vote is the hidden class with probability ``LabelingFunction/accuracy``, else
///   a uniformly drawn wrong class. With accuracy 1/k its votes are pure noise, independent of the class.
/// - A **one-sided** function votes only its ``LabelingFunction/votedClass`` c, as keyword functions do, with
///   P(vote | y = c) = min(accuracy · coverage / prior[c], 1) and P(vote | y ≠ c) = min((1 − accuracy) · coverage /
///   (1 − prior[c]), 1), so that it covers `coverage` of the rows and is right on `accuracy` of its votes.
/// - An **echo** (``LabelingFunction/echo``) repeats an earlier function's vote on a share of the rows and votes on
///   its own otherwise: correlated functions, as paraphrased prompts to a language model are.
///
/// Sampling is seeded and its draws are fixed: per row one unit draw for the class (inverse CDF over the prior, in
/// class order), then per function in column order (an echo first draws whether it repeats its source, and draws
/// nothing more when it does) one draw to vote or not, and for a two-sided vote one for right or wrong plus one for
/// the wrong class. The same task, row count and generator state give the same bits everywhere.
/// ``random(using:)`` draws whole tasks from the distribution `foundry bench labelmodel-robustness` scores.
public struct SyntheticLabelingTask: Sendable, Equatable, Codable {
    /// How one generated labeling function votes.
    public struct LabelingFunction: Sendable, Equatable, Codable {
        /// Fraction of rows the function votes on, in 0…1.
        public var coverage: Double
        /// Fraction of its votes that are the hidden class, in 0…1.
        public var accuracy: Double
        /// The one class a one-sided function votes; `nil` for a two-sided function.
        public var votedClass: Int?
        /// The earlier function this one echoes, as paraphrased prompts echo each other: `nil` for an independent
        /// function.
        public var echo: Echo?

        /// Creates a labeling function.
        ///
        /// - Parameters:
        ///   - coverage: the fraction of rows it votes on (when it does not echo its source).
        ///   - accuracy: the fraction of its votes that are right (when it does not echo its source).
        ///   - votedClass: the one class it votes (one-sided), or `nil` (two-sided: it votes any class).
        ///   - echo: the earlier function it repeats, and how often; `nil` for an independent function.
        public init(coverage: Double, accuracy: Double, votedClass: Int? = nil, echo: Echo? = nil) {
            self.coverage = coverage
            self.accuracy = accuracy
            self.votedClass = votedClass
            self.echo = echo
        }
    }

    /// How a function depends on an earlier one: on each row, with probability ``fidelity`` it repeats the source's
    /// vote (abstaining when the source abstains); otherwise it votes independently by its own coverage and accuracy.
    /// A fidelity of 1 is an exact copy; 0 an independent function.
    public struct Echo: Sendable, Equatable, Codable {
        /// The column index of the function repeated; it must come before the echoing function.
        public var source: Int
        /// The probability of repeating the source's vote on a row, in 0…1.
        public var fidelity: Double

        /// Creates an echo of function `source` with this fidelity.
        public init(source: Int, fidelity: Double) {
            self.source = source
            self.fidelity = fidelity
        }
    }

    /// A sample of rows: the votes and the hidden classes that produced them.
    public struct Sample: Sendable, Equatable {
        /// The votes, with LF names `lf_0`… and class names `"0"`….
        public var matrix: LabelMatrix
        /// The hidden class of each row.
        public var labels: [Int]
    }

    /// The class prior P(Y = c), one entry per class (k ≥ 2, summing to 1).
    public var classPrior: [Double]
    /// The conditionally independent labeling functions, in column order.
    public var labelingFunctions: [LabelingFunction]
    /// Indices into ``labelingFunctions`` whose votes are repeated, in this order, as extra columns after them.
    public var copies: [Int]

    /// Creates a task.
    ///
    /// - Parameters:
    ///   - classPrior: P(Y = c) for each class; k = `classPrior.count` ≥ 2.
    ///   - labelingFunctions: the independent functions.
    ///   - copies: functions whose votes reappear as extra, exactly dependent columns.
    /// - Precondition: the prior has 2…65535 positive entries; every coverage and accuracy lies in 0…1; voted classes
    ///   and copies are valid indices. (Parameters come from the calling code; files never reach here.)
    public init(classPrior: [Double], labelingFunctions: [LabelingFunction], copies: [Int] = []) {
        precondition(
            classPrior.count >= 2 && classPrior.count <= LabelMatrix.maximumDimension, "need 2…65535 classes")
        precondition(classPrior.allSatisfy { $0 > 0 && $0 <= 1 }, "class prior entries must lie in (0, 1]")
        precondition(
            labelingFunctions.allSatisfy {
                (0...1).contains($0.coverage) && (0...1).contains($0.accuracy)
                    && ($0.votedClass.map { (0..<classPrior.count).contains($0) } ?? true)
            }, "coverages and accuracies lie in 0…1, voted classes in 0..<k")
        precondition(
            labelingFunctions.indices.allSatisfy { j in
                labelingFunctions[j].echo.map { (0..<j).contains($0.source) && (0...1).contains($0.fidelity) } ?? true
            }, "an echo names an earlier function and a fidelity in 0…1")
        precondition(copies.allSatisfy { labelingFunctions.indices.contains($0) }, "copies name existing LFs")
        precondition(labelingFunctions.count + copies.count <= LabelMatrix.maximumDimension, "too many LFs")
        self.classPrior = classPrior
        self.labelingFunctions = labelingFunctions
        self.copies = copies
    }

    /// Number of classes k.
    public var cardinality: Int { classPrior.count }

    /// Number of columns of a sample: the functions plus their copies.
    public var columnCount: Int { labelingFunctions.count + copies.count }

    /// The least likely class (the lowest index among equally likely ones): F1 is reported for it on binary tasks.
    public var minorityClass: Int { classPrior.indices.min { classPrior[$0] < classPrior[$1] } ?? 0 }

    /// Draws `rows` rows.
    ///
    /// - Parameters:
    ///   - rows: the number of rows (≥ 0).
    ///   - generator: the random source; it advances by the draws described on the type.
    /// - Returns: the votes and the hidden classes.
    /// - Complexity: O(rows · m).
    public func sample(rows: Int, using generator: inout SeededGenerator) -> Sample {
        precondition(rows >= 0, "row count must not be negative")
        let k = cardinality, m = labelingFunctions.count
        let prior = classPrior
        // Per function: the probability of a vote given the row's class is / is not the voted class (one-sided).
        let voteIfVotedClass = labelingFunctions.map { lf in
            lf.votedClass.map { min(lf.accuracy * lf.coverage / prior[$0], 1) } ?? lf.coverage
        }
        let voteOtherwise = labelingFunctions.map { lf in
            lf.votedClass.map { min((1 - lf.accuracy) * lf.coverage / (1 - prior[$0]), 1) } ?? lf.coverage
        }
        let expectedVotes =
            Double(rows) * (voteIfVotedClass.reduce(0, +) + copies.map { voteIfVotedClass[$0] }.reduce(0, +))
        var builder = LabelMatrix.Builder(
            lfNames: LabelMatrix.defaultLFNames(columnCount), classNames: LabelMatrix.defaultClassNames(k),
            expectedVotes: Int(min(expectedVotes * 1.05, Double(rows * columnCount))))
        var labels: [Int] = []
        labels.reserveCapacity(rows)
        var votes = [Int](repeating: -1, count: m)
        for _ in 0..<rows {
            let y = Self.drawClass(prior, &generator)
            labels.append(y)
            for (j, lf) in labelingFunctions.enumerated() {
                votes[j] = -1
                // An echo draws once more, before its own vote: functions without one draw exactly as before.
                if let echo = lf.echo, generator.nextUnitDouble() < echo.fidelity {
                    votes[j] = votes[echo.source]
                } else if let votedClass = lf.votedClass {
                    if generator.nextUnitDouble() < (y == votedClass ? voteIfVotedClass[j] : voteOtherwise[j]) {
                        votes[j] = votedClass
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
            for (j, vote) in votes.enumerated() where vote >= 0 { builder.appendVote(lf: j, classIndex: vote) }
            for (offset, source) in copies.enumerated() where votes[source] >= 0 {
                builder.appendVote(lf: m + offset, classIndex: votes[source])
            }
            builder.finishRow()
        }
        return Sample(matrix: builder.build(), labels: labels)
    }

    /// Draws `rows` rows from a generator seeded with `seed`.
    ///
    /// - Complexity: O(rows · m).
    public func sample(rows: Int, seed: UInt64) -> Sample {
        var generator = SeededGenerator(seed: seed)
        return sample(rows: rows, using: &generator)
    }

    /// Draws `rows` rows in time proportional to the votes rather than to rows × functions, for very wide tasks.
    ///
    /// Every function must be two-sided and independent (no echo) with one shared coverage c: the gap to the next voting function is drawn
    /// geometrically (⌊log u / log(1 − c)⌋), so a row costs O(1 + its votes). The votes follow the same distribution
    /// as ``sample(rows:using:)`` but not the same draws. Copies are not supported.
    ///
    /// - Precondition: all functions two-sided and independent with the same coverage in (0, 1); no copies.
    /// - Complexity: O(rows · log k + votes).
    public func sampleSkippingAbstentions(rows: Int, using generator: inout SeededGenerator) -> Sample {
        precondition(rows >= 0, "row count must not be negative")
        let coverage = labelingFunctions.first?.coverage ?? 0.5
        precondition(
            labelingFunctions.allSatisfy { $0.votedClass == nil && $0.echo == nil && $0.coverage == coverage }
                && copies.isEmpty && coverage > 0 && coverage < 1,
            "skipping abstentions needs independent two-sided functions sharing one coverage in (0, 1), without copies")
        let k = cardinality, m = labelingFunctions.count
        var cumulative = [Double](repeating: 0, count: k)
        var total = 0.0
        for c in 0..<k {
            total += classPrior[c]
            cumulative[c] = total
        }
        var builder = LabelMatrix.Builder(
            lfNames: LabelMatrix.defaultLFNames(m), classNames: LabelMatrix.defaultClassNames(k),
            expectedVotes: Int(Double(rows * m) * coverage * 1.1))
        var labels = [Int](repeating: 0, count: rows)
        let logSkip = log(1 - coverage)
        func skip(_ generator: inout SeededGenerator) -> Int {
            Int(log(max(generator.nextUnitDouble(), 1e-300)) / logSkip)
        }
        for row in 0..<rows {
            // Inverse CDF by binary search: the first class whose cumulative prior exceeds u (the last on round-off).
            let u = generator.nextUnitDouble()
            var low = 0, high = k - 1
            while low < high {
                let middle = (low + high) / 2
                if u < cumulative[middle] { high = middle } else { low = middle + 1 }
            }
            let y = low
            labels[row] = y
            var lf = skip(&generator)
            while lf < m {
                if generator.nextUnitDouble() < labelingFunctions[lf].accuracy {
                    builder.appendVote(lf: lf, classIndex: y)
                } else {
                    let wrong = Int(generator.next() % UInt64(k - 1))
                    builder.appendVote(lf: lf, classIndex: wrong >= y ? wrong + 1 : wrong)
                }
                lf += 1 + skip(&generator)
            }
            builder.finishRow()
        }
        return Sample(matrix: builder.build(), labels: labels)
    }

    /// One unit draw, mapped to a class by the inverse CDF of `prior` in class order (the last class on round-off).
    @inline(__always)
    private static func drawClass(_ prior: [Double], _ generator: inout SeededGenerator) -> Int {
        var u = generator.nextUnitDouble()
        for c in prior.indices {
            if u < prior[c] { return c }
            u -= prior[c]
        }
        return prior.count - 1
    }
}

extension SyntheticLabelingTask {
    /// The settings a random task was drawn with (see ``random(using:)``).
    public struct Scenario: Sendable, Equatable, Codable {
        /// The probability that a function is one-sided.
        public var oneSidedFraction: Double
        /// The largest coverage a function was drawn with.
        public var maximumCoverage: Double
        /// The smallest accuracy a function was drawn with.
        public var minimumAccuracy: Double
        /// How many copied (exactly dependent) columns the task has.
        public var duplicatedLFs: Int
    }

    /// Draws a task from the distribution `foundry bench labelmodel-robustness` scores, meant to cover the situations
    /// real LF sets put label models in rather than to favour one model.
    ///
    /// k ∈ {2, 2, 2, 3, 4}; m ∈ {4, 6, 10, 20, 40}; a binary minority rate ∈ {0.5, 0.3, 0.15, 0.08} on a random class,
    /// multiclass priors ~ Dirichlet(2); a fraction ∈ {0, 0.5, 0.9} of one-sided functions; coverage ~ U(0.02, c) with
    /// c ∈ {0.1, 0.3, 0.6}; accuracy ~ U(a, 0.95) with a ∈ {0.5, 0.6, 0.7}; 0, 1 or 3 copied functions (0 twice as
    /// likely). The draws, in order: k, m, the prior, the scenario's four settings, then per function coverage,
    /// accuracy, sidedness and voted class, then the copied functions.
    ///
    /// - Parameter generator: the random source; the same state gives the same task.
    /// - Returns: the task and the settings it was drawn with.
    public static func random(using generator: inout SeededGenerator) -> (
        task: SyntheticLabelingTask, scenario: Scenario
    ) {
        func pick<T>(_ values: [T]) -> T { values[Int(generator.next() % UInt64(values.count))] }
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
        let scenario = Scenario(
            oneSidedFraction: pick([0.0, 0.5, 0.9]), maximumCoverage: pick([0.1, 0.3, 0.6]),
            minimumAccuracy: pick([0.5, 0.6, 0.7]), duplicatedLFs: pick([0, 0, 1, 3]))
        var functions: [LabelingFunction] = []
        for _ in 0..<m {
            let coverage = 0.02 + (scenario.maximumCoverage - 0.02) * generator.nextUnitDouble()
            let accuracy = scenario.minimumAccuracy + (0.95 - scenario.minimumAccuracy) * generator.nextUnitDouble()
            let oneSided = generator.nextUnitDouble() < scenario.oneSidedFraction
            let votedClass = Int(generator.next() % UInt64(k))
            functions.append(
                LabelingFunction(coverage: coverage, accuracy: accuracy, votedClass: oneSided ? votedClass : nil))
        }
        let copies = (0..<scenario.duplicatedLFs).map { _ in Int(generator.next() % UInt64(m)) }
        return (SyntheticLabelingTask(classPrior: prior, labelingFunctions: functions, copies: copies), scenario)
    }
}
