import Adapters
import DatasetStore
import Foundation
import FoundryCore
import FoundryTestSupport
import Serving
import ServingHTTP

/// A tiny encoder with a 40-word vocabulary, adapters saved in PEFT's layout, a store with principals, and a real
/// server on a loopback port: what every HTTP test starts from.
struct ServingFixture {
    static let vocabulary = TinyVocabulary.words
    static let configuration = BertConfiguration(
        vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32, maxPositions: 24,
        typeVocabularySize: 2, layerNormEpsilon: 1e-12)

    let directory: TemporaryDirectory
    let encoder: SentenceEncoder
    let adapters: [String: LoRAAdapter]
    let adapterFolder: URL

    /// Writes `ids` as adapters (2 classes, except `topic` with 3) under a temporary folder.
    init(ids: [String] = ["spam", "topic", "sentiment"]) throws {
        directory = TemporaryDirectory(prefix: "foundry-serving")
        let model = BertModel(randomWithConfiguration: Self.configuration, seed: 7)
        let tokenizer = try WordPieceTokenizer(tokens: Self.vocabulary)
        encoder = SentenceEncoder(tokenizer: tokenizer, model: model, maxLength: 24)
        adapterFolder = directory.url.appendingPathComponent("adapters", isDirectory: true)
        var adapters: [String: LoRAAdapter] = [:]
        for (index, id) in ids.enumerated() {
            let adapter = try Self.adapter(model: model, classes: id == "topic" ? 3 : 2, seed: UInt64(index + 1))
            try adapter.save(to: adapterFolder.appendingPathComponent(id, isDirectory: true))
            adapters[id] = adapter
        }
        self.adapters = adapters
    }

    /// An adapter whose factors and head are all non-zero.
    static func adapter(model: BertModel, classes: Int, seed: UInt64) throws -> LoRAAdapter {
        var adapter = try LoRAAdapter(
            model: model,
            configuration: .init(rank: 2, alpha: 4, targets: [.query, .value], classCount: classes, seed: seed))
        var generator = SeededGenerator(seed: seed + 40)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.2 })
        return adapter
    }

    /// A runtime over the fixture's adapters.
    func runtime(configure: (inout ServingConfiguration) -> Void = { _ in }) throws -> ServingRuntime {
        var configuration = ServingConfiguration()
        configure(&configuration)
        let cache = try AdapterCache(
            model: encoder.model, sources: [DirectoryAdapterSource(directory: adapterFolder)],
            budgets: configuration.budgets)
        return ServingRuntime(encoder: encoder, cache: cache, configuration: configuration, baseName: "tiny")
    }

    /// A store with an owner (store-wide) and returns it with the owner's token.
    func store() throws -> (SQLiteDatasetStore, owner: Principal, ownerToken: String) {
        let store = try SQLiteDatasetStore(path: directory.url.appendingPathComponent("store.sqlite").path)
        let issued = try store.bootstrapOwner(name: "root", kind: .person)
        return (store, issued.principal, issued.token)
    }

    /// What the encoder computes for `text` with `adapter` directly: softmax probabilities of its head.
    func probabilities(_ text: String, adapter id: String) throws -> [Double] {
        let adapter = try require(adapters[id])
        let logits = encoder.model.logits(TokenBatch(encoder.tokenize([text])), adapter: adapter).scalars
        let maximum = logits.max() ?? 0
        let exps = logits.map { Double(expf($0 - maximum)) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}

/// `#require` outside a test function.
private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw FixtureError.missing }
    return value
}

enum FixtureError: Error { case missing }
