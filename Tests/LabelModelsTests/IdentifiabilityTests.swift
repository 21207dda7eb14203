import Foundation
import FoundryCore
import Labeling
import Testing

@testable import LabelModels

/// Identifiability verdicts on tasks built to meet, or to fail, each family's condition, and auto's use of them.
@Suite struct IdentifiabilityTests {
    typealias LF = SyntheticLabelingTask.LabelingFunction

    /// `perClass` keyword (one-class) LFs for each of `k` balanced classes, 75 % accurate, coverage 0.15.
    static func keywords(k: Int, perClass: Int, rows: Int = 4_000, seed: UInt64 = 7) -> LabelMatrix {
        let functions = (0..<k).flatMap { c in
            (0..<perClass).map { _ in LF(coverage: 0.15, accuracy: 0.75, votedClass: c) }
        }
        let task = SyntheticLabelingTask(
            classPrior: [Double](repeating: 1 / Double(k), count: k), labelingFunctions: functions)
        return task.sample(rows: rows, seed: seed).matrix
    }

    /// Two-sided (multi-class) LFs of the given accuracies on a balanced binary task, coverage 0.6.
    static func twoSided(_ accuracies: [Double], rows: Int = 4_000) -> LabelMatrix {
        let task = SyntheticLabelingTask(
            classPrior: [0.5, 0.5], labelingFunctions: accuracies.map { LF(coverage: 0.6, accuracy: $0) })
        return task.sample(rows: rows, seed: 3).matrix
    }

    @Test("moments needs three independent LFs per class: one keyword per class fails, three pass")
    func momentsCondition() throws {
        let one = Identifiability.analyze(Self.keywords(k: 3, perClass: 1))
        let verdict = try #require(one.verdict(.moments))
        #expect(!verdict.supported)
        #expect(verdict.reason == "class 0 is voted by 1 independent LF")
        #expect(one.sourcesPerClass == [1, 1, 1] && one.oneClassLFs == 3)
        let three = Identifiability.analyze(Self.keywords(k: 3, perClass: 3))
        #expect(three.supports(.moments) && three.sourcesPerClass == [3, 3, 3])
    }

    @Test("a declared dependency merges two LFs into one source, so a class left with two fails moments' condition")
    func declaredDependencies() throws {
        let matrix = Self.keywords(k: 3, perClass: 3)
        // LFs 0, 1 and 2 vote class 0; declaring 0–1 dependent leaves class 0 two independent sources.
        let analysis = Identifiability.analyze(matrix, dependencies: [[0, 1]])
        #expect(analysis.groups == [[0, 1]])
        #expect(analysis.sourcesPerClass == [2, 3, 3] && analysis.independentSources == 8)
        #expect(!analysis.supports(.moments))
        #expect(analysis.verdict(.moments)?.reason == "class 0 is voted by 2 independent LFs")
        // Pairs outside the matrix are ignored here (the models' own validation reports them).
        #expect(Identifiability.analyze(matrix, dependencies: [[0, 40]]).groups.isEmpty)
    }

    @Test("an exact copy of an LF is detected as a near-copy and counted once")
    func nearCopies() throws {
        let base = Self.twoSided([0.8, 0.75, 0.7])
        // Append a fourth column identical to the first.
        var votes = base.denseVotes()
        var widened: [Int] = []
        for row in 0..<base.rowCount {
            widened += votes[(row * 3)..<(row * 3 + 3)] + [votes[row * 3]]
        }
        votes = widened
        let matrix = try LabelMatrix(
            denseVotes: votes, rowCount: base.rowCount, lfNames: ["a", "b", "c", "copy_of_a"], classNames: ["0", "1"])
        let analysis = Identifiability.analyze(matrix)
        #expect(analysis.groups == [[0, 3]])
        #expect(analysis.independentSources == 3)
    }

