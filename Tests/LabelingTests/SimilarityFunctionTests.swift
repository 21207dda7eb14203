import Foundation
import FoundryCore
import FoundryTestSupport
import Tabular
import Testing

@testable import Labeling

/// A tiny embedder for tests: fixed vectors for known texts, counting its calls.
struct TableEmbedder: TextEmbedder {
    let vectors: [String: [Float]]
    let dimension: Int

    func embed(_ texts: [String]) throws -> [[Float]] {
        try texts.map { text in
            guard let vector = vectors[text] else {
                throw LabelingError.invalidValue(field: "text", value: text, reason: "unknown to the test embedder")
            }
            return vector
        }
    }
}

/// The `similarity` kind: spec keys, compiling with and without embeddings, the vote against a cosine computed by
/// hand, and the YAML writer's round trip.
struct SimilarityFunctionTests {
    static let spec = """
        classes: [HAM, SPAM]
        labeling_functions:
          - {name: near_spam, kind: similarity, centroid: [1, 0, 0], min_cosine: 0.7, label: SPAM}
        """

    static let vectors: [String: [Float]] = [
        "a": [2, 0, 0],  // cosine 1
        "b": [1, 1, 0],  // cosine 1/√2 ≈ 0.70711
        "c": [0, 3, 0],  // cosine 0
        "d": [1, 2, 2],  // cosine 1/3
    ]

    func votes(_ spec: LFSpec, texts: [String]) throws -> [Vote] {
        let lookup = try EmbeddingLookup(texts: texts, embedder: TableEmbedder(vectors: Self.vectors, dimension: 3))
        let functions = try spec.compile(defaultField: "text", embeddings: lookup)
        let table = TextTable(source: "t", columnNames: ["text"], rows: texts.map { [$0] })
        let matrix = try LFApplier(functions, classNames: ["HAM", "SPAM"]).apply(table.records).labelMatrix
        return (0..<matrix.rowCount).map { matrix[$0, 0] }
    }

