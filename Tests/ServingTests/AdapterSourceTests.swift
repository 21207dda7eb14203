import Adapters
import Foundation
import FoundryTestSupport
import ModelRepository
import Serving
import Tensors
import Testing

@Suite("Adapter sources")
struct AdapterSourceTests {
    @Test("a directory source lists adapter subfolders only and reads their files byte for byte")
    func directorySource() throws {
        let directory = TemporaryDirectory(prefix: "adapter-source")
        try TiersFixtures.writeAdapters(["spam", "ham"], in: directory.url)
        try FileManager.default.createDirectory(
            at: directory.url.appendingPathComponent("not-an-adapter"), withIntermediateDirectories: true)
        try directory.write("not-an-adapter/readme.txt", "hello")
        try directory.write("loose-file.json", "{}")
        try TiersFixtures.writeAdapters([".hidden"], in: directory.url)
        let source = DirectoryAdapterSource(directory: directory.url)
        #expect(try source.adapterIDs() == ["ham", "spam"])

        let read = try source.read("spam")
        let folder = directory.url.appendingPathComponent("spam")
        #expect(read.configuration == (try Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))))
        #expect(read.weights == (try Data(contentsOf: folder.appendingPathComponent("adapter_model.safetensors"))))
        #expect(read.byteCount == read.configuration.count + read.weights.count)
        #expect(
            try read.decode(for: TiersFixtures.model, id: "spam")
                == LoRAAdapter(
                    peftDirectory: folder, model: TiersFixtures.model))

