import Foundation
import FoundryCore
import FoundryTestSupport
import Merging
import Tensors
import Testing

/// mergekit 0.1.5 on all-MiniLM-L6-v2, reproduced on `encoder.layer.0.attention.self.query.weight`, the tensor the
/// reference ships both task vectors of (T = base + delta reproduces mergekit's inputs bit for bit).
@Suite("mergekit reference")
struct MergekitReferenceTests {
    static let root = ReferenceData.merging.appendingPathComponent("mergekit")
    static let available = ReferenceData.hasMerging && ReferenceData.hasModel
    static let tensor = "encoder.layer.0.attention.self.query.weight"

    /// base, T1 and T2 of the reference tensor.
    static func inputs() throws -> (base: [Float], t1: [Float], t2: [Float]) {
        let base = try SafeTensorsStream(url: ReferenceData.model.appendingPathComponent("model.safetensors"))
            .floats(tensor)
        let d1 = try ReferenceData.npy(root.appendingPathComponent("T1_minus_base_layer0_query.npy"))
        let d2 = try ReferenceData.npy(root.appendingPathComponent("T2_minus_base_layer0_query.npy"))
        return (base, zip(base, d1).map { $0 + $1 }, zip(base, d2).map { $0 + $1 })
    }

    static func expected(_ method: String) throws -> [Float] {
        try ReferenceData.npy(root.appendingPathComponent("\(method)/layer0_query.npy"))
    }

    @Test(
        "linear, task_arithmetic, ties and breadcrumbs are bit-exact",
        .enabled(if: available, "needs ../shared/reference/merging and .models"))
    func exactMethods() throws {
        let (base, t1, t2) = try Self.inputs()
        let deltas = [TaskVectorMerge.difference(t1, base), TaskVectorMerge.difference(t2, base)]
        let weights: [Float] = [0.5, 0.5]
        let linear = TaskVectorMerge.linear([t1, t2], weights: weights, normalize: true)
        #expect(linear == (try Self.expected("linear")))
        let arithmetic = TaskVectorMerge.combine(
            base: base, deltas: deltas, weights: weights, consensus: false, normalize: false)
        #expect(arithmetic == (try Self.expected("task_arithmetic")))
        let ties = TaskVectorMerge.combine(
            base: base, deltas: deltas.map { TaskVectorMerge.magnitudePruned($0, density: 0.5) }, weights: weights,
            consensus: true, normalize: true)
        #expect(ties == (try Self.expected("ties")))
        let breadcrumbs = TaskVectorMerge.combine(
            base: base, deltas: deltas.map { TaskVectorMerge.outliersPruned($0, density: 0.9, gamma: 0.01) },
            weights: weights, consensus: false, normalize: false)
        #expect(breadcrumbs == (try Self.expected("breadcrumbs")))
        // The two methods agree mathematically, not bitwise (README: up to 3.7e-9).
        #expect(ReferenceData.maxDifference(linear, arithmetic) < 1e-8)
    }

