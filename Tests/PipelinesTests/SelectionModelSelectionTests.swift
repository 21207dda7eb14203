import Adapters
import Foundation
import FoundryCore
import FoundryTestSupport
import Tensors
import Testing

@testable import Pipelines

/// A tiny encoder (40 words, 16 wide, 2 layers) and random adapters saved in PEFT's layout.
struct SelectionFixture {
    static let vocabulary = TinyVocabulary.words
    static let configuration = BertConfiguration(
        vocabularySize: 40, hiddenSize: 16, layerCount: 2, headCount: 4, intermediateSize: 32, maxPositions: 24,
        typeVocabularySize: 2, layerNormEpsilon: 1e-12)
    /// Words of the two "tasks": texts of one task never share a word with the other's.
    static let spamWords = ["win", "free", "prize", "call", "now", "click", "link", "subscribe", "channel", "you"]
    static let musicWords = ["love", "this", "song", "is", "good", "great", "video", "i", "my", "the"]

    let directory = TemporaryDirectory(prefix: "foundry-selection")
    let encoder: SentenceEncoder

    init() throws {
        let model = BertModel(randomWithConfiguration: Self.configuration, seed: 7)
        encoder = SentenceEncoder(
            tokenizer: try WordPieceTokenizer(tokens: Self.vocabulary), model: model, maxLength: 24)
    }

    /// Saves an adapter whose factors and head are all non-zero; returns its folder.
    func saveAdapter(_ name: String, classes: Int = 2, seed: UInt64) throws -> URL {
        var adapter = try LoRAAdapter(
            model: encoder.model,
            configuration: .init(rank: 2, alpha: 4, targets: [.query, .value], classCount: classes, seed: seed))
        var generator = SeededGenerator(seed: seed + 40)
        adapter.assign(flattened: adapter.flattened().map { $0 + Float(generator.nextGaussian()) * 0.5 })
        let folder = directory.url.appendingPathComponent(name, isDirectory: true)
        try adapter.save(to: folder)
        return folder
    }

    /// The class each text gets from an adapter folder, computed with the Adapters API directly.
    func predictions(_ folder: URL, _ texts: [String]) throws -> [Int] {
        let adapter = try LoRAAdapter(peftDirectory: folder, model: encoder.model)
        return LoRAPredictor(model: encoder.model, adapter: adapter).predictLabels(encoder.tokenize(texts))
    }

    /// `count` seeded texts of 3–7 words drawn from `words`.
    static func texts(_ words: [String], count: Int, seed: UInt64) -> [String] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let length = 3 + Int(generator.next() % 5)
            return (0..<length).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
        }
    }
}

@Suite("Model selection and routing")
struct SelectionModelSelectionTests {
    @Test("each candidate's score is its own predictions' score, and the best is chosen (ties: the earlier)")
    func scoresAndChoice() throws {
        let fixture = try SelectionFixture()
        let a = try fixture.saveAdapter("a", seed: 1)
        let b = try fixture.saveAdapter("b", seed: 2)
        let texts = SelectionFixture.texts(SelectionFixture.spamWords + SelectionFixture.musicWords, count: 40, seed: 3)
        let gold = try fixture.predictions(a, texts)
        let predictedByB = try fixture.predictions(b, texts)
        let expectedB = Double(zip(gold, predictedByB).filter { $0 == $1 }.count) / Double(texts.count)
        try #require(expectedB < 1, "the two adapters must disagree somewhere for the test to say anything")

        let result = try ModelSelection.evaluate(
            candidates: [SelectionCandidate(adapterDirectory: b), SelectionCandidate(adapterDirectory: a)],
            encoder: fixture.encoder, texts: texts, gold: gold, classes: ["ham", "spam"])
        #expect(result.candidates.map(\.name) == ["b", "a"])
        #expect(result.candidates[1].scores.accuracy == 1)
        #expect(abs(result.candidates[0].scores.accuracy - expectedB) < 1e-12)
        #expect(result.chosen == "a" && result.chosenScore == 1)
        #expect(result.routing == nil)
        #expect(result.section.chosen == "a" && result.section.mode == "best")
        #expect(result.section.scores["b"] == result.candidates[0].scores.score)

        // Two copies of one adapter tie: the earlier wins, whatever the order.
        let copy = fixture.directory.url.appendingPathComponent("b-copy")
        try FileManager.default.copyItem(at: b, to: copy)
        for order in [["b", "b-copy"], ["b-copy", "b"]] {
            let tied = try ModelSelection.evaluate(
                candidates: order.map {
                    SelectionCandidate(adapterDirectory: fixture.directory.url.appendingPathComponent($0))
                },
                encoder: fixture.encoder, texts: texts, gold: gold, classes: ["ham", "spam"], metric: .f1Macro)
            #expect(tied.candidates[0].scores == tied.candidates[1].scores)
            #expect(tied.chosen == order[0])
        }
    }

