import Foundation
import FoundryCore

extension SyntheticLabelingTask {
    /// A kind of real weak-supervision task, described by the ranges the generator draws such tasks from
    /// (``random(shape:using:)``): how many classes and how unbalanced, how many keyword-style (one-class) and
    /// multi-class functions, how good they are, how many sit near or below chance, clusters of correlated functions
    /// (echoes, as paraphrased prompts are), the share of rows no function covers, and the number of rows.
    ///
    /// An LF's quality q places its accuracy between chance and perfect: a multi-class function is right on
    /// 1/k + q·(1 − 1/k) of its votes, a one-class function voting c on p_c + q·(1 − p_c) of them (chance for a keyword is
    /// the class's own frequency). Near-chance functions draw q from −0.15…0.1, so some are below chance.
    /// ``standard`` is the suite `foundry bench labelmodels --generated` scores.
    public struct Shape: Sendable, Equatable, Codable {
        /// The shape's name (`keyword-topics`, …).
        public var name: String
        /// One line saying what real tasks it stands for.
        public var summary: String
        /// Number of classes k.
        public var classes: ClosedRange<Int>
        /// Training rows, drawn log-uniformly.
        public var rows: ClosedRange<Int>
        /// Ratio of the most to the least frequent class's prior (1 = balanced), drawn log-uniformly; the classes in
        /// between are spaced geometrically, in random order.
        public var imbalance: ClosedRange<Double>
        /// One-class (keyword) functions per class.
        public var oneClassLFsPerClass: ClosedRange<Int>
        /// Multi-class (two-sided) functions.
        public var multiClassLFs: ClosedRange<Int>
        /// Quality q of the functions that are not near chance.
        public var quality: ClosedRange<Double>
        /// Share of the independent functions that are near or below chance.
        public var nearChanceShare: ClosedRange<Double>
        /// Number of clusters of correlated functions: each cluster is an independent function and its echoes.
        public var clusters: ClosedRange<Int>
        /// Echoes per cluster.
        public var echoesPerCluster: ClosedRange<Int>
        /// How often an echo repeats its source's vote.
        public var echoFidelity: ClosedRange<Double>
        /// Target share of rows without any vote; the functions' coverages are scaled to meet it in expectation (a
        /// target below what the functions can reach gives the lowest reachable share).
        public var uncovered: ClosedRange<Double>

        /// Creates a shape.
        ///
        /// - Precondition: k ≥ 2, rows ≥ 1, imbalance ≥ 1, at least one function, shares and fidelities in 0…1,
        ///   quality in −1…1. (Shapes come from calling code; files never reach here.)
        public init(
            name: String, summary: String, classes: ClosedRange<Int>, rows: ClosedRange<Int>,
            imbalance: ClosedRange<Double>, oneClassLFsPerClass: ClosedRange<Int>, multiClassLFs: ClosedRange<Int>,
            quality: ClosedRange<Double>, nearChanceShare: ClosedRange<Double>, clusters: ClosedRange<Int> = 0...0,
            echoesPerCluster: ClosedRange<Int> = 1...1, echoFidelity: ClosedRange<Double> = 0.5...0.9,
            uncovered: ClosedRange<Double>
        ) {
            precondition(classes.lowerBound >= 2 && rows.lowerBound >= 1 && imbalance.lowerBound >= 1, "bad ranges")
            precondition(oneClassLFsPerClass.lowerBound >= 0 && multiClassLFs.lowerBound >= 0, "negative counts")
            precondition(
                oneClassLFsPerClass.upperBound > 0 || multiClassLFs.upperBound > 0, "a shape needs some functions")
            precondition(quality.lowerBound >= -1 && quality.upperBound <= 1, "quality lies in −1…1")
            precondition(
                [nearChanceShare, echoFidelity, uncovered].allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= 1 },
                "shares and fidelities lie in 0…1")
            precondition(clusters.lowerBound >= 0 && echoesPerCluster.lowerBound >= 0, "negative counts")
            self.name = name
            self.summary = summary
            self.classes = classes
            self.rows = rows
            self.imbalance = imbalance
            self.oneClassLFsPerClass = oneClassLFsPerClass
            self.multiClassLFs = multiClassLFs
            self.quality = quality
            self.nearChanceShare = nearChanceShare
            self.clusters = clusters
            self.echoesPerCluster = echoesPerCluster
            self.echoFidelity = echoFidelity
            self.uncovered = uncovered
        }

