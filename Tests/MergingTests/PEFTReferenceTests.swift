import Adapters
import Foundation
import FoundryCore
import Merging
import Tensors
import Testing

/// PEFT 0.21.2 `add_weighted_adapter` on three MiniLM adapters, reproduced within the tolerances of
/// `../shared/reference/merging/README.md`.
@Suite("PEFT add_weighted_adapter reference")
struct PEFTReferenceTests {
    static let peft = ReferenceData.merging.appendingPathComponent("peft")
    static let available = ReferenceData.hasMerging && ReferenceData.hasModel

    static func inputs(_ names: [String], model: BertModel) throws -> [AdapterMergeInput] {
        try names.map { name in
            try AdapterMergeInput.load(directory: peft.appendingPathComponent("adapter_\(name)"), model: model)
        }
    }

    /// The call recorded in a merge's `result.json`.
    static func call(_ merge: String) throws -> (adapters: [String], weights: [Double], type: String, density: Double) {
        let result = try ReferenceData.json(peft.appendingPathComponent("merges/\(merge)/result.json"))
        let kwargs = result["kwargs"] as? [String: Any] ?? [:]
        return (
            result["adapters"] as? [String] ?? [], (result["weights"] as? [NSNumber] ?? []).map(\.doubleValue),
            result["combination_type"] as? String ?? "", (kwargs["density"] as? NSNumber)?.doubleValue ?? 1
        )
    }

