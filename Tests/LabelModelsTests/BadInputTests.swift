import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

@Suite struct BadInputTests {
    static let small = SyntheticLabelingProblem(
        rows: 200, coverages: [0.5, 0.6, 0.4], accuracies: [0.8, 0.7, 0.9], seed: 2)

    @Test func emptyMatrixThrows() throws {
        let empty = LabelMatrix.Builder(lfNames: ["a", "b", "c"], classNames: ["0", "1"]).build()
        for var model in [MajorityVote(), DawidSkene(), MomentMatching(), Triplet(), AutoLabelModel()]
            as [any LabelModel]
        {
            #expect(throws: LabelModelsError.self) { try model.fit(empty, options: FitOptions()) }
        }
    }

    @Test func cardinalityBelowTwoIsRejectedWhenReadingAMatrix() {
        let array = NumPyArray(integers: [0, 0, 0, 0], shape: [2, 2], elementType: .int8)
        #expect(throws: LabelingError.self) { try LabelMatrix(numPy: array, cardinality: 1) }
    }

    @Test func voteAtOrAboveCardinalityIsRejected() {
        let array = NumPyArray(integers: [0, 2, 1, -1], shape: [2, 2], elementType: .int8)
        #expect(throws: LabelingError.self) { try LabelMatrix(numPy: array, cardinality: 2) }
    }

    @Test func tooFewLFsForMomentsAndTriplet() throws {
        let two = try LabelMatrix(denseVotes: [0, 1, 1, 1], rowCount: 2, lfNames: ["a", "b"], classNames: ["0", "1"])
        var moments = MomentMatching()
        #expect(throws: LabelModelsError.tooFewLabelingFunctions(method: "moments", needed: 3, got: 2)) {
            try moments.fit(two)
        }
        var triplet = Triplet()
        #expect(throws: LabelModelsError.tooFewLabelingFunctions(method: "triplet", needed: 3, got: 2)) {
            try triplet.fit(two)
        }
    }

    @Test func invalidClassBalancesThrow() {
        #expect(throws: LabelModelsError.self) { try ClassBalance.given([Double.nan, 0.5]).resolve(cardinality: 2) }
        #expect(throws: LabelModelsError.self) { try ClassBalance.given([0.5, 0.3, 0.2]).resolve(cardinality: 2) }
        #expect(throws: LabelModelsError.self) { try ClassBalance.given([1, 0]).resolve(cardinality: 2) }
        #expect(throws: LabelModelsError.self) { try ClassBalance.fromLabels([0, 5]).resolve(cardinality: 2) }
        var model = DawidSkene()
        #expect(throws: LabelModelsError.self) {
            try model.fit(Self.small.matrix, options: FitOptions(classBalance: .given([.nan, 1])))
        }
    }

    @Test func predictingBeforeFittingOrOnOtherShapesThrows() throws {
        #expect(throws: LabelModelsError.notFitted(method: "ds")) {
            try DawidSkene().predictProbabilities(Self.small.matrix)
        }
        var model = Triplet()
        try model.fit(Self.small.matrix)
        let other = try LabelMatrix(
            denseVotes: [0, 1, 1, 1], rowCount: 1, lfNames: ["a", "b", "c", "d"], classNames: ["0", "1"])
        #expect(throws: LabelModelsError.self) { try model.predictProbabilities(other) }
    }

    @Test func unknownMethodAndCorruptModelFilesThrow() throws {
        #expect(throws: LabelModelsError.unknownMethod("snorkel")) { try LabelModelMethod(name: "snorkel") }
        #expect(
            LabelModelsError.unknownMethod("snorkel").description
                == "unknown method 'snorkel'; expected mv, wmv, ds, moments, triplet, auto")
        let directory = TemporaryDirectory()
        let bad = try directory.write("bad.json", #"{"format_version": 1, "method": "nope", "model": {}}"#)
        #expect(throws: LabelModelsError.self) { try LabelModelFile.read(from: bad) }
        let future = try directory.write("future.json", #"{"format_version": 99, "method": "mv", "model": {}}"#)
        #expect(throws: LabelModelsError.self) { try LabelModelFile.read(from: future) }
        #expect(throws: LabelModelsError.self) { try LabelModelFile.read(from: directory.file("missing.json")) }
    }

    @Test func dependenciesMustNameTwoDifferentLFs() {
        var model = MomentMatching(configuration: .init(dependencies: [[0, 7]]))
        #expect(throws: LabelModelsError.self) { try model.fit(Self.small.matrix) }
    }

    @Test func oversizedProblemsExplainWhatToUse() throws {
        var model = DawidSkene()
        model.configuration.maxParameters = 10
        #expect(throws: LabelModelsError.self) { try model.fit(Self.small.matrix) }
    }
}
