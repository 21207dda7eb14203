import Adapters
import Foundation
import FoundryCore
import FoundryTestSupport
import Merging
import Tensors
import Testing

/// Every input that cannot be merged is a clear error naming the file and tensor, and nothing is left at the output.
@Suite("Merging bad input")
struct BadInputTests {
    static func leftovers(_ folder: TemporaryDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.url.path)) ?? []).filter {
            $0.contains("tmp-") || $0 == "merged"
        }
    }

    @Test("adapters with different ranks, targets or base models")
    func incompatibleAdapters() throws {
        let folder = TemporaryDirectory()
        let a = try TinyAdapters.adapter(seed: 1)
        let rank4 = try TinyAdapters.adapter(seed: 2, rank: 4)
        let keys = try TinyAdapters.adapter(seed: 3, targets: [.query, .key])
        let dirA = try TinyAdapters.save(a, in: folder, as: "a")
        let dir4 = try TinyAdapters.save(rank4, in: folder, as: "r4")
        let dirK = try TinyAdapters.save(keys, in: folder, as: "keys")
        let other = try TinyAdapters.save(try TinyAdapters.adapter(seed: 4), in: folder, as: "other")
        let config = other.appendingPathComponent("adapter_config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "all-MiniLM-L6-v2", with: "bert-base-uncased")
        try text.write(to: config, atomically: true, encoding: .utf8)
        func load(_ url: URL) throws -> AdapterMergeInput {
            try AdapterMergeInput.load(directory: url, model: TinyAdapters.model)
        }
        var peft = AdapterMerge.Configuration(method: .ties)
        peft.peftCompatible = true
        #expect {
            try AdapterMerge.merge([try load(dirA), try load(dir4)], configuration: peft)
        } throws: { error in
            guard case let MergingError.incompatible(path, _, reason) = error else { return false }
            return path == dir4.path && reason.contains("rank 4 differs from 2")
        }
        // The exact ΔW-space default merges different ranks.
        let merged = try AdapterMerge.merge([try load(dirA), try load(dir4)], configuration: .init(method: .ties))
        #expect(merged.adapter.configuration.rank == 6)
        #expect {
            try AdapterMerge.merge([try load(dirA), try load(dirK)], configuration: .init())
        } throws: { error in
            guard case let MergingError.incompatible(path, _, reason) = error else { return false }
            return path == dirK.path && reason.contains("target modules")
        }
        #expect {
            try AdapterMerge.merge([try load(dirA), try load(other)], configuration: .init())
        } throws: { error in
            guard case let MergingError.incompatible(path, _, reason) = error else { return false }
            return path == other.path && reason.contains("bert-base-uncased")
        }
    }

    @Test("shapes that do not fit: in memory, the tensor is named; on disk, the adapter folder")
    func mismatchedShapes() throws {
        let a = try TinyAdapters.adapter(seed: 1)
        var b = try TinyAdapters.adapter(seed: 2)
        b.factors[1][.value] = LoRAFactors(down: Tensor(shape: [2, 8]), up: Tensor(shape: [16, 2]))
        #expect(
            throws: MergingError.incompatible(
                path: "b", tensor: "encoder.layer.1.attention.self.value", reason: "ΔW is 16×8, in a 16×16")
        ) {
            try AdapterMerge.merge(
                [TinyAdapters.input(a, name: "a"), TinyAdapters.input(b, name: "b")], configuration: .init())
        }
        let folder = TemporaryDirectory()
        let wide = try LoRAAdapter(
            model: BertModel(
                randomWithConfiguration: BertConfiguration(
                    vocabularySize: 40, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 16,
                    maxPositions: 24),
                seed: 1), configuration: .init(rank: 2))
        let dir = try TinyAdapters.save(wide, in: folder, as: "wide")
        #expect {
            try AdapterMergeInput.load(directory: dir, model: TinyAdapters.model)
        } throws: { error in
            guard case let MergingError.invalidFile(path, _, reason) = error else { return false }
            return path == dir.path && reason.contains("do not fit")
        }
    }

    @Test("a missing Fisher or Gram file names the file the method needs")
    func missingStatistics() throws {
        let folder = TemporaryDirectory()
        let dir = try TinyAdapters.save(try TinyAdapters.adapter(seed: 1), in: folder, as: "a")
        #expect(
            throws: MergingError.missingFile(
                path: dir.appendingPathComponent("fisher.safetensors").path,
                reason: "the fisher method needs the diagonal Fisher information that `foundry train` saves")
        ) {
            try AdapterMergeInput.load(directory: dir, model: TinyAdapters.model, fisher: true)
        }
        #expect {
            try AdapterMergeInput.load(directory: dir, model: TinyAdapters.model, grams: true)
        } throws: { error in
            guard case let MergingError.missingFile(path, _) = error else { return false }
            return path.hasSuffix("a/gram.safetensors")
        }
        let inputs = [
            TinyAdapters.input(try TinyAdapters.adapter(seed: 1), name: "a"),
            TinyAdapters.input(try TinyAdapters.adapter(seed: 2), name: "b"),
        ]
        #expect {
            try AdapterMerge.merge(inputs, configuration: .init(method: .regmean))
        } throws: { error in
            guard case let MergingError.missingFile(path, _) = error else { return false }
            return path == "a/gram.safetensors"
        }
    }

    @Test("NaN weights, NaN adapter values and weights summing to zero where the method normalizes")
    func badNumbers() throws {
        let inputs = [
            TinyAdapters.input(try TinyAdapters.adapter(seed: 1), name: "a"),
            TinyAdapters.input(try TinyAdapters.adapter(seed: 2), name: "b"),
        ]
        var configuration = AdapterMerge.Configuration(method: .linear)
        configuration.weights = [0.5, .nan]
        #expect(
            throws: MergingError.invalidParameter(name: "weights", reason: "weight 2 is nan, expected a finite number")
        ) {
            try AdapterMerge.merge(inputs, configuration: configuration)
        }
        var fisher = AdapterMerge.Configuration(method: .fisher)
        fisher.weights = [1, -1]
        #expect(
            throws: MergingError.invalidParameter(
                name: "weights", reason: "fisher divides by the weights' sum, which is zero")
        ) {
            try AdapterMerge.merge(inputs, configuration: fisher)
        }
        let folder = TemporaryDirectory()
        var broken = try TinyAdapters.adapter(seed: 3)
        broken.factors[1][.query]?.down.scalars[3] = .nan
        let dir = try TinyAdapters.save(broken, in: folder, as: "nan")
        #expect(
            throws: MergingError.invalidFile(
                path: dir.path, tensor: "encoder.layer.1.attention.self.query.lora_A.weight",
                reason: "holds NaN or infinite values")
        ) {
            try AdapterMergeInput.load(directory: dir, model: TinyAdapters.model)
        }
    }

    /// Writes a tiny checkpoint folder.
    static func checkpoint(_ folder: TemporaryDirectory, _ name: String, _ tensors: [String: Tensor]) throws -> URL {
        let url = folder.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try SafeTensors(tensors: tensors).write(to: url.appendingPathComponent("model.safetensors"))
        return url
    }

    @Test("a truncated checkpoint names the file and the first tensor it cuts; nothing is written at the output")
    func truncatedCheckpoint() throws {
        let folder = TemporaryDirectory()
        let tensors = ["a.weight": Tensor(shape: [4, 4], repeating: 1), "b.weight": Tensor(shape: [4], repeating: 2)]
        let base = try Self.checkpoint(folder, "base", tensors)
        let t1 = try Self.checkpoint(folder, "t1", tensors)
        let t2 = try Self.checkpoint(folder, "t2", tensors)
        let file = t2.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: file)
        try data.prefix(data.count - 10).write(to: file)
        let output = folder.url.appendingPathComponent("merged")
        #expect {
            try CheckpointMerge.merge(
                models: [t1, t2], base: base, output: output, configuration: .init(method: .ties))
        } throws: { error in
            guard case let MergingError.invalidFile(path, tensor, reason) = error else { return false }
            return path == file.path && tensor == "b.weight" && reason.contains("truncated")
        }
        #expect(Self.leftovers(folder).isEmpty)
    }

    @Test("checkpoints with other tensors, other shapes or NaN values; linear weights summing to zero")
    func mismatchedCheckpoints() throws {
        let folder = TemporaryDirectory()
        let base = try Self.checkpoint(folder, "base", ["a.weight": Tensor(shape: [2, 2], repeating: 1)])
        let shaped = try Self.checkpoint(folder, "shaped", ["a.weight": Tensor(shape: [4], repeating: 1)])
        let named = try Self.checkpoint(folder, "named", ["c.weight": Tensor(shape: [2, 2], repeating: 1)])
        let nan = try Self.checkpoint(folder, "nan", ["a.weight": Tensor(shape: [2, 2], scalars: [1, .nan, 1, 1])])
        let good = try Self.checkpoint(folder, "good", ["a.weight": Tensor(shape: [2, 2], repeating: 3)])
        let output = folder.url.appendingPathComponent("merged")
        #expect(
            throws: MergingError.incompatible(
                path: shaped.appendingPathComponent("model.safetensors").path, tensor: "a.weight",
                reason: "shape [4], in \(base.appendingPathComponent("model.safetensors").path) [2, 2]")
        ) {
            try CheckpointMerge.merge(models: [good, shaped], base: base, output: output, configuration: .init())
        }
        #expect {
            try CheckpointMerge.merge(models: [good, named], base: base, output: output, configuration: .init())
        } throws: { error in
            guard case let MergingError.incompatible(_, tensor, _) = error else { return false }
            return tensor == "a.weight"
        }
        #expect(
            throws: MergingError.invalidFile(
                path: nan.appendingPathComponent("model.safetensors").path, tensor: "a.weight",
                reason: "value 1 is nan; weights must be finite")
        ) {
            try CheckpointMerge.merge(models: [good, nan], base: base, output: output, configuration: .init())
        }
        var linear = CheckpointMerge.Configuration(method: .linear)
        linear.weights = [1, -1]
        #expect(
            throws: MergingError.invalidParameter(
                name: "weights", reason: "linear divides by the weights' sum, which is zero")
        ) {
            try CheckpointMerge.merge(models: [good, base], base: nil, output: output, configuration: linear)
        }
        #expect(
            throws: MergingError.missingFile(
                path: folder.url.appendingPathComponent("absent/model.safetensors").path,
                reason: "a checkpoint folder needs model.safetensors or a sharded model.safetensors.index.json")
        ) {
            try CheckpointMerge.merge(
                models: [good, folder.url.appendingPathComponent("absent")], base: base, output: output,
                configuration: .init())
        }
        #expect(Self.leftovers(folder).isEmpty)
    }

    @Test("a failed merge leaves an existing output folder as it was")
    func existingOutputSurvives() throws {
        let folder = TemporaryDirectory()
        let base = try Self.checkpoint(folder, "base", ["a.weight": Tensor(shape: [2, 2], repeating: 1)])
        let good = try Self.checkpoint(folder, "good", ["a.weight": Tensor(shape: [2, 2], repeating: 3)])
        let output = folder.url.appendingPathComponent("merged")
        let report = try CheckpointMerge.merge(
            models: [good, good], base: base, output: output, configuration: .init(method: .taskArithmetic))
        #expect(report.mergedTensors == 1)
        let before = try Data(contentsOf: output.appendingPathComponent("model.safetensors"))
        let nan = try Self.checkpoint(folder, "nan", ["a.weight": Tensor(shape: [2, 2], scalars: [1, .nan, 1, 1])])
        #expect(throws: MergingError.self) {
            try CheckpointMerge.merge(models: [good, nan], base: base, output: output, configuration: .init())
        }
        #expect(try Data(contentsOf: output.appendingPathComponent("model.safetensors")) == before)
        let merged = try SafeTensors(contentsOf: output.appendingPathComponent("model.safetensors"))
        // Task arithmetic's default weights are 1 each: base 1 + τ 2 + τ 2.
        #expect(merged.tensors["a.weight"]?.scalars == [5, 5, 5, 5])
    }
}
