import Foundation
import FoundryCore
import Tensors
import Testing

@testable import Adapters

/// A batch that mixes adapters (and base rows) gives every sequence what a batch of its adapter's sequences alone gives.
@Suite struct AdapterAssignmentTests {
    /// An adapter whose factors and head are all non-zero (a fresh one leaves the encoder unchanged: B starts at 0).
    private static func adapter(
        model: BertModel, rank: Int, targets: [LoRATarget], pooling: HeadPooling, classes: Int, seed: UInt64,
        scale: Float = 0.1
    ) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(
            model: model,
            configuration: .init(
                rank: rank, alpha: Float(2 * rank), targets: targets, headPooling: pooling, classCount: classes,
                seed: seed))
        var generator = SeededGenerator(seed: seed + 100)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * scale })
        return adapter
    }

    /// Three adapters of different ranks, targets, heads and class counts.
    private static func adapters(for model: BertModel, scale: Float = 0.1) throws -> [LoRAAdapter] {
        [
            try adapter(
                model: model, rank: 2, targets: [.query, .value], pooling: .mean, classes: 2, seed: 1, scale: scale),
            try adapter(
                model: model, rank: 4, targets: LoRATarget.allCases, pooling: .classifierToken, classes: 3, seed: 2,
                scale: scale),
            try adapter(
                model: model, rank: 1, targets: [.attentionOutput, .intermediate, .output], pooling: .mean, classes: 4,
                seed: 3, scale: scale),
        ]
    }

    private func rows(_ tensor: Tensor, _ range: Range<Int>) -> [Float] {
        Array(tensor.scalars[(range.lowerBound * tensor.columns)..<(range.upperBound * tensor.columns)])
    }

    /// Checks hidden states, pooled embeddings and logits of a mixed batch against one batch per adapter (and one of
    /// the base rows); returns the largest difference seen and how far the adapters moved their rows from the base.
    private func compareMixedWithSeparate(
        model: BertModel, sequences: [[Int32]], assignment: AdapterAssignment
    ) throws -> (difference: Float, adapterEffect: Float) {
        let batch = TokenBatch(sequences)
        let hidden = model.hiddenStates(batch, assignment: assignment)
        let pooled = model.meanPooled(batch, assignment: assignment)
        let base = model.hiddenStates(batch)
        var worst: Float = 0
        var effect: Float = 0
        let groups: [(adapter: LoRAAdapter?, members: [Int])] =
            [(nil, assignment.adapterIndices.indices.filter { assignment.adapterIndices[$0] == nil })]
            + assignment.adapters.indices.map { (assignment.adapters[$0], assignment.sequences(using: $0)) }
        for (adapter, members) in groups where !members.isEmpty {
            let alone = TokenBatch(members.map { sequences[$0] })
            let aloneHidden = model.hiddenStates(alone, adapter: adapter)
            let alonePooled = model.meanPooled(alone, adapter: adapter)
            for (slot, sequence) in members.enumerated() {
                let mixedRows = batch.offsets[sequence]..<batch.offsets[sequence + 1]
                let aloneRows = alone.offsets[slot]..<alone.offsets[slot + 1]
                worst = max(worst, maxAbsDifference(rows(hidden, mixedRows), rows(aloneHidden, aloneRows)))
                worst = max(
                    worst,
                    maxAbsDifference(rows(pooled, sequence..<(sequence + 1)), rows(alonePooled, slot..<(slot + 1))))
                if adapter != nil {
                    effect = max(effect, maxAbsDifference(rows(hidden, mixedRows), rows(base, mixedRows)))
                }
            }
        }
        // Logits: every sequence needs an adapter, so give the base rows adapter 0 for this part.
        let classified = AdapterAssignment(
            adapters: assignment.adapters, adapterIndices: assignment.adapterIndices.map { $0 ?? 0 })
        let logits = try model.logits(batch, assignment: classified)
        #expect(logits.count == sequences.count)
        for index in classified.adapters.indices {
            let members = classified.sequences(using: index)
            guard !members.isEmpty else { continue }
            let adapter = classified.adapters[index]
            let alone = model.logits(TokenBatch(members.map { sequences[$0] }), adapter: adapter)
            for (slot, sequence) in members.enumerated() {
                #expect(logits[sequence].count == adapter.head.classCount)
                worst = max(worst, maxAbsDifference(logits[sequence], rows(alone, slot..<(slot + 1))))
            }
        }
        return (worst, effect)
    }

    @Test func mixedBatchEqualsEachAdaptersSequencesRunAlone() throws {
        let model = TinyModel.model
        let adapters = try Self.adapters(for: model)
        let sequences = TinyModel.sequences([5, 9, 3, 12, 7, 2, 8, 6, 10, 4, 11])
        // Shuffled: adapter 0's and 1's sequences are scattered (gathered path), adapter 2's are consecutive (in place).
        let indices: [Int?] = [1, nil, 0, 2, 2, 0, nil, 1, 0, nil, 1]
        let (difference, effect) = try compareMixedWithSeparate(
            model: model, sequences: sequences,
            assignment: AdapterAssignment(adapters: adapters, adapterIndices: indices))
        #expect(difference <= 1e-6, "largest difference \(difference)")
        #expect(effect > 1e-2, "the adapters change their rows (by \(effect))")
    }

    @Test func unusedAdaptersAndAllBaseAssignmentsGiveTheBaseEncoder() throws {
        let model = TinyModel.model
        let adapters = try Self.adapters(for: model)
        let batch = TokenBatch(TinyModel.sequences([4, 6, 3]))
        let base = model.hiddenStates(batch)
        #expect(model.hiddenStates(batch, assignment: AdapterAssignment(adapter: nil, sequenceCount: 3)) == base)
        #expect(
            model.hiddenStates(
                batch, assignment: AdapterAssignment(adapters: adapters, adapterIndices: [nil, nil, nil]))
                == base)
        // One adapter for all: the assignment is exactly the single-adapter call.
        #expect(
            model.meanPooled(batch, assignment: AdapterAssignment(adapters: adapters, adapterIndices: [1, 1, 1]))
                == model.meanPooled(batch, adapter: adapters[1]))
    }

    @Test func classificationNeedsAnAdapterForEverySequence() throws {
        let model = TinyModel.model
        let adapters = try Self.adapters(for: model)
        let batch = TokenBatch(TinyModel.sequences([4, 6, 3]))
        #expect(
            throws: AdaptersError.invalidInput(
                reason: "sequence 1 has no adapter; classification needs each sequence's adapter and head")
        ) {
            try model.logits(batch, assignment: AdapterAssignment(adapters: adapters, adapterIndices: [0, nil, 2]))
        }
    }

    @Test func selectingAndValidation() throws {
        let model = TinyModel.model
        let adapters = try Self.adapters(for: model)
        let assignment = AdapterAssignment(adapters: adapters, adapterIndices: [2, nil, 0, 2])
        #expect(assignment.sequenceCount == 4)
        #expect(assignment.sequences(using: 2) == [0, 3] && assignment.sequences(using: 1).isEmpty)
        let selected = assignment.selecting([3, 1])
        #expect(selected.adapterIndices == [2, nil] && selected.adapters == adapters)
        try assignment.validate(against: model)
        let other = BertModel(
            randomWithConfiguration: BertConfiguration(
                vocabularySize: 40, hiddenSize: 16, layerCount: 3, headCount: 4, intermediateSize: 32,
                maxPositions: 24),
            seed: 2)
        let foreign = try LoRAAdapter(model: other, configuration: .init(rank: 2))
        let mixed = AdapterAssignment(adapters: [adapters[0], foreign], adapterIndices: [0, 1])
        #expect(
            throws: AdaptersError.invalidAdapter(path: "adapter 1", reason: "adapter has 3 layers, the model 2")
        ) {
            try mixed.validate(against: model)
        }
    }

    @Test func groupsMergeConsecutiveSequencesIntoRuns() {
        let batch = TokenBatch(TinyModel.sequences([2, 3, 4, 5, 6]))
        let assignment = AdapterAssignment(
            adapters: [], adapterIndices: [nil, nil, nil, nil, nil])
        #expect(assignment.groups(in: batch).isEmpty)
        let tiny = TinyModel.model
        let fresh = try? LoRAAdapter(model: tiny, configuration: .init(rank: 1))
        guard let fresh else {
            Issue.record("cannot create an adapter")
            return
        }
        let groups = AdapterAssignment(adapters: [fresh, fresh], adapterIndices: [1, 1, 0, nil, 1]).groups(in: batch)
        #expect(groups.map(\.adapterIndex) == [0, 1])
        #expect(groups[0].sequences == [2] && groups[0].tokenRuns == [5..<9])
        #expect(groups[1].sequences == [0, 1, 4] && groups[1].tokenRuns == [0..<5, 14..<20])
        #expect(groups[1].tokenCount == 11)
    }

    @Test func sentenceEncoderEmbedsEachTextWithItsAdapter() throws {
        let encoder = SentenceEncoder(
            tokenizer: try WordPieceTokenizer(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c"]),
            model: TinyModel.model, maxLength: 24)
        let adapters = try Self.adapters(for: TinyModel.model)
        let texts = ["a b c", "c", "a a a a b", "", "b c a b", "c c"]
        let indices: [Int?] = [0, nil, 2, 0, 1, nil]
        let mixed = encoder.embed(
            texts, batchSize: 4, normalize: true,
            assignment: AdapterAssignment(adapters: adapters, adapterIndices: indices))
        for (index, text) in texts.enumerated() {
            let alone = encoder.embed([text], normalize: true, adapter: indices[index].map { adapters[$0] })
            #expect(maxAbsDifference(rows(mixed, index..<(index + 1)), alone.scalars) <= 1e-6)
        }
    }

    /// How far the base encoder's hidden states of the same sequences differ between the whole batch and the batches
    /// of each adapter's sequences: the floor set by BLAS, whose kernels for different row counts round differently.
    private func baseNoise(model: BertModel, sequences: [[Int32]], assignment: AdapterAssignment) -> Float {
        let batch = TokenBatch(sequences)
        let whole = model.hiddenStates(batch)
        var worst: Float = 0
        let partition =
            [assignment.adapterIndices.indices.filter { assignment.adapterIndices[$0] == nil }]
            + assignment.adapters.indices.map { assignment.sequences(using: $0) }
        for members in partition where !members.isEmpty {
            let alone = TokenBatch(members.map { sequences[$0] })
            let states = model.hiddenStates(alone)
            for (slot, sequence) in members.enumerated() {
                worst = max(
                    worst,
                    maxAbsDifference(
                        rows(whole, batch.offsets[sequence]..<batch.offsets[sequence + 1]),
                        rows(states, alone.offsets[slot]..<alone.offsets[slot + 1])))
            }
        }
        return worst
    }

    /// The same check on all-MiniLM-L6-v2 with the PEFT reference adapter and two more of other ranks and targets.
    ///
    /// On MiniLM (width 384, states up to about 6) OpenBLAS rounds differently for different row counts: the base
    /// encoder alone already differs by ~1.8e-6 between these batch compositions. The mixed batch must stay within
    /// 1e-6 of that floor (measured: 1.4e-6 against a floor of 1.8e-6).
    @Test(.enabled(if: TestPaths.hasReference && TestPaths.hasModel, "needs ../shared/reference and .models"))
    func mixedBatchOnMiniLMEqualsEachAdaptersSequencesRunAlone() throws {
        let encoder = try #require(SharedModel.encoder)
        let model = encoder.model
        let sentences = try #require(TestPaths.json("minilm/sentences.json")["sentences"] as? [String])
        let peft = try LoRAAdapter(
            peftDirectory: TestPaths.reference.appendingPathComponent("peft_lora_minilm"), model: model)
        let adapters = [peft] + Array(try Self.adapters(for: model, scale: 0.02).dropFirst())
        let sequences = encoder.tokenize(Array(sentences.prefix(12)))
        let indices: [Int?] = [0, 2, nil, 1, 0, 0, 2, nil, 1, 0, 2, 1]
        let assignment = AdapterAssignment(adapters: adapters, adapterIndices: indices)
        let (difference, effect) = try compareMixedWithSeparate(
            model: model, sequences: sequences, assignment: assignment)
        let floor = baseNoise(model: model, sequences: sequences, assignment: assignment)
        #expect(difference <= floor + 1e-6, "largest difference \(difference), base encoder's own \(floor)")
        #expect(effect > 1e-3, "the adapters change their rows (by \(effect))")
    }
}