        for id in ["nope", "..", ".hidden", "not-an-adapter", "spam/../ham", ""] {
            #expect(throws: ServingError.unknownAdapter(id: id)) { try source.read(id) }
        }
        let missing = DirectoryAdapterSource(directory: directory.url.appendingPathComponent("absent"))
        #expect(throws: ServingError.self) { try missing.adapterIDs() }
    }

    @Test("a single-folder source offers its one id")
    func singleDirectorySource() throws {
        let directory = TemporaryDirectory(prefix: "adapter-source")
        let adapters = try TiersFixtures.writeAdapters(["x"], in: directory.url)
        let source = SingleDirectoryAdapterSource(id: "chosen", directory: directory.url.appendingPathComponent("x"))
        #expect(try source.adapterIDs() == ["chosen"])
        #expect(
            try source.read("chosen").decode(for: TiersFixtures.model, id: "chosen").flattened()
                == adapters["x"]?.flattened())
        #expect(throws: ServingError.unknownAdapter(id: "x")) { try source.read("x") }
        let file = SingleDirectoryAdapterSource(
            id: "f", directory: directory.url.appendingPathComponent("x/adapter_config.json"))
        #expect(throws: ServingError.self) { try file.read("f") }
    }

    @Test("a serialized adapter decodes losslessly and validates shapes against the base")
    func serializedAdapter() throws {
        let adapter = try TiersFixtures.adapter(seed: 3)
        let serialized = try SerializedAdapter(adapter: adapter, origin: "memory")
        let decoded = try serialized.decode(for: TiersFixtures.model, id: "m")
        #expect(decoded.flattened() == adapter.flattened())
        #expect(decoded.configuration.rank == 2 && decoded.configuration.targets == [.query, .value])
        #expect(AdapterCache.hotBytes(of: decoded) == 4 * adapter.parameterCount)

        let small = BertModel(
            randomWithConfiguration: TiersFixtures.configuration(hiddenSize: 8), seed: 1)
        #expect(throws: ServingError.self) { try serialized.decode(for: small, id: "m") }
        do {
            _ = try serialized.decode(for: small, id: "m")
        } catch let error as ServingError {
            #expect(error.code == "adapter_incompatible")
            #expect(error.description.contains("layer 0"), "\(error)")
        }

        // An adapter of the first layer only is padded to the base's layers.
        var firstLayer = adapter
        firstLayer.factors = [adapter.factors[0]]
        let files = try firstLayer.peftFiles()
        let partial = SerializedAdapter(
            configuration: try #require(files["adapter_config.json"]),
            weights: try #require(files["adapter_model.safetensors"]), origin: "partial")
        let padded = try partial.decode(for: TiersFixtures.model, id: "p")
        #expect(padded.factors.count == 2 && padded.factors[1].isEmpty)

        // A tensor the PEFT reader does not know is a load error naming the origin.
        var weights = SafeTensors(tensors: adapter.peftTensors)
        weights.tensors["base_model.model.something.else.weight"] = Tensor(shape: [1], scalars: [0])
        let unknown = SerializedAdapter(
            configuration: try #require(files["adapter_config.json"]), weights: weights.serialized(), origin: "odd")
        do {
            _ = try unknown.decode(for: TiersFixtures.model, id: "odd")
            Issue.record("expected a load error")
        } catch let error as ServingError {
            #expect(error.code == "adapter_load_failed")
            #expect(error.description.contains("something.else"), "\(error)")
        }
    }

    /// A repository with a full model on `main` and two adapter branches committed from folders.
    struct RepositorySetup {
        let directory = TemporaryDirectory(prefix: "adapter-repo")
        let repository: ModelRepository
        let adapterFolders: [String: URL]

        init() throws {
            repository = try ModelRepository.create(at: directory.url.appendingPathComponent("repo"))
            let base = directory.url.appendingPathComponent("base")
            try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
            let tensors = [
                "encoder.layer.0.attention.self.query.weight": Tensor(
                    shape: [16, 16], scalars: (0..<256).map { Float($0) / 256 }),
                "pooler.dense.bias": Tensor(shape: [16], scalars: [Float](repeating: 0.5, count: 16)),
            ]
            try SafeTensors(tensors: tensors).write(to: base.appendingPathComponent("model.safetensors"))
            try Data(#"{"hidden_size": 16}"#.utf8).write(to: base.appendingPathComponent("config.json"))
            _ = try repository.commit(directory: base, options: CommitOptions(message: "base"))
            let written = directory.url.appendingPathComponent("adapters")
            try TiersFixtures.writeAdapters(["spam", "ham"], in: written)
            var folders: [String: URL] = [:]
            for name in ["spam", "ham"] {
                try repository.createBranch(name, at: "main")
                var options = CommitOptions(message: "train \(name)")
                options.branch = name
                let folder = written.appendingPathComponent(name)
                _ = try repository.commit(directory: folder, options: options)
                folders[name] = folder
            }
            try repository.createBranch("model-v2", at: "main")
            adapterFolders = folders
        }
    }

    @Test("a repository source lists the adapter branches only and rebuilds their files from the objects")
    func repositorySource() throws {
        let setup = try RepositorySetup()
        let source = try RepositoryAdapterSource(repository: setup.repository.root)
        #expect(try source.adapterIDs() == ["ham", "spam"])
        for (name, folder) in setup.adapterFolders {
            let read = try source.read(name)
            #expect(read.weights == (try Data(contentsOf: folder.appendingPathComponent("adapter_model.safetensors"))))
            #expect(read.configuration == (try Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))))
            let decoded = try read.decode(for: TiersFixtures.model, id: name)
            #expect(decoded == (try LoRAAdapter(peftDirectory: folder, model: TiersFixtures.model)))
        }
        #expect(throws: ServingError.unknownAdapter(id: "nope")) { try source.read("nope") }
        // Full-model branches are not adapters.
        #expect(throws: ServingError.self) { try source.read("main") }

        let cache = try AdapterCache(model: TiersFixtures.model, sources: [source])
        #expect(cache.entries().map(\.id) == ["ham", "spam"])
        let spam = try cache.acquire("spam")
        #expect(
            spam
                == (try LoRAAdapter(
                    peftDirectory: try #require(setup.adapterFolders["spam"]), model: TiersFixtures.model)))
        // A branch created later (from an adapter commit) appears on refresh.
        try setup.repository.createBranch("spam-v2", at: "spam")
        #expect(try cache.refresh() == ["spam-v2"])
        #expect(try cache.acquire("spam-v2") == spam)
        // No checkout folder was written into the repository.
        let contents = try FileManager.default.contentsOfDirectory(atPath: setup.repository.root.path)
        #expect(
            Set(contents).isSubset(of: [
                "repository.sqlite", "repository.sqlite-wal", "repository.sqlite-shm", "objects", "lock",
            ]))
    }

    @Test("a corrupt object or a folder that is no repository is reported, naming it")
    func repositoryErrors() throws {
        let directory = TemporaryDirectory(prefix: "adapter-repo")
        #expect(throws: ServingError.self) { try RepositoryAdapterSource(repository: directory.url) }

        let setup = try RepositorySetup()
        let source = RepositoryAdapterSource(repository: setup.repository)
        let head = try #require(try setup.repository.branchCommit("spam"))
        let tree = try setup.repository.tree(setup.repository.commit(head).tree)
        let weights = try #require(tree.file("adapter_model.safetensors"))
        let tensor = try #require(weights.tensors?.first)
        let url = setup.repository.objects.url(tensor.object)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 1] ^= 0xFF
        try FileManager.default.removeItem(at: url)
        try bytes.write(to: url)
        do {
            _ = try source.read("spam")
            Issue.record("expected a load error")
        } catch let error as ServingError {
            guard case let .adapterLoadFailed(id, reason) = error else {
                Issue.record("expected adapterLoadFailed, got \(error)")
                return
            }
            #expect(id == "spam")
            #expect(reason.contains(tensor.object.prefix(12)), "\(reason)")
        }
        #expect(try source.read("ham").byteCount > 0)
    }
}