    static func merged(_ merge: String, model: BertModel) throws -> AdapterMerge.Merged {
        let call = try call(merge)
        var configuration = AdapterMerge.Configuration(method: try #require(MergeMethod(rawValue: call.type)))
        configuration.weights = call.weights
        configuration.density = call.density
        configuration.peftCompatible = true
        return try AdapterMerge.merge(try inputs(call.adapters, model: model), configuration: configuration)
    }

    @Test(
        "factor-space merges equal PEFT's A′ and B′ (≤ 2 ulp)",
        .enabled(if: available, "needs ../shared/reference/merging and .models"),
        arguments: ["linear_AB", "linear_ABC", "cat_AB", "cat_ABC", "ties_AB", "ties_ABC", "magnitude_prune_AB"])
    func factorSpaceMatchesPEFT(merge: String) throws {
        let model = try #require(SharedEncoder.model)
        let merged = try Self.merged(merge, model: model)
        let reference = try SafeTensors(
            contentsOf: Self.peft.appendingPathComponent("merges/\(merge)/adapter_model.safetensors"))
        let config = try ReferenceData.json(Self.peft.appendingPathComponent("merges/\(merge)/adapter_config.json"))
        #expect(merged.adapter.configuration.rank == (config["r"] as? Int))
        #expect(merged.adapter.configuration.alpha == Float(config["lora_alpha"] as? Int ?? 0))
        let ours = merged.adapter.peftTensors
        var compared = 0
        for (key, expected) in reference.tensors where key.contains("lora_") {
            let actual = try #require(ours[key], "missing \(key)")
            #expect(actual.shape == expected.shape, "\(key)")
            let difference = ReferenceData.maxDifference(actual.scalars, expected.scalars)
            let scale = expected.scalars.map { Double(abs($0)) }.max() ?? 1
            #expect(difference <= 2 * scale * Double(Float.ulpOfOne), "\(merge) \(key): max difference \(difference)")
            compared += 1
        }
        #expect(compared == 24)
    }

    @Test(
        "SVD merges equal PEFT's B′·A′ on every module (≤ 1e-6)",
        .enabled(if: available, "needs ../shared/reference/merging and .models"),
        arguments: ["svd_AB", "ties_svd_AB", "magnitude_prune_svd_AB"])
    func svdMergesMatchPEFTProducts(merge: String) throws {
        let model = try #require(SharedEncoder.model)
        let merged = try Self.merged(merge, model: model)
        #expect(merged.adapter.configuration.rank == 8)
        let reference = try LoRAAdapter(
            peftDirectory: Self.peft.appendingPathComponent("merges/\(merge)"), model: model)
        var worst = 0.0
        for layer in reference.factors.indices {
            for target in reference.configuration.targets {
                let expected = try #require(reference.factors[layer][target]).delta(scaling: 1)
                let actual = try #require(merged.adapter.factors[layer][target]).delta(scaling: 1)
                worst = max(worst, ReferenceData.maxDifference(actual.scalars, expected.scalars))
            }
        }
        #expect(worst <= 1e-6, "\(merge): max |B′A′ − PEFT| = \(worst)")
        let layer0 = try ReferenceData.npy(Self.peft.appendingPathComponent("merges/\(merge)/delta_layer0_query.npy"))
        let ours = try #require(merged.adapter.factors[0][.query]).delta(scaling: 1)
        #expect(ReferenceData.maxDifference(ours.scalars, layer0) <= 1e-6)
    }

    @Test(
        "ties_svd hands the SVD PEFT's matrix: same zeros, ≤ 1e-8",
        .enabled(if: available, "needs ../shared/reference/merging and .models"))
    func tiesSVDMatrixMatches() throws {
        let model = try #require(SharedEncoder.model)
        let inputs = try Self.inputs(["A", "B"], model: model)
        let parts = inputs.map { $0.adapter.factors[0][.query]! }
        let matrix = PEFTCombination.preSVDMatrix(
            parts, scalings: inputs.map { $0.adapter.configuration.scaling }, weights: [0.6, 0.4], type: .tiesSVD,
            density: 0.5)
        let expected = try ReferenceData.npy(
            Self.peft.appendingPathComponent("merges/ties_svd_AB/pre_svd_delta_layer0_query.npy"))
        #expect(ReferenceData.maxDifference(matrix, expected) <= 1e-8)
        #expect(zip(matrix, expected).allSatisfy { ($0 == 0) == ($1 == 0) })
    }

    @Test(
        "the merged adapter with the base head gives PEFT's logits (≤ 1e-5)",
        .enabled(if: available, "needs ../shared/reference/merging and .models"),
        arguments: ["linear_AB", "ties_ABC", "svd_AB"])
    func logitsMatchPEFT(merge: String) throws {
        let model = try #require(SharedEncoder.model)
        var merged = try Self.merged(merge, model: model).adapter
        let head = try SafeTensors(contentsOf: Self.peft.appendingPathComponent("base_head.safetensors"))
        merged.head = ClassificationHead(
            pooling: .classifierToken, weight: try #require(head.tensors["classifier.weight"]),
            bias: try #require(head.tensors["classifier.bias"]).scalars)
        let tokens = try ReferenceData.json(ReferenceData.reference.appendingPathComponent("minilm/tokens.json"))
        let items = try #require(tokens["items"] as? [[String: Any]])
        let result = try ReferenceData.json(Self.peft.appendingPathComponent("merges/\(merge)/result.json"))
        let expected = try #require(result["logits"] as? [[NSNumber]])
        for index in 0..<10 {
            let ids = try #require(items[index]["input_ids"] as? [Int]).map { Int32($0) }
            let logits = model.logits(TokenBatch([ids]), adapter: merged)
            let reference = expected[index].map(\.floatValue)
            #expect(ReferenceData.maxDifference(logits.scalars, reference) <= 1e-5, "\(merge) sentence \(index)")
        }
    }

    @Test(
        "the exact ΔW-space default: linear is Σ wᵢΔWᵢ without cross terms; PEFT's linear is not",
        .enabled(if: available, "needs ../shared/reference/merging and .models"))
    func exactDefaultHasNoCrossTerms() throws {
        let model = try #require(SharedEncoder.model)
        let inputs = try Self.inputs(["A", "B"], model: model)
        var configuration = AdapterMerge.Configuration(method: .linear)
        configuration.weights = [0.6, 0.4]
        let exact = try AdapterMerge.merge(inputs, configuration: configuration)
        configuration.peftCompatible = true
        let peft = try AdapterMerge.merge(inputs, configuration: configuration)
        #expect(exact.adapter.configuration.rank == 16)
        let deltas = inputs.map { $0.adapter.factors[0][.query]!.delta(scaling: $0.adapter.configuration.scaling) }
        var weighted = [Float](repeating: 0, count: deltas[0].count)
        for i in weighted.indices {
            weighted[i] = Float(0.6 * Double(deltas[0].scalars[i]) + 0.4 * Double(deltas[1].scalars[i]))
        }
        let ours = exact.adapter.factors[0][.query]!.delta(scaling: 1).scalars
        #expect(ReferenceData.maxDifference(ours, weighted) <= 1e-8)
        let theirs = peft.adapter.factors[0][.query]!.delta(scaling: 1)
        // README: ‖ΔW′‖ = 0.867 for PEFT's factor-space linear, 0.634 for the weighted sum.
        #expect(abs(theirs.norm - 0.867) < 0.001)
        #expect(abs(Tensor(shape: [384, 384], scalars: ours).norm - 0.634) < 0.001)
    }
}
