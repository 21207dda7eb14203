import Foundation
import FoundryTestSupport
import Labeling
import Tabular
import Testing

@testable import Pipelines

/// Similarity labeling functions (as `foundry synthesize lfs --model` writes them) inside a pipeline: the apply step
/// embeds the texts with the function's encoder, caches the column under a key that includes the encoder's files, and
/// votes exactly as compiling the function with an embedding lookup does.
@Suite("Pipeline similarity functions", .enabled(if: TestData.model != nil, "the encoder is not fetched (make model)"))
struct ExecutionSimilarityTests {
    @Test("a similarity function votes as its compiled form does, and its column is cached")
    func similarityColumn() throws {
        let directory = TemporaryDirectory()
        let model = try #require(TestData.model)
        let embedder = try SentenceEmbedder(directory: model)
        func similarity(_ name: String, _ label: String, near exemplars: [String]) throws -> LabelingFunctionSpec {
            let vectors = try embedder.embed(exemplars)
            var centroid = [Float](repeating: 0, count: embedder.dimension)
            for vector in vectors { for (index, value) in vector.enumerated() { centroid[index] += value } }
            let norm = centroid.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var function = LabelingFunctionSpec(name: name, kind: .similarity, label: label)
            function.centroid = centroid.map { $0 / norm }
            function.minCosine = 0.5
            function.encoder = model.path
            return function
        }
        // Two similarity functions on one encoder and field (applied in one pass with one set of embeddings) and a
        // keyword function (applied in the other pass).
        var keyword = LabelingFunctionSpec(name: "says_subscribe", kind: .keyword, label: "SPAM")
        keyword.keywords = ["subscribe"]
        let lfs = LFSpec(
            classNames: ["HAM", "SPAM"],
            labelingFunctions: [
                try similarity("near_spam", "SPAM", near: ["subscribe to my channel", "check out my page"]), keyword,
                try similarity("near_ham", "HAM", near: ["great song", "i love this video"]),
            ])
        let url = try ExecutionFixture.write(in: directory, lfs: LFSpecWriter.yaml(lfs))
        let runDirectory = directory.file("run")
        let record = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        let votes = try #require(record.steps.first { $0.name == "votes" })
        #expect(votes.status == .ran && votes.partsComputed == 3)
        let matrix = try MatrixFiles.read(from: runDirectory.appendingPathComponent("steps/votes"))

        // The same function compiled with an embedding lookup of the table's texts, applied by LFApplier.
        let table = try TableArtifact.read(from: runDirectory.appendingPathComponent("steps/comments"))
        let texts = try table.texts()
        let lookup = try EmbeddingLookup(texts: texts, embedder: embedder)
        let compiled = try lfs.compile(
            classNames: ["HAM", "SPAM"], defaultField: "text", columns: table.table.columnNames, embeddings: lookup)
        let expected = try LFApplier(compiled, classNames: ["HAM", "SPAM"]).apply(table.table.records).labelMatrix
        #expect(matrix.rowOffsets == expected.rowOffsets)
        #expect(matrix.voteLFs == expected.voteLFs)
        #expect(matrix.voteClasses == expected.voteClasses)
        #expect(Set(matrix.voteLFs).count == 3, "each function votes somewhere")
        #expect(matrix.voteCount > 0 && matrix.voteCount < texts.count)

        // Nothing changed: the column comes from the cache.
        let again = try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: runDirectory).run()
        #expect(again.steps.allSatisfy { $0.status == .cached })
    }

    @Test("a similarity function whose encoder folder is missing is an error before anything runs")
    func missingEncoder() throws {
        let directory = TemporaryDirectory()
        var function = LabelingFunctionSpec(name: "near_spam", kind: .similarity, label: "SPAM")
        function.centroid = [1, 0, 0, 0]
        function.minCosine = 0.5
        function.encoder = "no-such-encoder"
        let lfs = LFSpec(classNames: ["HAM", "SPAM"], labelingFunctions: [function])
        let url = try ExecutionFixture.write(in: directory, lfs: LFSpecWriter.yaml(lfs))
        #expect(throws: PipelinesError.self) {
            try PipelineRunner(spec: PipelineSpec.load(url), runDirectory: directory.file("run")).run()
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("run/steps/comments").path))
    }
}