        /// News-topic style: 4–10 classes, one to three keyword functions per class and nothing else.
        public static let keywordTopics = Shape(
            name: "keyword-topics",
            summary: "topic classification with a few keyword LFs per class (one-class LFs only), many ties",
            classes: 4...10, rows: 200...100_000, imbalance: 1...5, oneClassLFsPerClass: 1...3, multiClassLFs: 0...0,
            quality: 0.3...0.85, nearChanceShare: 0...0.2, uncovered: 0.03...0.3)
        /// Spam style: a binary task with a rare class (up to 1:20) and keyword functions for each side.
        public static let keywordBinary = Shape(
            name: "keyword-binary",
            summary: "binary keyword LFs for each side, a rare positive class (up to 1:20), a few near-copies",
            classes: 2...2, rows: 200...100_000, imbalance: 1...20, oneClassLFsPerClass: 1...8, multiClassLFs: 0...0,
            quality: 0.3...0.95, nearChanceShare: 0...0.2, clusters: 0...1, echoesPerCluster: 1...3,
            echoFidelity: 0.6...0.95, uncovered: 0.05...0.3)
        /// Prompted functions: many mediocre, correlated functions (paraphrases of a few prompts).
        public static let prompted = Shape(
            name: "prompted",
            summary: "prompts to a language model: many mediocre LFs in clusters of correlated paraphrases",
            classes: 2...6, rows: 200...100_000, imbalance: 1...10, oneClassLFsPerClass: 2...8, multiClassLFs: 0...6,
            quality: 0.15...0.7, nearChanceShare: 0...0.3, clusters: 2...8, echoesPerCluster: 1...6,
            echoFidelity: 0.5...0.95, uncovered: 0...0.15)
        /// Crowd answers: multi-class functions of widely varying skill, including spammers near or below chance.
        public static let crowd = Shape(
            name: "crowd",
            summary: "crowd workers: multi-class LFs of varied skill, 10–40 % of them near or below chance",
            classes: 2...5, rows: 200...100_000, imbalance: 1...5, oneClassLFsPerClass: 0...0, multiClassLFs: 5...40,
            quality: 0.1...0.8, nearChanceShare: 0.1...0.4, clusters: 0...2, echoesPerCluster: 1...2,
            echoFidelity: 0.6...0.9, uncovered: 0...0.1)
        /// Everything at once: keyword and multi-class functions, imbalance up to 1:20, 2–10 classes.
        public static let mixed = Shape(
            name: "mixed",
            summary: "keyword and multi-class LFs together, 2–10 classes, imbalance up to 1:20, some clusters",
            classes: 2...10, rows: 200...100_000, imbalance: 1...20, oneClassLFsPerClass: 0...4, multiClassLFs: 1...10,
            quality: 0.2...0.9, nearChanceShare: 0...0.3, clusters: 0...3, echoesPerCluster: 1...4,
            echoFidelity: 0.5...0.95, uncovered: 0...0.3)

        /// The suite `foundry bench labelmodels --generated` draws from, in this order.
        public static let standard: [Shape] = [keywordTopics, keywordBinary, prompted, crowd, mixed]