    @Test func votesWhenTheCosineReachesTheThreshold() throws {
        let spec = try LFSpec.parse(Self.spec, format: .yaml)
        let function = try #require(spec.labelingFunctions.first)
        #expect(function.kind == .similarity && function.centroid == [1, 0, 0] && function.minCosine == 0.7)
        // cos(b) = 1/√2 = 0.7071… ≥ 0.7, cos(d) = 1/3 < 0.7.
        #expect(try votes(spec, texts: ["a", "b", "c", "d"]) == [.class(1), .class(1), .abstain, .abstain])
        // Raising the bound just above 1/√2 drops b.
        var raised = function
        raised.minCosine = 0.7072
        #expect(
            try votes(LFSpec(classNames: ["HAM", "SPAM"], labelingFunctions: [raised]), texts: ["a", "b", "c"])
                == [.class(1), .abstain, .abstain])
    }

    @Test func cosineMatchesAHandComputedValue() {
        #expect(approximatelyEqual(EmbeddingLookup.cosine([1, 1, 0], [1, 0, 0]), 1 / 2.0.squareRoot()))
        #expect(approximatelyEqual(EmbeddingLookup.cosine([1, 2, 2], [2, 0, 0]), 1.0 / 3.0))
        #expect(EmbeddingLookup.cosine([0, 0, 0], [1, 0, 0]) == 0)
    }

    @Test func lookupEmbedsEachDistinctTextOnce() throws {
        let lookup = try EmbeddingLookup(
            texts: ["a", "b", "a", "a"], embedder: TableEmbedder(vectors: Self.vectors, dimension: 3))
        #expect(lookup.count == 2 && lookup.vector(for: "b") == [1, 1, 0] && lookup.vector(for: "z") == nil)
    }

    @Test func aLookupOfTheWrongWidthIsRejected() {
        #expect(throws: LabelingError.self) {
            _ = try EmbeddingLookup(texts: ["a"], embedder: TableEmbedder(vectors: Self.vectors, dimension: 4))
        }
    }

    @Test func compilingWithoutEmbeddingsNamesTheFunction() throws {
        let spec = try LFSpec.parse(Self.spec, format: .yaml, source: "lfs.yaml")
        #expect(spec.needsEmbeddings && spec.embeddingFields(defaultField: "CONTENT") == ["CONTENT"])
        do {
            _ = try spec.compile(defaultField: "text")
            Issue.record("compiled without embeddings")
        } catch let error as TabularError {
            let message = "\(error)"
            #expect(message.contains("lfs.yaml:3") && message.contains("'near_spam'") && message.contains("embeddings"))
        }
    }

    @Test func aCentroidOfTheWrongLengthIsAnError() throws {
        let spec = try LFSpec.parse(Self.spec, format: .yaml, source: "lfs.yaml")
        #expect(throws: TabularError.self) {
            _ = try spec.compile(defaultField: "text", embeddings: EmbeddingLookup(dimension: 384, vectors: [:]))
        }
    }

    @Test(arguments: [
        ("centroid: []", "non-empty list"),
        ("centroid: [0, 0, 0]", "all zeros"),
        ("centroid: [1, x, 0]", "expected a number"),
        ("centroid: [1, 0, 0], min_cosine: 1.5", "between -1 and 1"),
        ("centroid: [1, 0, 0], min_cosine: 0.5, measure: value", "unknown key 'measure'"),
    ])
    func badKeysAreErrors(keys: String, expected: String) throws {
        var text = "- {name: s, kind: similarity, \(keys), label: SPAM}"
        if !keys.contains("min_cosine") { text = "- {name: s, kind: similarity, \(keys), min_cosine: 0.5, label: 1}" }
        do {
            _ = try LFSpec.parse(text, format: .yaml, source: "bad.yaml")
            Issue.record("parsed: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
            #expect("\(error)".contains("bad.yaml:1"))
        }
    }

    @Test func missingMinCosineIsAnError() {
        #expect(throws: TabularError.self) {
            _ = try LFSpec.parse("- {name: s, kind: similarity, centroid: [1], label: 1}", format: .yaml)
        }
    }

    @Test func theWriterRoundTripsEveryKind() throws {
        var keyword = LabelingFunctionSpec(name: "kw \"quoted\"", kind: .keyword, label: "SPAM")
        keyword.keywords = ["no", "null", "1", "sub 4 sub", "tab\there", "naïve ✓", "back\\slash", "win "]
        var regex = LabelingFunctionSpec(name: "rx", kind: .regex, field: "CONTENT", label: "SPAM")
        regex.pattern = #"https?://|www\.|\d{5,}"#
        regex.ignoreCase = false
        var lexicon = LabelingFunctionSpec(name: "lx", kind: .lexicon, label: "0")
        lexicon.words = ["love", "i'm", "yes"]
        var threshold = LabelingFunctionSpec(name: "th", kind: .threshold, label: "HAM")
        threshold.comparison = .lessThan(5)
        threshold.measure = .wordCount
        var bound = LabelingFunctionSpec(name: "th2", kind: .threshold, field: "score", label: "HAM")
        bound.comparison = .atLeast(0.1 + 0.2)
        var similarity = LabelingFunctionSpec(name: "sim", kind: .similarity, label: "SPAM")
        similarity.centroid = [0.1, -1e-7, 3.4028235e38, 0.33333334, 0]
        similarity.minCosine = 0.4217
        similarity.encoder = "../.models/all-MiniLM-L6-v2"
        let spec = LFSpec(
            classNames: ["HAM", "SPAM"], labelingFunctions: [keyword, regex, lexicon, threshold, bound, similarity])
        let text = LFSpecWriter.yaml(spec, header: ["written by a test"])
        let back = try LFSpec.parse(text, format: .yaml)
        #expect(back.labelingFunctions == spec.labelingFunctions, "\(text)")
        #expect(back.classNames == spec.classNames)
        #expect(text.hasPrefix("# written by a test\n"))
    }
}
