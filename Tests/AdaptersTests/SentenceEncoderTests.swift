import Foundation
import Tensors
import Testing

@testable import Adapters

@Suite struct SentenceEncoderTests {
    /// A tiny model directory: config.json, model.safetensors and a 40-token vocab.txt.
    private func tinyDirectory() throws -> URL {
        let directory = try TestPaths.temporaryDirectory()
        let config =
            #"{"vocab_size":40,"hidden_size":16,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":32,"max_position_embeddings":24,"layer_norm_eps":1e-12,"hidden_act":"gelu"}"#
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        try SafeTensors(tensors: TinyModel.model.namedTensors).write(
            to: directory.appendingPathComponent("model.safetensors"))
        let words = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "spam", "free", "money", "##s", "!", ",",
            ".",
        ]
        let vocabulary = words + (words.count..<40).map { "w\($0)" }
        try Data((vocabulary.joined(separator: "\n") + "\n").utf8).write(
            to: directory.appendingPathComponent("vocab.txt"))
        return directory
    }

    @Test func embedsInInputOrderWithLengthSortedBatches() throws {
        let directory = try tinyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let encoder = try SentenceEncoder(directory: directory)
        #expect(encoder.maxLength == 24)  // no sentence_bert_config.json: capped at the model's positions
        let texts = ["hello world", "free money!!! free money", "", "spams, hello."]
        #expect(encoder.tokenize(["hello worlds"]) == [[2, 5, 6, 10, 3]])
        let batched = encoder.embed(texts, batchSize: 3)
        #expect(batched.shape == [4, 16])
        for (index, text) in texts.enumerated() {
            let alone = encoder.embed([text], batchSize: 1)
            #expect(maxAbsDifference(alone.scalars, Array(batched.scalars[(index * 16)..<((index + 1) * 16)])) < 1e-5)
        }
        let normalized = encoder.embed(texts, normalize: true)
        for row in 0..<4 {
            let norm = (0..<16).map { normalized[row, $0] * normalized[row, $0] }.reduce(0, +).squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func truncatesLongTextsAndRejectsMissingFiles() throws {
        let directory = try tinyDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var encoder = try SentenceEncoder(directory: directory)
        encoder.maxLength = 8
        let long = Array(repeating: "hello", count: 500).joined(separator: " ")
        #expect(encoder.tokenize([long])[0].count == 8)
        #expect(encoder.embed([long]).scalars.allSatisfy { $0.isFinite })
        try FileManager.default.removeItem(at: directory.appendingPathComponent("vocab.txt"))
        #expect(throws: AdaptersError.invalidModel(path: directory.path, reason: "missing vocab.txt")) {
            try SentenceEncoder(directory: directory)
        }
        #expect(throws: AdaptersError.self) { try SentenceEncoder(directory: directory.appendingPathComponent("nope")) }
    }
}
