import Foundation
import FoundryCore
import Tensors
import Testing

@testable import Adapters

/// A session's mixed batch gives each sequence what its own adapter alone gives, through the stacked projections.
@Suite struct InferenceSessionTests {
    private static func adapter(model: BertModel, classes: Int, seed: UInt64) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(
            model: model,
            configuration: .init(rank: 2, alpha: 4, targets: [.query, .value], classCount: classes, seed: seed))
        var generator = SeededGenerator(seed: seed + 50)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.1 })
        return adapter
    }

    @Test("mixed batch: per-sequence embeddings and logits equal the single-adapter passes, across reused batches")
    func mixedBatchMatchesSeparatePasses() throws {
        let model = TinyModel.model
        let spam = try Self.adapter(model: model, classes: 2, seed: 1)
        let topic = try Self.adapter(model: model, classes: 3, seed: 2)
        var session = InferenceSession(model: model)
        for round in 0..<2 {
            let sequences = TinyModel.sequences([5, 9, 3, 7, 6], seed: round)
            let indices: [Int?] = [0, nil, 1, 0, 1]
            let classify = indices.map { $0 != nil }
            let out = session.run(
                TokenBatch(sequences), assignment: AdapterAssignment(adapters: [spam, topic], adapterIndices: indices),
                classify: classify)
            for (row, index) in indices.enumerated() {
                let adapter = index.map { [spam, topic][$0] }
                let alone = TokenBatch([sequences[row]])
                let pooled = model.meanPooled(alone, adapter: adapter).scalars
                #expect(maxAbsDifference(out.meanPooled[row], pooled) < 1e-5, "row \(row)")
                if let adapter {
                    let logits = try #require(out.logits[row])
                    #expect(logits.count == adapter.head.classCount)
                    #expect(maxAbsDifference(logits, model.logits(alone, adapter: adapter).scalars) < 1e-5)
                } else {
                    #expect(out.logits[row] == nil)
                }
            }
            // The adapters change what they touch: the same text differs from the base.
            let base = model.meanPooled(TokenBatch([sequences[0]])).scalars
            #expect(maxAbsDifference(out.meanPooled[0], base) > 1e-3)
        }
    }
}

/// Folding an adapter into the weights in place equals ``BertModel/merging(_:)``, and unfolding restores the base.
@Suite struct FoldInPlaceTests {
    @Test("foldInPlace(+1) equals merging(_:); foldInPlace(−1) restores the base weights")
    func foldAndUnfold() throws {
        let base = TinyModel.model
        var adapter = try LoRAAdapter(
            model: base, configuration: .init(rank: 2, alpha: 4, targets: [.query, .value, .output], seed: 3))
        var generator = SeededGenerator(seed: 9)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.1 })
        var folded = base
        folded.foldInPlace(adapter)
        let merged = base.merging(adapter)
        for (index, layer) in folded.layers.enumerated() {
            for target in LoRATarget.allCases {
                #expect(
                    maxAbsDifference(layer[target].weight.scalars, merged.layers[index][target].weight.scalars) < 1e-6)
            }
        }
        #expect(maxAbsDifference(folded.layers[0].query.weight.scalars, base.layers[0].query.weight.scalars) > 1e-3)
        folded.foldInPlace(adapter, sign: -1)
        for (index, layer) in folded.layers.enumerated() {
            for target in LoRATarget.allCases {
                #expect(
                    maxAbsDifference(layer[target].weight.scalars, base.layers[index][target].weight.scalars) < 1e-6)
            }
        }
    }
}

/// A session with an adapter folded in answers like the adapter applied per row; unfolding restores the base.
@Suite struct InferenceSessionFoldTests {
    @Test("fold, run with the head, unfold: equal to the per-row adapter pass and then to the base")
    func foldedSessionMatchesPerRowAdapter() throws {
        let model = TinyModel.model
        var adapter = try LoRAAdapter(
            model: model, configuration: .init(rank: 2, alpha: 4, targets: [.query, .value, .output], seed: 5))
        var generator = SeededGenerator(seed: 11)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.1 })
        let batch = TokenBatch(TinyModel.sequences([6, 4, 9]))
        var session = InferenceSession(model: model)
        let base = session.run(batch, head: nil)
        session.fold(adapter)
        let folded = session.run(batch, head: adapter.head)
        let perRow = InferenceSession(model: model).runAll(batch, adapter: adapter)
        for row in 0..<batch.count {
            #expect(maxAbsDifference(folded.meanPooled[row], perRow.meanPooled[row]) < 1e-4)
            #expect(maxAbsDifference(try #require(folded.logits[row]), try #require(perRow.logits[row])) < 1e-4)
        }
        session.fold(adapter, sign: -1)
        let restored = session.run(batch, head: nil)
        for row in 0..<batch.count { #expect(maxAbsDifference(restored.meanPooled[row], base.meanPooled[row]) < 1e-5) }
    }
}

extension InferenceSession {
    fileprivate func runAll(_ batch: TokenBatch, adapter: LoRAAdapter) -> InferenceOutput {
        var copy = self
        return copy.run(
            batch, assignment: AdapterAssignment(adapter: adapter, sequenceCount: batch.count),
            classify: Array(repeating: true, count: batch.count))
    }
}