    @Test("an echo of a keyword LF co-votes beyond the independence bound; independent keywords do not")
    func suspectedDependencies() throws {
        // Four keyword LFs per class, 75 % accurate, coverage 0.15: conditionally independent, so nothing is reported
        // (their co-vote lift is at most 1 / min π = 2 here).
        let independent = Identifiability.analyze(Self.keywords(k: 2, perClass: 4, rows: 20_000))
        #expect(independent.suspectedDependencies.isEmpty)
        // The same LFs plus a fifth that repeats LF 0's vote on 70 % of rows and otherwise votes on its own (a
        // paraphrased prompt): its co-votes with LF 0 are ≈ 0.7 · 0.15 + 0.3 · 0.15 · 0.15 of the rows, a lift near
        // 5; the near-copy rule (85 % of the rarer LF's votes together) does not catch it.
        var functions: [LF] = (0..<2).flatMap { c -> [LF] in
            (0..<4).map { _ in LF(coverage: 0.15, accuracy: 0.75, votedClass: c) }
        }
        let echo = SyntheticLabelingTask.Echo(source: 0, fidelity: 0.7)
        functions.append(LF(coverage: 0.15, accuracy: 0.75, votedClass: 0, echo: echo))
        let task = SyntheticLabelingTask(classPrior: [0.5, 0.5], labelingFunctions: functions)
        let matrix = task.sample(rows: 20_000, seed: 5).matrix
        let analysis = Identifiability.analyze(matrix)
        #expect(analysis.groups.isEmpty)
        let suspected = try #require(analysis.suspectedDependencies.first)
        #expect(analysis.suspectedDependencies.map { $0.lfs } == [[0, 8]])
        #expect(suspected.coVoteLift > 4 && suspected.coVoteLift < 6)
        // π is read from the classes' shares of all votes, which the echo's extra class-0 votes tilt from ½.
        let classVotes = (0..<2).map { c in matrix.voteClasses.filter { Int($0) == c }.count }
        let rarestShare = Double(classVotes.min() ?? 0) / Double(matrix.voteCount)
        #expect(abs(suspected.independentBound - 1 / rarestShare) < 0.01)
        // Declaring the pair merges it; it is then no longer reported.
        let declared = Identifiability.analyze(matrix, dependencies: [[0, 8]])
        #expect(declared.groups == [[0, 8]] && declared.suspectedDependencies.isEmpty)
    }

    @Test("an analysis saved before suspected dependencies existed still decodes (with none)")
    func decodesAnalysesWithoutSuspectedDependencies() throws {
        let analysis = Identifiability.analyze(Self.keywords(k: 3, perClass: 3))
        var object = try #require(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(analysis)) as? [String: Any])
        #expect(object["suspectedDependencies"] != nil)
        object["suspectedDependencies"] = nil
        let old = try JSONSerialization.data(withJSONObject: object)
        #expect(try JSONDecoder().decode(Identifiability.self, from: old) == analysis)
    }

    @Test("triplet and wmv need three independent two-sided LFs agreeing better than chance")
    func tripletAndWeightedConditions() throws {
        let good = Identifiability.analyze(Self.twoSided([0.85, 0.8, 0.75]))
        #expect(good.supports(.triplet) && good.supports(.wmv))
        // One of the three is a coin flip: no triple agrees pairwise better than chance.
        let noisy = Identifiability.analyze(Self.twoSided([0.85, 0.8, 0.5]))
        #expect(!noisy.supports(.triplet))
        #expect(noisy.verdict(.triplet)?.reason == "3 LFs vote two or more classes; no such triple")
        // Keyword LFs only: their agreement says nothing of their accuracy.
        let keywords = Identifiability.analyze(Self.keywords(k: 2, perClass: 4))
        #expect(!keywords.supports(.triplet) && !keywords.supports(.wmv))
        #expect(keywords.verdict(.wmv)?.reason == "0 independent two-sided LFs co-vote with another")
    }

    @Test("ds needs 2⌈log₂ k⌉ + 1 independent LFs: 5 LFs over 8 classes fail, 8 over 4 pass")
    func dawidSkeneCondition() throws {
        let few = Identifiability.analyze(Self.keywords(k: 5, perClass: 1))
        let verdict = try #require(few.verdict(.ds))
        #expect(!verdict.supported)
        #expect(verdict.condition.contains("= 7 independent LFs"))
        #expect(verdict.reason == "5 independent LFs; every LF votes one class, so a fixed prior would degenerate")
        #expect(Identifiability.analyze(Self.keywords(k: 4, perClass: 2)).supports(.ds))
        #expect(Identifiability.analyze(Self.keywords(k: 4, perClass: 1)).supports(.mv))
    }

