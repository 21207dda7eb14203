import Adapters
import Foundation
import FoundryCore
import Merging
import Testing

/// TSV-Merge: against NumPy, against task arithmetic where the two must agree, and through ``AdapterMerge``.
struct TaskSingularVectorsTests {
    /// ΔW₁ = 2·a₁b₁ᵀ + a₂b₂ᵀ (rank 2) and ΔW₂ = c₁d₁ᵀ (rank 1), 5 × 4.
    static let first: [Float] = [1, -2, 4, 2, 3, -3, 8, 2, 1, 1, 0, -2, 1, 4, -4, -6, -0.5, -2, 2, 3]
    static let second: [Float] = [
        0, -1, 2.5, 1.5, 0, -1, 2.5, 1.5, 0, -0.5, 1.25, 0.75, 0, 1, -2.5, -1.5, 0, 0, 0, 0,
    ]

    @Test func matchesAnIndependentNumPyComputation() throws {
        // numpy.linalg.svd per task (weights 1 and 0.5, 2 and 1 vectors kept), the polar factor P·Qᵀ of [U₁ U₂] and of
        // [V₁ V₂], then 0.8 · U⊥·diag(S)·V⊥ᵀ, in float64.
        let expected: [Float] = [
            0.1579729, -0.4537291, 1.5036746, 0.5979529, 5.2092136, -4.5231022, 3.5452933, 1.2106899, -2.0162024,
            3.5973902, 0.4704426, -2.3159235, 0.4159357, 2.8398201, -0.5177884, -3.6759948, 2.0951889, -3.8242548,
            0.2813947, 2.6148999,
        ]
        let merged = try TaskSingularVectors.merge(
            [Self.first, Self.second], weights: [1, 0.5], inputs: 4, ranks: [2, 1], lambda: 0.8, name: "m")
        #expect(merged.count == 20)
        for (ours, theirs) in zip(merged, expected) { #expect(abs(ours - theirs) < 1e-5) }
    }

    @Test func tasksInOrthogonalSubspacesMergeToTaskArithmetic() throws {
        // Task 1 lives in rows 0–1 and columns 0–1, task 2 in rows 2–3 and columns 2–4: nothing to decorrelate.
        var one = [Float](repeating: 0, count: 6 * 5), two = one
        one[0 * 5 + 0] = 3; one[0 * 5 + 1] = 1; one[1 * 5 + 1] = -2
        two[2 * 5 + 2] = 1.5; two[3 * 5 + 3] = -0.5; two[2 * 5 + 4] = 2
        let merged = try TaskSingularVectors.merge(
            [one, two], weights: [0.7, 1.2], inputs: 5, ranks: [2, 2], lambda: 0.5, name: "m")
        for k in merged.indices { #expect(abs(merged[k] - 0.5 * (0.7 * one[k] + 1.2 * two[k])) < 1e-5) }
    }

    @Test func identicalTasksAreNotCountedTwice() throws {
        // Task arithmetic with weight 1 each doubles one update given twice; TSV-Merge returns it once.
        let merged = try TaskSingularVectors.merge(
            [Self.first, Self.first], weights: [1, 1], inputs: 4, ranks: [2, 2], lambda: 1, name: "m")
        for k in merged.indices { #expect(abs(merged[k] - Self.first[k]) < 1e-4) }
    }

    @Test func equalWeightsActAsLambda() throws {
        // The pipeline spec has no λ for merge steps: weights [w, w] must give what λ = w gives.
        let weighted = try TaskSingularVectors.merge(
            [Self.first, Self.second], weights: [0.5, 0.5], inputs: 4, ranks: [2, 1], lambda: 1, name: "m")
        let scaled = try TaskSingularVectors.merge(
            [Self.first, Self.second], weights: [1, 1], inputs: 4, ranks: [2, 1], lambda: 0.5, name: "m")
        for k in weighted.indices { #expect(abs(weighted[k] - scaled[k]) < 1e-5) }
    }

    @Test func anAllZeroUpdateAddsNothing() throws {
        // An untrained adapter (B = 0) has no singular vectors to decorrelate against.
        let zero = [Float](repeating: 0, count: Self.first.count)
        let merged = try TaskSingularVectors.merge(
            [Self.first, zero], weights: [1, 1], inputs: 4, ranks: [2, 2], lambda: 1, name: "m")
        for k in merged.indices { #expect(abs(merged[k] - Self.first[k]) < 1e-5) }
        let nothing = try TaskSingularVectors.merge(
            [zero, zero], weights: [1, 1], inputs: 4, ranks: [2, 2], lambda: 1, name: "m")
        #expect(nothing.allSatisfy { $0 == 0 })
    }

    @Test func aNonFiniteUpdateIsAnErrorNamingTheTensor() {
        var broken = Self.second
        broken[3] = .nan
        #expect {
            _ = try TaskSingularVectors.merge(
                [Self.first, broken], weights: [1, 1], inputs: 4, ranks: [2, 1], lambda: 1, name: "layer.0.query")
        } throws: { error in
            guard case let .numericalFailure(tensor, reason) = error as? MergingError else { return false }
            return tensor == "layer.0.query" && reason.contains("task 2")
        }
    }

    @Test func adapterMergeWithTSVAddsDecorrelatedUpdatesAtFullRank() throws {
        let one = try TinyAdapters.adapter(seed: 1), two = try TinyAdapters.adapter(seed: 2)
        var configuration = AdapterMerge.Configuration(method: .tsv)
        configuration.lambda = 0.5
        let merged = try AdapterMerge.merge(
            [TinyAdapters.input(one, name: "a"), TinyAdapters.input(two, name: "b")], configuration: configuration)
        #expect(merged.record.method == "tsv" && merged.record.mode == "exact_delta_space")
        #expect(merged.record.weights == [1, 1] && merged.record.lambda == 0.5)
        #expect(merged.adapter.configuration.rank == 4)
        // The re-factored adapter keeps the whole merged update (rank ≤ 2 + 2).
        for energy in merged.record.retainedEnergy?.values.map({ $0 }) ?? [] { #expect(energy > 0.999_999) }
        let expected = try TaskSingularVectors.merge(
            [TinyAdapters.delta(one), TinyAdapters.delta(two)], weights: [1, 1], inputs: 16, ranks: [2, 2],
            lambda: 0.5, name: "encoder.layer.0.attention.self.query")
        let ours = TinyAdapters.delta(merged.adapter)
        for k in ours.indices { #expect(abs(ours[k] - expected[k]) < 1e-4) }
    }

    @Test func tsvHasNoPEFTEquivalent() throws {
        let one = try TinyAdapters.adapter(seed: 1), two = try TinyAdapters.adapter(seed: 2)
        var configuration = AdapterMerge.Configuration(method: .tsv)
        configuration.peftCompatible = true
        #expect(throws: MergingError.self) {
            _ = try AdapterMerge.merge(
                [TinyAdapters.input(one, name: "a"), TinyAdapters.input(two, name: "b")], configuration: configuration)
        }
    }
}
