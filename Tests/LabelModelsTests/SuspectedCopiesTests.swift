import Foundation
import FoundryCore
import Labeling
import Testing

@testable import LabelModels

/// Suspected copies (``Identifiability/suspectedCopies``) and auto's use of them: a cluster of copied LFs falls silent
/// together, so where silence is evidence it counts once.
@Suite struct SuspectedCopiesTests {
    typealias LF = SyntheticLabelingTask.LabelingFunction

    /// Four keyword LFs per balanced class (75 % accurate, coverage 0.15), plus, with `echo`, a fifth class-0 LF that
    /// repeats LF 0's vote on 70 % of rows.
    static func keywords(echo: Bool) -> LabelMatrix {
        var functions: [LF] = (0..<2).flatMap { c in
            (0..<4).map { _ in LF(coverage: 0.15, accuracy: 0.75, votedClass: c) }
        }
        if echo {
            functions.append(
                LF(
                    coverage: 0.15, accuracy: 0.75, votedClass: 0,
                    echo: SyntheticLabelingTask.Echo(source: 0, fidelity: 0.7)))
        }
        return SyntheticLabelingTask(classPrior: [0.5, 0.5], labelingFunctions: functions)
            .sample(rows: 20_000, seed: 5).matrix
    }

    @Test("an echo stands out against LFs of its kind and is a suspected copy; independent keywords are not")
    func echoIsASuspectedCopy() throws {
        let analysis = Identifiability.analyze(Self.keywords(echo: true))
        #expect(analysis.suspectedCopies == [[0, 8]])
        #expect(analysis.redundantCopies == [8])
        let independent = Identifiability.analyze(Self.keywords(echo: false))
        #expect(independent.suspectedCopies.isEmpty && independent.redundantCopies.isEmpty)
    }

    @Test("rare-class keywords co-vote beyond the independence bound but are not copies of each other")
    func rareClassKeywordsAreNotCopies() throws {
        // Class 0 is 8 % of rows: its five keywords all fire on the same few rows, a lift near 1 / 0.08 for every pair,
        // above the bound read from the classes' shares of votes. None stands out against the others.
        let functions =
            (0..<5).map { _ in LF(coverage: 0.08, accuracy: 0.85, votedClass: 0) }
            + (0..<5).map { _ in LF(coverage: 0.2, accuracy: 0.95, votedClass: 1) }
        let matrix = SyntheticLabelingTask(classPrior: [0.08, 0.92], labelingFunctions: functions)
            .sample(rows: 20_000, seed: 5).matrix
        let analysis = Identifiability.analyze(matrix)
        #expect(analysis.suspectedDependencies.count == 10)
        #expect(analysis.suspectedDependencies.allSatisfy { $0.lfs.allSatisfy { $0 < 5 } })
        #expect(analysis.suspectedCopies.isEmpty)
    }

    @Test("an analysis saved before suspected copies existed still decodes (with none)")
    func decodesAnalysesWithoutSuspectedCopies() throws {
        let analysis = Identifiability.analyze(Self.keywords(echo: true))
        var object = try #require(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(analysis)) as? [String: Any])
        #expect(object["suspectedCopies"] != nil)
        object["suspectedCopies"] = nil
        let old = try JSONDecoder().decode(Identifiability.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.suspectedCopies.isEmpty)
        #expect(old.suspectedDependencies == analysis.suspectedDependencies && old.groups == analysis.groups)
    }

    @Test("ignoring an LF's silence drops exactly its abstain term: none ignored is the aware model, all is the plain")
    func ignoringSilence() throws {
        let matrix = Self.keywords(echo: true)
        var model = MomentMatching()
        try model.fit(matrix, options: FitOptions(seed: 1))
        let aware = try #require(model.predictingWithAbstentions())
        let plain = try model.predictProbabilities(matrix)
        #expect(
            try #require(model.predictingWithAbstentions(ignoringSilenceOf: [])).predictProbabilities(matrix)
                == aware.predictProbabilities(matrix))
        let allIgnored = try #require(model.predictingWithAbstentions(ignoringSilenceOf: Set(0..<matrix.lfCount)))
        #expect(try allIgnored.predictProbabilities(matrix).maxAbsoluteDifference(to: plain) < 1e-12)
        // Ignoring the echo's silence moves a row where only it is silent, and no row where it votes.
        let once = try #require(model.predictingWithAbstentions(ignoringSilenceOf: [8]))
        let silentRow = try LabelMatrix(
            denseVotes: [-1, -1, -1, -1, -1, -1, -1, -1, -1], rowCount: 1, lfNames: matrix.lfNames,
            classNames: matrix.classNames)
        #expect(try once.predictProbabilities(silentRow)[0, 0] > aware.predictProbabilities(silentRow)[0, 0])
        let voted = try LabelMatrix(
            denseVotes: [0, -1, -1, -1, -1, -1, -1, -1, 0], rowCount: 1, lfNames: matrix.lfNames,
            classNames: matrix.classNames)
        #expect(
            try once.predictProbabilities(voted).maxAbsoluteDifference(to: aware.predictProbabilities(voted)) < 1e-12)
        // Saved and read back (as auto's file keeps it), the model still ignores the echo's silence.
        let decoded = try JSONDecoder().decode(MomentMatching.self, from: JSONEncoder().encode(once))
        #expect(try decoded.predictProbabilities(silentRow) == once.predictProbabilities(silentRow))
    }

    @Test("a cluster of three echoes no longer decides the class of silent rows: auto stops losing to majority vote")
    func autoCountsCopiedSilenceOnce() throws {
        // Task 94 of the keyword-binary shape, seed 23: 4,689 rows, 11 keyword LFs; LFs 8, 9 and 10 echo LF 5 (class 1,
        // the majority). Counted four times, their silence made class 0 the class of rows without votes, and auto
        // (MV breaking ties by the moment model) lost 4.75 points of test accuracy to majority vote.
        let task = GeneratedTaskBenchmark.generateTask(shape: .keywordBinary, index: 94, seed: 23, testRows: 4_000)
        let analysis = Identifiability.analyze(task.train.matrix)
        #expect(analysis.suspectedCopies == [[5, 8, 9, 10]])
        var auto = AutoLabelModel()
        try auto.fit(task.train.matrix, options: FitOptions(seed: 123))
        let reason = try #require(auto.reason)
        #expect(reason.contains("suspected copies count as one LF where they are silent: "))
        var majority = MajorityVote()
        try majority.fit(task.train.matrix, options: FitOptions(seed: 123))
        func accuracy(_ model: any LabelModel) throws -> Double {
            let predicted = try model.predict(task.test.matrix, tieBreak: .rowHash).map(\.rawValue)
            return ClassificationScore(gold: task.test.labels, predicted: predicted, cardinality: 2).accuracy ?? 0
        }
        #expect(try accuracy(auto) >= accuracy(majority) - 0.005)
        // The moment model itself: with every copy's silence counted it is 8.6 points worse than counting it once.
        var moments = MomentMatching()
        try moments.fit(task.train.matrix, options: FitOptions(seed: 123))
        let counted = try accuracy(try #require(moments.predictingWithAbstentions()))
        let once = try accuracy(try #require(moments.predictingWithAbstentions(ignoringSilenceOf: [8, 9, 10])))
        #expect(once > counted + 0.05)
    }
}