    @Test(
        "DARE with the masks mergekit drew matches within 1e-7",
        .enabled(if: available, "needs ../shared/reference/merging and .models"),
        arguments: ["dare_linear", "dare_ties"])
    func dareWithCapturedMasks(method: String) throws {
        let (base, t1, t2) = try Self.inputs()
        let masks = try ReferenceData.npz(Self.root.appendingPathComponent("\(method)/dare_masks_layer0_query.npz"))
        let m1 = ReferenceData.unpackBits(try #require(masks["T1_keep_packbits.npy"]), count: base.count)
        let m2 = ReferenceData.unpackBits(try #require(masks["T2_keep_packbits.npy"]), count: base.count)
        let kept = Double(m1.filter { $0 }.count) / Double(base.count)
        #expect(abs(kept - 0.500732421875) < 1e-12)
        let dropped = [
            TaskVectorMerge.masked(TaskVectorMerge.difference(t1, base), m1, rescaleL1: true),
            TaskVectorMerge.masked(TaskVectorMerge.difference(t2, base), m2, rescaleL1: true),
        ]
        let merged = TaskVectorMerge.combine(
            base: base, deltas: dropped, weights: [0.5, 0.5], consensus: method == "dare_ties", normalize: false)
        let difference = ReferenceData.maxDifference(merged, try Self.expected(method))
        #expect(difference <= 1e-7, "\(method): \(difference)")
    }

    @Test(
        "model_stock's t and weights match (t to 1e-6 relative, weights ≤ 1e-6)",
        .enabled(if: available, "needs ../shared/reference/merging and .models"))
    func modelStock() throws {
        let (base, t1, t2) = try Self.inputs()
        let result = TaskVectorMerge.modelStock(base: base, models: [t1, t2])
        let table = try ReferenceData.json(Self.root.appendingPathComponent("model_stock/cos_t.json"))
        let entry = try #require((table["tensors"] as? [String: [String: Any]])?[Self.tensor])
        let t = try #require(entry["t_torch_f32"] as? Double)
        #expect(abs(Double(result.t) - t) <= 1e-6 * abs(t))
        #expect(ReferenceData.maxDifference(result.merged, try Self.expected("model_stock")) <= 1e-6)
    }

    @Test(
        "seeded DARE keeps about the density and is deterministic for a seed",
        .enabled(if: available, "needs ../shared/reference/merging and .models"))
    func seededDARE() throws {
        let (base, t1, _) = try Self.inputs()
        let delta = TaskVectorMerge.difference(t1, base)
        var first = SeededGenerator(seed: 42)
        var second = SeededGenerator(seed: 42)
        let a = TaskVectorMerge.sparsified(delta, .random(density: 0.5, rescale: true), generator: &first)
        let b = TaskVectorMerge.sparsified(delta, .random(density: 0.5, rescale: true), generator: &second)
        #expect(a == b)
        let kept = Double(a.filter { $0 != 0 }.count) / Double(a.count)
        #expect(abs(kept - 0.5) < 0.01)
        // L1 rescale: the kept entries carry the original L1 norm.
        let before = delta.reduce(0.0) { $0 + Double(abs($1)) }
        let after = a.reduce(0.0) { $0 + Double(abs($1)) }
        #expect(abs(after - before) / before < 1e-5)
    }

    @Test(
        "full-checkpoint merges stream the reference tensor to mergekit's values",
        .enabled(if: available, "needs ../shared/reference/merging and .models"),
        arguments: ["linear", "task_arithmetic", "ties", "breadcrumbs", "model_stock"])
    func checkpointMergeMatches(method: String) throws {
        let (base, t1, t2) = try Self.inputs()
        let folder = TemporaryDirectory()
        let norm = try SafeTensorsStream(url: ReferenceData.model.appendingPathComponent("model.safetensors"))
            .floats("embeddings.LayerNorm.weight")
        for (name, values) in [("base", base), ("T1", t1), ("T2", t2)] {
            let directory = folder.url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try SafeTensors(tensors: [
                Self.tensor: Tensor(shape: [384, 384], scalars: values),
                "embeddings.LayerNorm.weight": Tensor(shape: [384], scalars: norm),
            ]).write(to: directory.appendingPathComponent("model.safetensors"))
            _ = try folder.write("\(name)/config.json", "{}")
        }
        var configuration = CheckpointMerge.Configuration(method: try #require(MergeMethod(rawValue: method)))
        configuration.weights = [0.5, 0.5]
        configuration.density = method == "breadcrumbs" ? 0.9 : 0.5
        let output = folder.url.appendingPathComponent("merged")
        let report = try CheckpointMerge.merge(
            models: [folder.url.appendingPathComponent("T1"), folder.url.appendingPathComponent("T2")],
            base: folder.url.appendingPathComponent("base"), output: output, configuration: configuration)
        #expect(report.mergedTensors == 2)
        let merged = try SafeTensorsStream(url: output.appendingPathComponent("model.safetensors"))
        if method == "model_stock" {
            // cos is a float32 reduction in torch, Float64 here: README's tolerance is 1e-6.
            #expect(ReferenceData.maxDifference(try merged.floats(Self.tensor), try Self.expected(method)) <= 1e-6)
            #expect(report.modelStockRatios?["embeddings.LayerNorm.weight"] == 0)
        } else {
            #expect(try merged.floats(Self.tensor) == (try Self.expected(method)))
        }
        #expect(try merged.floats("embeddings.LayerNorm.weight") == norm)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("config.json").path))
    }
}
