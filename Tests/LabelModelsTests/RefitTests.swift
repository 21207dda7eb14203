import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// Every model refitted on new data equals a fresh fit on that data: nothing of the earlier fit lingers.
@Suite struct RefitTests {
    static func refitEqualsFresh<Model: LabelModel & Equatable>(_ make: () -> Model) throws -> Bool {
        let first = SyntheticLabelingProblem(
            rows: 1500, coverages: [0.5, 0.4, 0.6, 0.3, 0.5], accuracies: [0.9, 0.7, 0.8, 0.75, 0.6], seed: 1)
        let second = SyntheticLabelingProblem(
            rows: 900, coverages: [0.2, 0.7, 0.3, 0.6, 0.4], accuracies: [0.6, 0.85, 0.7, 0.9, 0.8],
            classBalance: [0.7, 0.3], seed: 2)
        var refitted = make(), fresh = make()
        try refitted.fit(
            first.matrix,
            options: FitOptions(devMatrix: first.matrix.rows(0..<200), devLabels: Array(first.trueLabels[0..<200])))
        try refitted.fit(second.matrix)
        try fresh.fit(second.matrix)
        return refitted == fresh
    }

    @Test func everyModelRefitsClean() throws {
        #expect(try Self.refitEqualsFresh { MajorityVote() })
        #expect(try Self.refitEqualsFresh { WeightedMajorityVote() })
        #expect(try Self.refitEqualsFresh { DawidSkene() })
        #expect(try Self.refitEqualsFresh { MomentMatching() })
        #expect(try Self.refitEqualsFresh { Triplet() })
        #expect(try Self.refitEqualsFresh { AutoLabelModel() })
    }
}