    @Test(
        "auto never uses a family whose condition fails: with one keyword per class it is majority vote, and says why")
    func autoRespectsVerdicts() throws {
        let matrix = Self.keywords(k: 5, perClass: 1)
        // Majority vote, with its ties going to the least-voted class (every LF votes one class).
        let (auto, mv) = try SpecificityTieBreakTests.fitBreakingTiesBySpecificity(matrix)
        #expect(auto.reason?.contains("moments (class 0 is voted by 1 independent LF)") == true)
        let shares = try mv.predictProbabilities(matrix), probabilities = try auto.predictProbabilities(matrix)
        for row in 0..<matrix.rowCount {
            let top = (0..<5).map { shares[row, $0] }.max() ?? 0
            guard (0..<5).filter({ shares[row, $0] >= top - 1e-12 }).count == 1 else { continue }
            for c in 0..<5 { #expect(probabilities[row, c] == shares[row, c]) }
        }
        #expect(auto.identifiability?.supports(.moments) == false)
    }

    @Test("auto honours declared dependencies: two LFs of class 0 declared dependent leave moments unidentifiable")
    func autoHonoursDependencies() throws {
        let matrix = Self.keywords(k: 3, perClass: 3)
        var plain = AutoLabelModel()
        try plain.fit(matrix)
        #expect(plain.identifiability?.supports(.moments) == true)
        var configuration = AutoLabelModel.Configuration()
        configuration.moments.dependencies = [[0, 1]]
        var declared = AutoLabelModel(configuration: configuration)
        try declared.fit(matrix)
        #expect(declared.identifiability?.supports(.moments) == false)
        #expect(declared.reason?.contains("moments (class 0 is voted by 2 independent LFs)") == true)
        let choice = try #require(declared.choice)
        #expect(
            ![.moments, .momentsWithMajorityVote, .momentsWithAbstentions, .majorityVoteTiesByMoments].contains(choice))
    }

    @Test("on generated tasks of every shape, auto's choice belongs to a family the votes determine")
    func autoChoicesAreSupported() throws {
        for shape in SyntheticLabelingTask.Shape.standard {
            for index in 0..<2 {
                var generated = GeneratedTaskBenchmark.generateTask(shape: shape, index: index, seed: 5, testRows: 10)
                // Keep the fits small: at most 3,000 training rows.
                generated.train = generated.task.sample(rows: min(generated.train.matrix.rowCount, 3_000), seed: 1)
                var auto = AutoLabelModel()
                try auto.fit(generated.train.matrix)
                let choice = try #require(auto.choice)
                let analysis = try #require(auto.identifiability)
                let family: LabelModelMethod? =
                    switch choice {
                    case .dawidSkene, .majorityVoteTiesByDawidSkene: .ds
                    case .triplet, .majorityVoteTiesByTriplet, .tripletWithMajorityVote: .triplet
                    case .weightedMajorityVote, .majorityVoteTiesByWeighted: .wmv
                    case .majorityVote, .majorityVoteTiesBySpecificity: nil
                    default: .moments
                    }
                if let family { #expect(analysis.supports(family), "\(generated.name): \(choice)") }
                #expect(auto.reason?.hasPrefix(choice.rawValue + ":") == true, "\(auto.reason ?? "")")
            }
        }
    }

    @Test("MV breaking ties by a model: unique majorities keep MV's shares; tied classes share their mass by the model")
    func tieBreakingBlend() throws {
        // Row 0: a unique majority; row 1: classes 0 and 1 tied; row 2: no votes (uniform shares).
        let shares = Matrix(rows: 3, columns: 3, values: [0.6, 0.2, 0.2, 0.4, 0.4, 0.2, 1 / 3, 1 / 3, 1 / 3])
        let model = Matrix(rows: 3, columns: 3, values: [0.1, 0.8, 0.1, 0.1, 0.6, 0.3, 0.2, 0.3, 0.5])
        let blended = AutoLabelModel.majorityVoteBreakingTies(shares, by: model)
        let expected: [Double] = [0.6, 0.2, 0.2, 0.8 * 0.1 / 0.7, 0.8 * 0.6 / 0.7, 0.2, 0.2, 0.3, 0.5]
        for (index, value) in expected.enumerated() {
            #expect(abs(blended.storage[index] - value) < 1e-12, "entry \(index)")
        }
        // Given the votes, a row without any keeps MV's uniform shares: there the model has only its prior.
        let votes = try LabelMatrix(
            denseVotes: [0, 0, 1, 0, 1, -1, -1, -1, -1], rowCount: 3, lfNames: ["a", "b", "c"],
            classNames: ["0", "1", "2"])
        let skipping = AutoLabelModel.majorityVoteBreakingTies(shares, by: model, skipping: votes)
        #expect(Array(skipping.storage[0..<6]) == Array(blended.storage[0..<6]))
        let third = 1.0 / 3
        #expect(Array(skipping.storage[6..<9]) == [third, third, third])
    }

    @Test("an estimated prior that puts first a class the votes put last is flagged; one in line with them is not")
    func priorContradiction() {
        #expect(AutoLabelModel.priorContradiction([0.15, 0.85], [0.6, 0.4]) != nil)
        #expect(AutoLabelModel.priorContradiction([0.7, 0.3], [0.6, 0.4]) == nil)
        #expect(AutoLabelModel.priorContradiction([0.1, 0.2, 0.7], [0.3, 0.45, 0.25]) != nil)
        #expect(AutoLabelModel.priorContradiction([0.1, 0.7, 0.2], [0.3, 0.45, 0.25]) == nil)
    }
}