        /// The standard shape called `name`, if any.
        public static func named(_ name: String) -> Shape? { standard.first { $0.name == name } }
    }

    /// What a task drawn from a shape is made of (see ``random(shape:using:)``).
    public struct ShapeDraw: Sendable, Equatable, Codable {
        /// The shape's name.
        public var shape: String
        /// Training rows to sample.
        public var rows: Int
        /// Ratio of the most to the least frequent class's prior.
        public var imbalance: Double
        /// One-class functions (echoes included).
        public var oneClassLFs: Int
        /// Multi-class functions (echoes included).
        public var multiClassLFs: Int
        /// Independent functions drawn near or below chance.
        public var nearChanceLFs: Int
        /// Echoing functions.
        public var echoes: Int
        /// The share of uncovered rows the coverages were scaled to.
        public var targetUncovered: Double
        /// The share of uncovered rows the coverages give in expectation.
        public var expectedUncovered: Double
    }

    /// Draws a task of the given shape.
    ///
    /// The draws, in order: k; the imbalance ratio; the class order (a Fisher–Yates shuffle); the number of multi-class
    /// functions; the near-chance share; the uncovered target; per class the number of its one-class functions; per
    /// function (one-class ones class by class, then multi-class) whether it is near chance, its quality and its
    /// coverage weight (log-uniform in 0.1…1); the number of clusters, and per cluster its source, its number of
    /// echoes and per echo its fidelity and a quality offset (±0.1 around its source's); finally the row count. The
    /// coverages are then the weights times one scale, found by bisection so that the expected share of rows without
    /// a vote meets the target (a one-class function's coverage capped so that it finds at most 70 % of any class, a
    /// multi-class function's at 95 %).
    ///
    /// - Parameters:
    ///   - shape: the ranges to draw from.
    ///   - generator: the random source; the same state gives the same task.
    /// - Returns: the task, and what it was drawn as.
    public static func random(shape: Shape, using generator: inout SeededGenerator) -> (
        task: SyntheticLabelingTask, draw: ShapeDraw
    ) {
        func integer(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(generator.next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUnitDouble()
        }
        func logUniform(_ low: Double, _ high: Double) -> Double {
            exp(log(low) + (log(high) - log(low)) * generator.nextUnitDouble())
        }
        let k = integer(shape.classes)
        let ratio = logUniform(shape.imbalance.lowerBound, shape.imbalance.upperBound)
        var order = Array(0..<k)
        for i in stride(from: k - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        var prior = [Double](repeating: 0, count: k)
        for (rank, c) in order.enumerated() { prior[c] = pow(ratio, -Double(rank) / Double(k - 1)) }
        let priorTotal = prior.reduce(0, +)
        prior = prior.map { $0 / priorTotal }
        let multiClass = integer(shape.multiClassLFs)
        let nearChanceShare = uniform(shape.nearChanceShare)
        let target = uniform(shape.uncovered)
        var votedClasses: [Int?] = []
        for c in 0..<k { votedClasses += [Int?](repeating: c, count: integer(shape.oneClassLFsPerClass)) }
        votedClasses += [Int?](repeating: nil, count: multiClass)
        if votedClasses.isEmpty { votedClasses = [nil] }  // a shape may allow zero of each; a task needs one
        func accuracy(quality: Double, votedClass: Int?) -> Double {
            let chance = votedClass.map { prior[$0] } ?? 1 / Double(k)
            return min(0.995, max(0.01, chance + quality * (1 - chance)))
        }
        var functions: [LabelingFunction] = []
        var weights: [Double] = []
        var qualities: [Double] = []
        var nearChance = 0
        for votedClass in votedClasses {
            let isNearChance = generator.nextUnitDouble() < nearChanceShare
            let quality = isNearChance ? uniform(-0.15...0.1) : uniform(shape.quality)
            if isNearChance { nearChance += 1 }
            weights.append(logUniform(0.1, 1))
            qualities.append(quality)
            functions.append(
                LabelingFunction(
                    coverage: 0, accuracy: accuracy(quality: quality, votedClass: votedClass), votedClass: votedClass))
        }
        let independent = functions.count
        let clusterCount = integer(shape.clusters)
        for _ in 0..<clusterCount {
            let source = Int(generator.next() % UInt64(independent))
            for _ in 0..<integer(shape.echoesPerCluster) {
                let fidelity = uniform(shape.echoFidelity)
                let quality = max(-1, min(1, qualities[source] + uniform(-0.1...0.1)))
                weights.append(weights[source])
                qualities.append(quality)
                let votedClass = functions[source].votedClass
                functions.append(
                    LabelingFunction(
                        coverage: 0, accuracy: accuracy(quality: quality, votedClass: votedClass),
                        votedClass: votedClass, echo: Echo(source: source, fidelity: fidelity)))
            }
        }
        let rows = Int(logUniform(Double(shape.rows.lowerBound), Double(shape.rows.upperBound) + 1))
        let expected = calibrateCoverage(&functions, weights: weights, prior: prior, target: target)
        let task = SyntheticLabelingTask(classPrior: prior, labelingFunctions: functions)
        let draw = ShapeDraw(
            shape: shape.name, rows: min(max(rows, shape.rows.lowerBound), shape.rows.upperBound), imbalance: ratio,
            oneClassLFs: functions.filter { $0.votedClass != nil }.count,
            multiClassLFs: functions.filter { $0.votedClass == nil }.count, nearChanceLFs: nearChance,
            echoes: functions.count - independent, targetUncovered: target, expectedUncovered: expected)
        return (task, draw)
    }

    /// The largest share of any class a one-class function votes on: a keyword finds at most this much of its class.
    static let maximumKeywordRecall = 0.7
    /// The largest coverage of a multi-class function.
    static let maximumMultiClassCoverage = 0.95

    /// P(function votes | y = c) for each class c, at coverage `coverage`.
    static func voteRates(_ lf: LabelingFunction, coverage: Double, prior: [Double]) -> [Double] {
        prior.indices.map { c in
            guard let voted = lf.votedClass else { return coverage }
            return c == voted
                ? min(lf.accuracy * coverage / prior[voted], 1)
                : min((1 - lf.accuracy) * coverage / (1 - prior[voted]), 1)
        }
    }

    /// Sets each function's coverage to `weights[j]` times one scale (capped so that a one-class function votes on at
    /// most 70 % of any class, a multi-class one on at most 95 % of the rows), the scale chosen by bisection so that the expected share of rows without any vote is `target`.
    ///
    /// - Returns: the expected uncovered share reached.
    static func calibrateCoverage(
        _ functions: inout [LabelingFunction], weights: [Double], prior: [Double], target: Double
    ) -> Double {
        let caps = functions.map { lf -> Double in
            guard let voted = lf.votedClass else { return maximumMultiClassCoverage }
            let own = maximumKeywordRecall * prior[voted] / lf.accuracy
            let other =
                lf.accuracy < 1 ? maximumKeywordRecall * (1 - prior[voted]) / (1 - lf.accuracy) : .infinity
            return min(1, own, other)
        }
        func uncovered(scale: Double) -> Double {
            var silent = prior.map { _ in 1.0 }  // P(no vote | y = c)
            for (j, lf) in functions.enumerated() {
                let rates = voteRates(lf, coverage: min(scale * weights[j], caps[j]), prior: prior)
                if let echo = lf.echo {
                    // Given that its source abstained, an echo votes only when it does not repeat the source.
                    for c in prior.indices { silent[c] *= 1 - (1 - echo.fidelity) * rates[c] }
                } else {
                    for c in prior.indices { silent[c] *= 1 - rates[c] }
                }
            }
            return zip(prior, silent).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let high = zip(caps, weights).map { $0 / $1 }.max() ?? 1
        var low = 0.0, up = high
        if uncovered(scale: up) >= target {
            low = up
        } else {
            for _ in 0..<60 {
                let middle = (low + up) / 2
                if uncovered(scale: middle) > target { low = middle } else { up = middle }
            }
        }
        for j in functions.indices { functions[j].coverage = min(low * weights[j], caps[j]) }
        return uncovered(scale: low)
    }
}
