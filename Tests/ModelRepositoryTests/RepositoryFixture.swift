import Foundation
import FoundryCore
import FoundryTestSupport
import Tensors

@testable import ModelRepository

/// Small models written by the tests: a "base" with two matrices and a bias, variants of it, and LoRA adapters.
struct RepositoryFixture {
    let directory = TemporaryDirectory(prefix: "model-repo")
    let repository: ModelRepository

    init() throws {
        repository = try ModelRepository.create(at: directory.url.appendingPathComponent("repo"))
    }

    var root: URL { directory.url }

    static func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float(sin(Double($0 * 7 + seed * 13) * 0.37)) }
    }

    /// A full model folder: `model.safetensors` (query 8×8, value 8×8, bias 8, embeddings 64×8) + `config.json`.
    @discardableResult
    func writeModel(_ name: String, tensors: [String: Tensor], config: String = #"{"hidden_size": 8}"#) throws -> URL {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafeTensors(tensors: tensors).write(to: folder.appendingPathComponent("model.safetensors"))
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }

    static func baseTensors() -> [String: Tensor] {
        [
            "encoder.layer.0.attention.self.query.weight": Tensor(shape: [8, 8], scalars: values(64, seed: 1)),
            "encoder.layer.0.attention.self.value.weight": Tensor(shape: [8, 8], scalars: values(64, seed: 2)),
            "encoder.layer.0.attention.self.query.bias": Tensor(shape: [8], scalars: values(8, seed: 3)),
            "embeddings.word_embeddings.weight": Tensor(shape: [64, 8], scalars: values(512, seed: 4)),
        ]
    }

    /// A PEFT adapter folder with rank-`rank` factors on query and value.
    @discardableResult
    func writeAdapter(_ name: String, seed: Int, rank: Int = 2, alpha: Float = 4, random: Bool = false) throws -> URL {
        var generator = SeededGenerator(seed: UInt64(seed))
        func factor(_ count: Int, _ seed: Int) -> [Float] {
            random ? (0..<count).map { _ in Float(generator.nextGaussian()) } : Self.values(count, seed: seed)
        }
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var tensors: [String: Tensor] = [:]
        for module in ["query", "value"] {
            let prefix = "base_model.model.encoder.layer.0.attention.self.\(module)"
            tensors["\(prefix).lora_A.weight"] = Tensor(shape: [rank, 8], scalars: factor(rank * 8, seed))
            tensors["\(prefix).lora_B.weight"] = Tensor(shape: [8, rank], scalars: factor(rank * 8, seed + 1))
        }
        try SafeTensors(tensors: tensors).write(to: folder.appendingPathComponent("adapter_model.safetensors"))
        let config =
            #"{"peft_type": "LORA", "r": \#(rank), "lora_alpha": \#(alpha), "target_modules": ["query", "value"]}"#
        try Data(config.utf8).write(to: folder.appendingPathComponent("adapter_config.json"))
        return folder
    }

    /// Every regular file under `folder` with its bytes, by relative path.
    static func contents(_ folder: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for path in try ModelRepository.listFiles(folder) {
            out[path] = try Data(contentsOf: folder.appendingPathComponent(path))
        }
        return out
    }
}
