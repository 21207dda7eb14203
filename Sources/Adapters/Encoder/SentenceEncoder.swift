import Foundation
import FoundryCore
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
    ///   - progress: called after each batch with the number of texts done (from the computing threads, one call at a
    ///     time, with growing counts).
    /// - Returns: the embeddings.
    /// - Complexity: the batches run one per core when Foundry decides the BLAS threads
    ///   (``ComputeThreads/withBLASPerWorker(_:)``), each batch on one core; else one after another, each on every
    ///   core. The result does not depend on which: a batch's embeddings do not depend on the thread that computes it.
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
        let size = max(1, batchSize)
        let batches = stride(from: 0, to: order.count, by: size).map { Array(order[$0..<min(order.count, $0 + size)]) }
        var out = Tensor(shape: [texts.count, h])
        // The stacked projection weights, made once and shared (copy on write) by every worker's workspace.
        var prepared = EncoderWorkspace()
        prepared.prepareAttentionInputs(for: model.layers)
        let template = prepared
        func run(workers: Int) {
            let progressCounter = ProgressCounter(progress)
            out.scalars.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let output = SendablePointer(base)
                /// Runs batches `next()` hands out with one workspace; each batch writes only its own texts' rows.
                func work(loopThreads: Int?, next: () -> Int?) {
                    var workspace = template  // scratch buffers shared by this worker's batches
                    while let index = next() {
                        let chunk = batches[index]
                        let pooled = model.meanPooled(
                            TokenBatch(chunk.map { ids[$0] }), assignment: assignment.selecting(chunk),
                            workspace: &workspace, loopThreads: loopThreads)
                        pooled.scalars.withUnsafeBufferPointer { rows in
                            guard let rows = rows.baseAddress else { return }
                            for (row, text) in chunk.enumerated() {
                                Self.store(
                                    rows + row * h, width: h, normalize: normalize, at: output.pointer + text * h)
                            }
                        }
                        progressCounter.add(chunk.count)
                    }
                }
                if workers <= 1 {
                    // One worker: the batches in order, each product on every BLAS thread.
                    var next = 0
                    work(loopThreads: nil) {
                        defer { next += 1 }
                        return next < batches.count ? next : nil
                    }
                } else {
                    // One worker per core, each taking the next batch and computing it alone (BLAS on its thread).
                    let queue = BatchQueue(count: batches.count)
                    withoutActuallyEscaping(work) { work in
                        let body = UncheckedSendable(work)
                        DispatchQueue.concurrentPerform(iterations: workers) { _ in
                            body.value(1) { queue.next() }
                        }
                    }
                }
            }
        }
        if batches.count > 1 {
            ComputeThreads.withBLASPerWorker { threads in run(workers: min(threads, batches.count)) }
        } else {
            run(workers: 1)
        }
        return out
    }

    /// Copies one pooled row to `target`, divided by its L2 norm (`max(‖x‖, 1e-12)`) when `normalize` is set.
    private static func store(
        _ row: UnsafePointer<Float>, width: Int, normalize: Bool, at target: UnsafeMutablePointer<Float>
    ) {
        guard normalize else {
            target.update(from: row, count: width)
            return
        }
        var squares: Float = 0
        for j in 0..<width { squares += row[j] * row[j] }
        let norm = max(squares.squareRoot(), 1e-12)
        for j in 0..<width { target[j] = row[j] / norm }
    }
}

/// Hands out batch indices `0..<count` in order to whichever worker asks.
///
/// Invariant (`@unchecked Sendable`): `nextIndex` is read and written only while holding `lock`.
private final class BatchQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }
}

/// Counts texts done and reports each new total to a progress callback, one call at a time.
///
/// Invariant (`@unchecked Sendable`): `done` and the callback are used only while holding `lock`, so the callback
/// (which need not be thread-safe) is never entered twice at once and sees growing totals.
private final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let progress: ((Int) -> Void)?

    init(_ progress: ((Int) -> Void)?) { self.progress = progress }

    func add(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += count
        progress?(done)
    }
}

/// A pointer into the output, shared by the workers.
///
/// Invariant (`@unchecked Sendable`): the buffer outlives the workers (they finish inside its
/// `withUnsafeMutableBufferPointer`), and each worker writes only the rows of its own batches' texts.
private struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// Carries a non-`Sendable` closure into `DispatchQueue.concurrentPerform`.
///
/// Invariant (`@unchecked Sendable`): `concurrentPerform` returns before the closure's scope ends, and the closure
/// only reads shared values (the model, the token ids, the batches) and writes through ``SendablePointer``,
/// ``BatchQueue`` and ``ProgressCounter``.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
