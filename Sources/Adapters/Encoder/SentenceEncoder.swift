import Foundation
import Tensors

/// A tokenizer and an encoder loaded from one Hugging Face model directory, producing sentence embeddings
/// as sentence-transformers does (mean pooling, optional L2 normalisation).
public struct SentenceEncoder: Sendable {
    /// The tokenizer (`vocab.txt`).
    public let tokenizer: WordPieceTokenizer
    /// The encoder (`config.json`, `model.safetensors`).
    public let model: BertModel
    /// The maximum tokens per text including `[CLS]`/`[SEP]`: `sentence_bert_config.json`'s `max_seq_length`
    /// when present (256 for all-MiniLM-L6-v2), capped at the model's positions.
    public var maxLength: Int

    /// Loads a model directory in Hugging Face layout.
    /// - Parameter directory: a folder with `config.json`, `model.safetensors` and `vocab.txt`.
    /// - Throws: ``AdaptersError`` naming the missing or malformed file.
    public init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw AdaptersError.invalidModel(
                path: directory.path,
                reason: "not a directory (run scripts/fetch-model.sh to download all-MiniLM-L6-v2)")
        }
        let vocabulary = directory.appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocabulary.path) else {
            throw AdaptersError.invalidModel(path: directory.path, reason: "missing vocab.txt")
        }
        let model = try BertModel(directory: directory)
        var length = 512
        let sentenceConfig = directory.appendingPathComponent("sentence_bert_config.json")
        if let data = try? Data(contentsOf: sentenceConfig),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let value = object["max_seq_length"] as? Int, value >= 2
        {
            length = value
        }
        length = min(length, model.configuration.maxPositions)
        let tokenizer = try WordPieceTokenizer(vocabularyURL: vocabulary, configuration: .init(maxLength: length))
        guard tokenizer.vocabularySize <= model.configuration.vocabularySize else {
            throw AdaptersError.invalidModel(
                path: directory.path,
                reason:
                    "vocab.txt has \(tokenizer.vocabularySize) tokens, the model \(model.configuration.vocabularySize)")
        }
        self.init(tokenizer: tokenizer, model: model, maxLength: length)
    }

    /// Combines a tokenizer and a model.
    public init(tokenizer: WordPieceTokenizer, model: BertModel, maxLength: Int) {
        precondition(
            maxLength >= 2 && maxLength <= model.configuration.maxPositions, "maxLength must fit the model's positions")
        self.tokenizer = tokenizer
        self.model = model
        self.maxLength = maxLength
    }

    /// Token ids of each text, truncated to ``maxLength``.
    public func tokenize(_ texts: [String]) -> [[Int32]] {
        texts.map { tokenizer.encode($0, maxLength: maxLength) }
    }

    /// Mean-pooled embeddings of `texts` (`texts.count × hiddenSize`), in input order, every text with `adapter`.
    ///
    /// Texts are sorted by length and processed `batchSize` at a time (as sentence-transformers does), so
    /// similar lengths share a batch.
    /// - Parameters:
    ///   - texts: any strings; empty ones give the embedding of `[CLS] [SEP]`.
    ///   - batchSize: texts per forward pass.
    ///   - normalize: divide each row by its L2 norm (`max(‖x‖, 1e-12)`).
    ///   - adapter: LoRA factors to apply, or nil.
    ///   - progress: called after each batch with the number of texts done.
    /// - Returns: the embeddings.
    public func embed(
        _ texts: [String], batchSize: Int = 32, normalize: Bool = false, adapter: LoRAAdapter? = nil,
        progress: ((Int) -> Void)? = nil
    ) -> Tensor {
        embed(
            texts, batchSize: batchSize, normalize: normalize,
            assignment: AdapterAssignment(adapter: adapter, sequenceCount: texts.count), progress: progress)
    }

    /// Mean-pooled embeddings of `texts` (`texts.count × hiddenSize`), in input order, each text with its own adapter.
    ///
    /// Texts are sorted by length and processed `batchSize` at a time whatever their adapters; each batch is one
    /// forward pass with a per-sequence assignment (``BertModel/meanPooled(_:assignment:)``).
    /// - Parameters:
    ///   - texts: any strings; empty ones give the embedding of `[CLS] [SEP]`.
    ///   - batchSize: texts per forward pass.
    ///   - normalize: divide each row by its L2 norm (`max(‖x‖, 1e-12)`).
    ///   - assignment: one entry per text; the adapters must fit ``model``.
    ///   - progress: called after each batch with the number of texts done.
    /// - Returns: the embeddings.
    public func embed(
        _ texts: [String], batchSize: Int = 32, normalize: Bool = false, assignment: AdapterAssignment,
        progress: ((Int) -> Void)? = nil
    ) -> Tensor {
        precondition(
            assignment.sequenceCount == texts.count,
            "the assignment covers \(assignment.sequenceCount) texts, not \(texts.count)")
        let h = model.configuration.hiddenSize
        let ids = tokenize(texts)
        let order = ids.indices.sorted { (ids[$0].count, $0) > (ids[$1].count, $1) }
        var out = Tensor(shape: [texts.count, h])
        var done = 0
        var workspace = EncoderWorkspace()  // scratch buffers shared by every batch
        for start in stride(from: 0, to: order.count, by: max(1, batchSize)) {
            let chunk = Array(order[start..<min(order.count, start + max(1, batchSize))])
            let pooled = model.meanPooled(
                TokenBatch(chunk.map { ids[$0] }), assignment: assignment.selecting(chunk), workspace: &workspace)
            for (row, index) in chunk.enumerated() {
                var vector = Array(pooled.scalars[(row * h)..<((row + 1) * h)])
                if normalize {
                    let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
                    vector = vector.map { $0 / norm }
                }
                out.scalars.replaceSubrange((index * h)..<((index + 1) * h), with: vector)
            }
            done += chunk.count
            progress?(done)
        }
        return out
    }
}
