import Foundation
import FoundryCore
import Tensors
import Testing

@testable import Adapters

/// The inference-only paths of the encoder — stacked query/key/value projections, attention without BLAS, one batch
/// per core — give what the plain forward pass gives.
@Suite struct EncoderInferencePathTests {
    /// Heads of 8 values, so that attention takes ``Kernels/attentionHead``'s path.
    static let configuration = BertConfiguration(
        vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 2, intermediateSize: 32, maxPositions: 24,
        typeVocabularySize: 2, layerNormEpsilon: 1e-12)
    static let model = BertModel(randomWithConfiguration: configuration, seed: 11)

    /// Adapters with non-zero factors on the query/value and on every projection.
    static func adapters() throws -> [LoRAAdapter] {
        try [(1, [LoRATarget.query, .value]), (2, LoRATarget.allCases)].map { seed, targets in
            var adapter = try LoRAAdapter(
                model: model,
                configuration: .init(
                    rank: 2, alpha: 4, targets: targets, headPooling: .mean, classCount: 2, seed: UInt64(seed)))
            var generator = SeededGenerator(seed: UInt64(seed) + 50)
            adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.2 })
            return adapter
        }
    }

    @Test func stackedProjectionsAndDirectAttentionMatchThePlainPass() throws {
        let sequences = TinyModel.sequences([5, 12, 2, 9, 24, 7])
        let batch = TokenBatch(sequences)
        let adapters = try Self.adapters()
        for indices in [[nil, nil, nil, nil, nil, nil], [0, 1, nil, 0, 1, 1], [1, 1, 1, 1, 1, 1]] as [[Int?]] {
            let assignment = AdapterAssignment(adapters: adapters, adapterIndices: indices)
            // The public call: three projections, a fresh workspace, attention through the loop threads.
            let plain = Self.model.meanPooled(batch, assignment: assignment)
            var workspace = EncoderWorkspace()
            workspace.prepareAttentionInputs(for: Self.model.layers)
            #expect(workspace.attentionInputs.allSatisfy { $0?.weight.shape == [48, 16] })
            for loopThreads in [1, 2] {
                let fast = Self.model.meanPooled(
                    batch, assignment: assignment, workspace: &workspace, loopThreads: loopThreads)
                #expect(fast.shape == plain.shape)
                #expect(maxAbsDifference(fast.scalars, plain.scalars) <= 1e-5, "\(indices), \(loopThreads) threads")
            }
        }
        // The adapters do move the embeddings (the comparison above is not between two unchanged encoders).
        let base = Self.model.meanPooled(batch)
        let adapted = Self.model.meanPooled(batch, adapter: adapters[1])
        #expect(maxAbsDifference(base.scalars, adapted.scalars) > 1e-3)
    }

    @Test func batchesOnSeveralCoresGiveEachTextItsOwnEmbeddingAndOrderedProgress() throws {
        let encoder = SentenceEncoder(
            tokenizer: try WordPieceTokenizer(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"]),
            model: Self.model, maxLength: 24)
        let texts = (0..<23).map { index in
            (0..<(index % 7)).map { ["a", "b", "c"][($0 + index) % 3] }.joined(separator: " ")
        }
        let adapters = try Self.adapters()
        let indices = texts.indices.map { $0 % 3 == 2 ? nil : $0 % 2 }
        let assignment = AdapterAssignment(adapters: adapters, adapterIndices: indices)
        var reported: [Int] = []
        let embeddings = encoder.embed(texts, batchSize: 2, normalize: true, assignment: assignment) {
            reported.append($0)
        }
        #expect(reported.count == 12 && reported.last == texts.count)
        #expect(zip(reported, reported.dropFirst()).allSatisfy { $0 < $1 })
        for (index, text) in texts.enumerated() {
            let alone = Self.model.meanPooled(
                TokenBatch(encoder.tokenize([text])), adapter: indices[index].map { adapters[$0] })
            let norm = alone.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let row = Array(embeddings.scalars[(index * 16)..<((index + 1) * 16)])
            #expect(maxAbsDifference(row, alone.scalars.map { $0 / norm }) <= 1e-5, "text \(index)")
        }
        // The same call again gives the same bits, whichever core took which batch.
        #expect(encoder.embed(texts, batchSize: 2, normalize: true, assignment: assignment) == embeddings)
    }
}
