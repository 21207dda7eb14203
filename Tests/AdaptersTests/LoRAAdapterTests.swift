import Foundation
import Tensors
import Testing

@testable import Adapters

@Suite struct LoRAAdapterTests {
    static let peftDirectory = TestPaths.reference.appendingPathComponent("peft_lora_minilm")
    static var hasPEFTReference: Bool {
        TestPaths.hasModel
            && FileManager.default.fileExists(
                atPath: peftDirectory.appendingPathComponent("adapter_model.safetensors").path)
    }

    private func referenceInputs() throws -> [[Int32]] {
        let items = try #require(TestPaths.json("minilm/tokens.json")["items"] as? [[String: Any]])
        return try (0..<10).map { try #require(items[$0]["input_ids"] as? [Int]).map(Int32.init) }
    }

    private func rows(_ value: Any?) -> [[Float]] { (value as? [Any])?.map { floats($0) } ?? [] }

    /// Logits of PEFT 0.21.2's BertForSequenceClassification + LoRA(q,v) reference adapter on strings 0–9, each alone
    /// (`../shared/reference/peft_lora_minilm/logits.json`, PyTorch float32).
    @Test(.enabled(if: hasPEFTReference, "needs ../shared/reference/peft_lora_minilm and .models"))
    func reproducesPEFTLogits() throws {
        let model = try #require(SharedModel.encoder).model
        let adapter = try LoRAAdapter(peftDirectory: Self.peftDirectory, model: model)
        #expect(adapter.configuration.rank == 8 && adapter.configuration.scaling == 2)
        #expect(adapter.configuration.targets == [.query, .value])
        #expect(adapter.head.pooling == .classifierToken && adapter.head.classCount == 2)
        let reference = try TestPaths.json("peft_lora_minilm/logits.json")
        let expected = rows(reference["logits"]), disabled = rows(reference["logits_adapter_disabled"])
        let meanHead = rows(reference["logits_mean_pool_head"])
        var meanAdapter = adapter
        meanAdapter.head.pooling = .mean
        var worst: Float = 0
        for (index, ids) in try referenceInputs().enumerated() {
            let batch = TokenBatch([ids])
            worst = max(worst, maxAbsDifference(model.logits(batch, adapter: adapter).scalars, expected[index]))
            worst = max(
                worst,
                maxAbsDifference(model.logits(batch, adapter: adapter, applyLoRA: false).scalars, disabled[index]))
            worst = max(worst, maxAbsDifference(model.logits(batch, adapter: meanAdapter).scalars, meanHead[index]))
        }
        #expect(worst <= 1e-5, "max abs logit difference \(worst)")
    }

    /// `merge_and_unload()` logits and the merged layer-0 query weight norm from `merged.json`.
    @Test(.enabled(if: hasPEFTReference, "needs ../shared/reference/peft_lora_minilm and .models"))
    func mergingMatchesPEFTMergeAndUnload() throws {
        let model = try #require(SharedModel.encoder).model
        let adapter = try LoRAAdapter(peftDirectory: Self.peftDirectory, model: model)
        let merged = model.merging(adapter)
        let reference = try TestPaths.json("peft_lora_minilm/merged.json")
        let expected = rows(reference["logits_after_merge_and_unload"])
        let batch = TokenBatch(try referenceInputs())
        let logits = merged.logits(batch, adapter: adapter, applyLoRA: false)
        #expect(maxAbsDifference(logits.scalars, expected.flatMap { $0 }) <= 1e-5)
        #expect(abs(merged.layers[0].query.weight.norm - 36.6677535235603) < 1e-4)
        let restored = merged.unmerging(adapter)
        #expect(maxAbsDifference(restored.layers[0].query.weight.scalars, model.layers[0].query.weight.scalars) < 1e-6)
    }

    @Test func freshAdapterIsTheIdentityWithKaimingUniformA() throws {
        let model = TinyModel.model
        let adapter = try LoRAAdapter(
            model: model, configuration: .init(rank: 4, alpha: 8, targets: [.value, .query, .value, .output]))
        #expect(adapter.configuration.targets == [.query, .value, .output])
        #expect(adapter.configuration.scaling == 2)
        let factor = try #require(adapter.factors[1][.output])
        #expect(factor.down.shape == [4, 32] && factor.up.shape == [16, 4])
        #expect(factor.up.scalars.allSatisfy { $0 == 0 })
        let bound = 1 / Float(32).squareRoot()
        #expect(
            factor.down.scalars.allSatisfy { abs($0) <= bound } && factor.down.scalars.contains { abs($0) > bound / 2 })
        let batch = TokenBatch(TinyModel.sequences([4, 7]))
        #expect(
            model.logits(batch, adapter: adapter).scalars
                == model.logits(batch, adapter: adapter, applyLoRA: false).scalars)
        #expect(adapter.parameterCount == 2 * (4 * 16 + 16 * 4) * 2 + 2 * (4 * 32 + 16 * 4) + 2 * 16 + 2)
    }

    private func randomizedAdapter(_ model: BertModel, targets: [LoRATarget], pooling: HeadPooling = .classifierToken)
        throws -> LoRAAdapter
    {
        var adapter = try LoRAAdapter(
            model: model,
            configuration: .init(rank: 3, alpha: 6, targets: targets, headPooling: pooling, classCount: 3, seed: 5))
        var values = adapter.flattened()
        for i in values.indices { values[i] += Float((i * 37) % 11 - 5) * 0.03 }
        adapter.assign(flattened: values)
        return adapter
    }

    @Test func mergeAndUnmergeReproduceUnmergedLogits() throws {
        let model = TinyModel.model
        let adapter = try randomizedAdapter(model, targets: LoRATarget.allCases)
        let batch = TokenBatch(TinyModel.sequences([5, 3, 8]))
        let unmerged = model.logits(batch, adapter: adapter)
        let merged = model.merging(adapter).logits(batch, adapter: adapter, applyLoRA: false)
        #expect(maxAbsDifference(unmerged.scalars, merged.scalars) < 1e-5)
        #expect(
            maxAbsDifference(unmerged.scalars, model.logits(batch, adapter: adapter, applyLoRA: false).scalars) > 1e-3)
        let restored = model.merging(adapter).unmerging(adapter)
        #expect(
            maxAbsDifference(restored.layers[1].output.weight.scalars, model.layers[1].output.weight.scalars) < 1e-6)
    }

    @Test(arguments: [HeadPooling.mean, .classifierToken])
    func savesInPEFTLayoutAndLoadsBack(pooling: HeadPooling) throws {
        let model = TinyModel.model
        let adapter = try randomizedAdapter(
            model, targets: [.query, .key, .attentionOutput, .output], pooling: pooling)
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("adapter")
        try adapter.save(to: target)
        try adapter.save(to: target)  // replacing an existing adapter works
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names == ["adapter"])
        let weights = try SafeTensors(contentsOf: target.appendingPathComponent("adapter_model.safetensors"))
        #expect(
            weights.tensors["base_model.model.bert.encoder.layer.1.attention.self.key.lora_A.weight"]?.shape == [3, 16])
        #expect(weights.tensors["base_model.model.bert.encoder.layer.0.output.dense.lora_B.weight"]?.shape == [16, 3])
        #expect(weights.tensors["base_model.model.classifier.weight"]?.shape == [3, 16])
        let config = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: target.appendingPathComponent("adapter_config.json")))
                as? [String: Any])
        #expect(config["r"] as? Int == 3 && config["peft_type"] as? String == "LORA")
        #expect(config["modules_to_save"] as? [String] == ["classifier"])
        let loaded = try LoRAAdapter(peftDirectory: target, model: model)
        #expect(loaded.flattened() == adapter.flattened())
        #expect(loaded.factors == adapter.factors && loaded.head == adapter.head)
        #expect(loaded.configuration.targets == adapter.configuration.targets && loaded.configuration.scaling == 2)
    }

    @Test func rejectsBadRanksAndAdaptersForAnotherModel() throws {
        let model = TinyModel.model
        #expect(throws: AdaptersError.invalidParameter(name: "rank", reason: "must be positive, got 0")) {
            try LoRAAdapter(model: model, configuration: .init(rank: 0))
        }
        #expect(throws: AdaptersError.self) { try LoRAAdapter(model: model, configuration: .init(targets: [])) }
        #expect(throws: AdaptersError.self) { try LoRAAdapter(model: model, configuration: .init(classCount: 1)) }
        var wider = TinyModel.configuration
        wider.hiddenSize = 24
        wider.intermediateSize = 48
        let other = BertModel(randomWithConfiguration: wider, seed: 1)
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try LoRAAdapter(model: other, configuration: .init(rank: 2)).save(to: directory.appendingPathComponent("a"))
        #expect(throws: AdaptersError.self) {
            try LoRAAdapter(peftDirectory: directory.appendingPathComponent("a"), model: model)
        }
        #expect(
            throws: AdaptersError.invalidAdapter(
                path: directory.appendingPathComponent("none").path, reason: "missing adapter_config.json")
        ) {
            try LoRAAdapter(peftDirectory: directory.appendingPathComponent("none"), model: model)
        }
    }

    @Test func rejectsUnsupportedPEFTOptionsAndUnknownKeys() throws {
        let model = TinyModel.model
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("a")
        let adapter = try LoRAAdapter(model: model, configuration: .init(rank: 2))
        try adapter.save(to: target)
        let configURL = target.appendingPathComponent("adapter_config.json")
        var config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        config["use_dora"] = true
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        #expect(throws: AdaptersError.invalidAdapter(path: target.path, reason: "DoRA adapters are not supported")) {
            try LoRAAdapter(peftDirectory: target, model: model)
        }
        config["use_dora"] = false
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        var weights = SafeTensors(tensors: adapter.peftTensors)
        weights.tensors["base_model.model.bert.pooler.dense.lora_A.weight"] = Tensor(shape: [2, 16])
        try weights.write(to: target.appendingPathComponent("adapter_model.safetensors"))
        #expect(
            throws: AdaptersError.invalidAdapter(
                path: target.path, reason: "unsupported tensor base_model.model.bert.pooler.dense.lora_A.weight")
        ) {
            try LoRAAdapter(peftDirectory: target, model: model)
        }
    }
}