    @Test("routing on task exemplars sends each task's texts to its adapter and beats either adapter alone")
    func routingOnExemplars() throws {
        let fixture = try SelectionFixture()
        let spam = try fixture.saveAdapter("spam", seed: 1)
        let music = try fixture.saveAdapter("music", seed: 2)
        let spamTexts = SelectionFixture.texts(SelectionFixture.spamWords, count: 30, seed: 4)
        let musicTexts = SelectionFixture.texts(SelectionFixture.musicWords, count: 30, seed: 5)
        // Each task's gold labels are its own adapter's predictions: the right expert is right on every row.
        let gold = try fixture.predictions(spam, spamTexts) + fixture.predictions(music, musicTexts)
        let texts = spamTexts + musicTexts
        let tasks: [String?] = Array(repeating: "spam", count: 30) + Array(repeating: "music", count: 30)
        let exemplars =
            SelectionFixture.texts(SelectionFixture.spamWords, count: 40, seed: 6).map {
                RoutingExemplar(text: $0, candidate: "spam")
            }
            + SelectionFixture.texts(SelectionFixture.musicWords, count: 40, seed: 7).map {
                RoutingExemplar(text: $0, candidate: "music")
            }
        let result = try ModelSelection.evaluate(
            candidates: [SelectionCandidate(adapterDirectory: spam), SelectionCandidate(adapterDirectory: music)],
            encoder: fixture.encoder, texts: texts, gold: gold, classes: ["0", "1"],
            routing: .exemplars(exemplars), expectedCandidates: tasks)
        let routing = try #require(result.routing)
        let best = result.candidates.map(\.scores.accuracy).max() ?? 1
        try #require(best < 1, "the adapters must disagree on some rows")
        #expect(routing.training == "exemplars")
        #expect(routing.exemplars == ["spam": 40, "music": 40])
        #expect(routing.routingAccuracy == 1)
        #expect(routing.routed == ["spam": 30, "music": 30])
        #expect(routing.scores.accuracy == 1)
        #expect(routing.scores.score > routing.bestSingleScore)
        #expect(routing.oracleScore == 1)
        #expect(result.section.mode == "route" && result.section.routedScore == 1 && result.section.chosen == nil)

        // The router survives a file round trip and routes as before; a damaged file is named.
        let router = try #require(result.router)
        let file = fixture.directory.file("router.json")
        try router.write(to: file)
        let read = try ExpertRouter(contentsOf: file)
        #expect(read == router)
        let embeddings = try SentenceEmbedder(encoder: fixture.encoder).embed(texts)
        #expect(try read.route(embeddings: embeddings) == router.route(embeddings: embeddings))
        let text = try String(contentsOf: file, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"music\"", with: "\"music\", \"extra\"").utf8).write(to: file)
        #expect(throws: PipelinesError.self) { try ExpertRouter(contentsOf: file) }
        try Data("{}".utf8).write(to: file)
        do {
            _ = try ExpertRouter(contentsOf: file)
            Issue.record("an empty object is not a router")
        } catch let error as PipelinesError {
            #expect(error.description.contains("router.json"))
        }
        #expect(throws: PipelinesError.self) { try ExpertRouter(contentsOf: fixture.directory.file("absent.json")) }
    }

    @Test("cross-fitted routing labels rows by the expert that is right and never routes a row by a gate that saw it")
    func crossFittedRouting() throws {
        // Labels are a function of the first coordinate: every fold's gate learns it from the other folds.
        var generator = SeededGenerator(seed: 9)
        var embeddings: [[Float]] = []
        var labels: [Int?] = []
        for i in 0..<40 {
            let side: Float = i % 2 == 0 ? 1 : -1
            embeddings.append([side + Float(generator.nextGaussian() * 0.1), Float(generator.nextGaussian() * 0.1)])
            labels.append(i % 2)
        }
        let routes = try ModelSelection.crossFittedRoutes(
            embeddings: embeddings, labels: labels, names: ["x", "y"], folds: 4, seed: 1)
        #expect(routes == (0..<40).map { $0 % 2 })
        // A row's own label cannot leak: flip one row's label, and its route is unchanged.
        var flipped = labels
        flipped[0] = 1
        let again = try ModelSelection.crossFittedRoutes(
            embeddings: embeddings, labels: flipped, names: ["x", "y"], folds: 4, seed: 1)
        #expect(again[0] == 0)

        // Through evaluate: deterministic, and every row routed somewhere.
        let fixture = try SelectionFixture()
        let a = try fixture.saveAdapter("a", seed: 1)
        let b = try fixture.saveAdapter("b", seed: 2)
        let texts =
            SelectionFixture.texts(SelectionFixture.spamWords, count: 20, seed: 4)
            + SelectionFixture.texts(SelectionFixture.musicWords, count: 20, seed: 5)
        let gold = try Array(fixture.predictions(a, texts).prefix(20)) + fixture.predictions(b, texts).suffix(20)
        let candidates = [SelectionCandidate(adapterDirectory: a), SelectionCandidate(adapterDirectory: b)]
        let first = try ModelSelection.evaluate(
            candidates: candidates, encoder: fixture.encoder, texts: texts, gold: gold, classes: ["0", "1"],
            routing: .crossFitted(folds: 5, seed: 3))
        let second = try ModelSelection.evaluate(
            candidates: candidates, encoder: fixture.encoder, texts: texts, gold: gold, classes: ["0", "1"],
            routing: .crossFitted(folds: 5, seed: 3))
        #expect(first == second)
        let routing = try #require(first.routing)
        #expect(routing.training == "cross_fitted")
        #expect(routing.routed.values.reduce(0, +) == 40)
        #expect(routing.exemplars.values.reduce(0, +) == 40)
        #expect(routing.oracleScore >= routing.scores.score)
        #expect(routing.routingAccuracy == nil)
    }

    @Test("expert labels: the right candidate most confident in the gold class, else the most probable")
    func expertLabels() {
        let probabilities: [[[Double]]] = [
            [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.5, 0.5]],
            [[0.7, 0.3], [0.3, 0.7], [0.4, 0.6], [0.5, 0.5]],
        ]
        // Row 0: both right, the first more confident. Row 1: only the second right. Row 2: neither right, the
        // second gives class 0 more. Row 3: a tie goes to the earlier.
        let rows = ExpertRouter.expertLabels(probabilities: probabilities, gold: [0, 1, 0, 0])
        #expect(rows == [0, 1, 1, 0])
        #expect(ExpertRouter.expertLabels(probabilities: probabilities, gold: [-1, 1, -1, 0]) == [nil, 1, nil, 0])
    }

    @Test("metrics are computed against known values; f1 needs two classes")
    func metrics() throws {
        let scores = try SelectionMetric.f1.score(predicted: [1, 1, 0, 0, 1], gold: [1, 0, 0, 1, 1], classes: 2)
        #expect(abs(scores.accuracy - 0.6) < 1e-12)
        #expect(abs(scores.score - 2.0 / 3.0) < 1e-12)
        #expect(abs(scores.f1Macro - (2.0 / 3.0 + 0.5) / 2) < 1e-12)
        let macro = try SelectionMetric.f1Macro.score(predicted: [1, 1, 0, 0, 1], gold: [1, 0, 0, 1, 1], classes: 2)
        #expect(macro.score == scores.f1Macro)
        // Unknown gold rows are skipped.
        let skipping = try SelectionMetric.accuracy.score(predicted: [1, 0, 1], gold: [1, -1, 0], classes: 2)
        #expect(skipping.score == 0.5)
        #expect(throws: PipelinesError.self) {
            try SelectionMetric.f1.score(predicted: [0, 1, 2], gold: [0, 1, 2], classes: 3)
        }
        #expect(throws: PipelinesError.self) {
            try SelectionMetric.accuracy.score(predicted: [0, 1], gold: [-1, -1], classes: 2)
        }
    }

    @Test("bad candidates and inputs are errors naming the candidate, exemplar or row")
    func badInputs() throws {
        let fixture = try SelectionFixture()
        let a = try fixture.saveAdapter("a", seed: 1)
        let three = try fixture.saveAdapter("topic", classes: 3, seed: 2)
        let texts = ["win free prize", "love this song"]
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let classCount = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a), SelectionCandidate(adapterDirectory: three)],
                encoder: fixture.encoder, texts: texts, gold: [0, 1], classes: ["ham", "spam"])
        }
        #expect(classCount.contains("'topic'") && classCount.contains("3 classes"), "\(classCount)")

        // Recorded class names that differ from the evaluation set's.
        try Data(#"["negative", "positive"]"#.utf8).write(to: a.appendingPathComponent("labels.json"))
        let names = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a)], encoder: fixture.encoder, texts: texts,
                gold: [0, 1], classes: ["ham", "spam"])
        }
        #expect(names.contains("'a'") && names.contains("negative, positive") && names.contains("ham, spam"))
        // Case does not matter.
        #expect(
            try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a)], encoder: fixture.encoder, texts: texts,
                gold: [0, 1], classes: ["Negative", "POSITIVE"]
            ).chosen == "a")
        try Data("not json".utf8).write(to: a.appendingPathComponent("labels.json"))
        #expect(message { _ = try ModelSelection.recordedClassNames(in: a, candidate: "a") }.contains("labels.json"))
        try FileManager.default.removeItem(at: a.appendingPathComponent("labels.json"))

        let missing = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(name: "gone", adapterDirectory: fixture.directory.file("nowhere"))],
                encoder: fixture.encoder, texts: texts, gold: [0, 1], classes: ["ham", "spam"])
        }
        #expect(missing.contains("'gone'") && missing.contains("nowhere"), "\(missing)")

        let duplicate = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a), SelectionCandidate(adapterDirectory: a)],
                encoder: fixture.encoder, texts: texts, gold: [0, 1], classes: ["ham", "spam"])
        }
        #expect(duplicate.contains("two candidates are named 'a'"))

        let goldOutOfRange = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a)], encoder: fixture.encoder, texts: texts,
                gold: [0, 2], classes: ["ham", "spam"])
        }
        #expect(goldOutOfRange.contains("row 1"), "\(goldOutOfRange)")

        let b = try fixture.saveAdapter("b", seed: 3)
        let unknownExemplar = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a), SelectionCandidate(adapterDirectory: b)],
                encoder: fixture.encoder, texts: texts, gold: [0, 1], classes: ["ham", "spam"],
                routing: .exemplars([
                    RoutingExemplar(text: "win", candidate: "a"), RoutingExemplar(text: "song", candidate: "c"),
                ]))
        }
        #expect(unknownExemplar.contains("exemplar 1") && unknownExemplar.contains("'c'"), "\(unknownExemplar)")

        let unknownTask = message {
            _ = try ModelSelection.evaluate(
                candidates: [SelectionCandidate(adapterDirectory: a), SelectionCandidate(adapterDirectory: b)],
                encoder: fixture.encoder, texts: texts, gold: [0, 1], classes: ["ham", "spam"],
                routing: .exemplars([
                    RoutingExemplar(text: "win", candidate: "a"), RoutingExemplar(text: "song", candidate: "b"),
                ]), expectedCandidates: ["a", "z"])
        }
        #expect(unknownTask.contains("row 1") && unknownTask.contains("'z'"), "\(unknownTask)")

        #expect(throws: PipelinesError.self) {
            try ExpertRouter.train(
                exemplars: [RoutingExemplar(text: "win", candidate: "a")], candidates: ["a"],
                embed: { try SentenceEmbedder(encoder: fixture.encoder).embed($0) })
        }
    }

    @Test(
        "with the real MiniLM, a router on a few exemplars per topic routes new sentences to their topic",
        .enabled(if: TestData.model != nil, "the encoder is not fetched (make model)"))
    func realEncoderRouting() throws {
        let encoder = try SentenceEncoder(directory: try #require(TestData.model))
        let embed: ([String]) throws -> [[Float]] = { try SentenceEmbedder(encoder: encoder).embed($0) }
        let exemplars = [
            ("WIN a FREE iPhone, click the link now", "spam"), ("Call now to claim your cash prize", "spam"),
            ("subscribe to my channel for free gift cards", "spam"), ("Urgent: your account won 1000 dollars", "spam"),
            ("This song brings back so many memories", "music"), ("Her voice is beautiful in this chorus", "music"),
            ("Best guitar solo I have ever heard", "music"), ("I love the melody of this track", "music"),
        ].map { RoutingExemplar(text: $0.0, candidate: $0.1) }
        let router = try ExpertRouter.train(exemplars: exemplars, candidates: ["spam", "music"], embed: embed)
        let routes = try router.route(
            [
                "Claim your free prize by texting WIN to 80082", "Click here for cheap followers",
                "The drummer in this song is amazing", "Such a lovely ballad, I listen every day",
            ], embed: embed)
        #expect(routes == [0, 0, 1, 1])
    }
}
