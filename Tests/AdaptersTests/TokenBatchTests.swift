import Testing

@testable import Adapters

@Suite struct TokenBatchTests {
    @Test func packsSequencesEndToEnd() {
        let batch = TokenBatch([[2, 5, 3], [2, 3], [2, 7, 8, 9, 3]])
        #expect(batch.count == 3 && batch.tokenCount == 10 && batch.maxLength == 5)
        #expect(batch.offsets == [0, 3, 5, 10])
        #expect(batch.length(1) == 2)
        #expect(batch.ids == [2, 5, 3, 2, 3, 2, 7, 8, 9, 3])
    }

    @Test func parsesTargetNames() {
        #expect(LoRATarget(name: "query") == .query)
        #expect(LoRATarget(name: "attention.output.dense") == .attentionOutput)
        #expect(LoRATarget(name: "attention_output") == .attentionOutput)
        #expect(LoRATarget(name: "intermediate.dense") == .intermediate)
        #expect(LoRATarget(name: "output") == .output)
        #expect(LoRATarget(name: "pooler") == nil)
        #expect(LoRATarget.allCases.sorted() == LoRATarget.allCases)
    }
}
