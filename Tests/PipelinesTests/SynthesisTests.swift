import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Tabular
import Testing

@testable import Pipelines

/// A deterministic embedder for tests: coordinates count spam words, ham words and everything else.
struct WordCountEmbedder: TextEmbedder {
    var dimension: Int { 3 }

    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            let words = text.lowercased().split(whereSeparator: { !$0.isLetter })
            let spam = words.filter { ["win", "cash", "free", "prize", "click"].contains($0) }.count
            let ham = words.filter { ["song", "love", "voice", "great"].contains($0) }.count
            return [Float(spam), Float(ham), 0.5]
        }
    }
}

/// `LFSynthesizer`: the lift ranking on a hand-made corpus with known answers, the threshold tuning, determinism,
/// the written spec, and bad inputs.
struct SynthesisTests {
    static let classes = ["HAM", "SPAM"]

    static let exemplars: [(text: String, label: Int)] = [
        ("win cash now", 1), ("win a prize", 1), ("free cash", 1),
        ("nice song", 0), ("love this song", 0), ("song cash", 0),
    ]

    static let pool = [
        "win big cash today", "you can win a free prize", "click for free cash", "cash prize inside",
        "great song", "i love this song", "her voice is great", "song of the year", "love love love", "meh",
    ]

    @Test func liftRankingMatchesHandComputedValues() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.phrases = false
        configuration.minPoolSupport = 0
        let ranking = try LFSynthesizer(configuration: configuration).rankTerms(
            pool: Self.pool, exemplars: Self.exemplars, classCount: 2)
        // α = 1, k = 2, each class half of the exemplars (prior 0.5):
        // win: spam 2 of 2 → (2+1)/(2+2) = 0.75 → lift 1.5; cash: spam 2 of 3 → 3/5 = 0.6 → 1.2;
        // song: ham 3 of 3 → 4/5 = 0.8 → 1.6. Terms in one exemplar (free, prize, now, nice…) lack support.
        #expect(ranking[1].map(\.term) == ["win", "cash"])
        #expect(ranking[0].map(\.term) == ["song"])
        #expect(approximatelyEqual(ranking[1][0].lift, 1.5) && approximatelyEqual(ranking[1][1].lift, 1.2))
        #expect(approximatelyEqual(ranking[0][0].lift, 1.6))
        #expect(ranking[1][0].exemplarSupport == 2 && ranking[1][1].poolSupport == 3)
    }

    @Test func poolEvidenceCountsPoolRowsByTheirNearestCentroidLabel() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.phrases = false
        configuration.minPoolSupport = 0
        configuration.poolEvidence = 1
        // The first four pool texts labeled SPAM, the other six HAM.
        let labels = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
        let ranking = try LFSynthesizer(configuration: configuration).rankTerms(
            pool: Self.pool, exemplars: Self.exemplars, classCount: 2,
            poolPosteriors: labels.map { $0 == 1 ? [0, 1] : [1, 0] })
        // free: 1 SPAM exemplar + 2 SPAM pool rows = 3 of 3; prior (3 + 4)/(6 + 10) = 7/16; smoothing pulls towards
        // the prior: (3 + 2·7/16)/(3 + 2) = 0.775.
        let free = try #require(ranking[1].first { $0.term == "free" })
        #expect(approximatelyEqual(free.lift, 0.775 / (7.0 / 16.0)))
        // click is in one pool row only: support 1 < 2.
        #expect(!ranking[1].contains { $0.term == "click" })
        // Without pool labels, free (one exemplar) lacks support.
        let plain = try LFSynthesizer(configuration: configuration).rankTerms(
            pool: Self.pool, exemplars: Self.exemplars, classCount: 2)
        #expect(!plain[1].contains { $0.term == "free" })
    }

    @Test func priorWeightingMeasuresPrecisionUnderThePoolsPrior() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.phrases = false
        configuration.minPoolSupport = 0
        // A pool prior of (0.8, 0.2) against balanced exemplars: HAM exemplars weigh 0.8 / 0.5 = 1.6, SPAM 0.4.
        let weighting = LFSynthesizer.ExemplarWeighting(prior: [0.8, 0.2], classWeights: [1.6, 0.4])
        let ranking = try LFSynthesizer(configuration: configuration).rankTerms(
            pool: Self.pool, exemplars: Self.exemplars, classCount: 2, weighting: weighting)
        // α = 1, k = 2, smoothing towards the prior: win (2 SPAM): (0.8 + 2·0.2) / (0.8 + 2) = 0.4286, lift / 0.2;
        // cash (2 SPAM, 1 HAM): (0.8 + 0.4) / (2.4 + 2) = 0.2727; song (3 HAM): (4.8 + 1.6) / (4.8 + 2) = 0.9412.
        let win = try #require(ranking[1].first { $0.term == "win" })
        let cash = try #require(ranking[1].first { $0.term == "cash" })
        let song = try #require(ranking[0].first { $0.term == "song" })
        #expect(approximatelyEqual(win.lift, 1.2 / 2.8 / 0.2))
        #expect(approximatelyEqual(cash.lift, 1.2 / 4.4 / 0.2))
        #expect(approximatelyEqual(song.lift, 6.4 / 6.8 / 0.8))
        // Support still counts exemplars unweighted: win (2 exemplars) qualifies though it weighs 0.8.
        #expect(win.exemplarSupport == 2)
    }

    @Test func requiredPrecisionRisesWithTheClassPrior() {
        let synthesizer = LFSynthesizer()  // min precision 0.6, gain 0.2
        #expect(approximatelyEqual(synthesizer.requiredPrecision(0.2), 0.6))
        #expect(approximatelyEqual(synthesizer.requiredPrecision(0.5), 0.6))
        #expect(approximatelyEqual(synthesizer.requiredPrecision(0.87), 0.87 + 0.2 * 0.13))
    }

    @Test func thresholdIsTheLowestCutReachingTheRequiredPrecision() {
        // Cosines 0.9 m, 0.8 m, 0.7 non, 0.6 non, 0.5 m, 0.1 non; the prior 0.8 requires 0.8 + 0.2·0.2 = 0.84.
        // Weighted (members 1, others 1), α = 1, k = 2: after 0.9: (1 + 1.6) / (1 + 2) = 0.867 (reaches it); after
        // 0.8: (2 + 1.6) / 4 = 0.9; after 0.5: (3 + 1.6) / 7 = 0.657 (does not). So the cut is after 0.8, midway to
        // 0.7: 0.75 — although precision × coverage is higher after 0.5 (0.657 · 5/6 = 0.548 > 0.9 · 2/6 = 0.3).
        let cosines = [0.9, 0.8, 0.7, 0.6, 0.5, 0.1]
        let members = [true, true, false, false, true, false]
        let threshold = LFSynthesizer().tuneThreshold(
            cosines: cosines, isMember: members, classCount: 2, weights: [Double](repeating: 1, count: 6), prior: 0.8)
        #expect(abs(threshold - 0.75) < 1e-3)
        // When no cut reaches it, precision × coverage decides: a minimum precision of 0.95 is out of reach
        // (2/3, 3/4, 4/7 at the prior 0.5), and 4/7 · 5/6 = 0.476 after 0.5 is the best product; midway to 0.1: 0.3.
        var strict = LFSynthesizer.Configuration()
        strict.minPrecision = 0.95
        let fallback = LFSynthesizer(configuration: strict).tuneThreshold(
            cosines: cosines, isMember: members, classCount: 2, weights: nil, prior: 0.5)
        #expect(abs(fallback - 0.3) < 1e-3)
    }

    @Test func classifierFunctionsVoteExactlyWhereTheAdjustedPosteriorIsConfident() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.families = [.classifier]
        configuration.classifierConfidence = 0.7
        let synthesizer = LFSynthesizer(configuration: configuration)
        let exemplars = Self.exemplars.map(\.text), labels = Self.exemplars.map(\.label)
        let proposal = try synthesizer.synthesize(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        let balance = try #require(proposal.classBalance)
        #expect(approximatelyEqual(balance.reduce(0, +), 1))
        // The same estimate, recomputed: each pool text's posterior adjusted to the prior.
        let embedder = WordCountEmbedder()
        let estimate = try ClassPriorEstimator(configuration: configuration.priorEstimation).estimate(
            exemplars: try embedder.embed(exemplars), labels: labels, classes: 2, pool: try embedder.embed(Self.pool))
        #expect(estimate.prior == balance)
        let functions = proposal.candidates.filter { $0.family == .classifier }
        #expect(!functions.isEmpty)
        let lookup = try EmbeddingLookup(texts: Self.pool, embedder: embedder)
        for candidate in functions {
            #expect(candidate.spec.kind == .similarity && candidate.name.hasPrefix("classifier_"))
            let bound = try #require(candidate.spec.minCosine)
            for (row, text) in Self.pool.enumerated() {
                let vector = try #require(lookup.vector(for: text))
                let votes = EmbeddingLookup.cosine(vector, candidate.spec.centroid) >= bound
                let posterior = estimate.posteriors[row][candidate.classIndex]
                // Votes only where the adjusted posterior reaches 0.7; and everywhere it clearly does (the bound is
                // rounded up to 4 decimals and the direction stored as Float).
                if votes { #expect(posterior >= 0.7 - 1e-3, "\(text): \(posterior)") }
                if posterior >= 0.7 + 1e-2 { #expect(votes, "\(text): \(posterior)") }
            }
        }
    }

    @Test func classifierPoolLabelsWeighPoolRowsByTheirAdjustedPosteriors() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.poolLabels = .classifier
        configuration.phrases = false
        configuration.minPoolSupport = 0
        let embedder = WordCountEmbedder()
        let proposal = try LFSynthesizer(configuration: configuration).synthesize(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: embedder)
        let estimate = try ClassPriorEstimator(configuration: configuration.priorEstimation).estimate(
            exemplars: try embedder.embed(Self.exemplars.map(\.text)), labels: Self.exemplars.map(\.label), classes: 2,
            pool: try embedder.embed(Self.pool))
        let win = try #require(proposal.candidates.first { $0.spec.words == ["win"] })
        // win: the 2 SPAM exemplars, each weighing π₁ · 6 / 3; pool rows 0 and 1, each adding 0.2 × its adjusted
        // SPAM posterior; α = 1, k = 2, smoothing towards the SPAM share of exemplars and pool together,
        // (π₁ · 6 + 0.2 · Σ posteriors) / (6 + 0.2 · 10).
        let prior = estimate.prior[1], weight = prior * 6 / 3
        let pool = 0.2 * (estimate.posteriors[0][1] + estimate.posteriors[1][1])
        let share = (prior * 6 + 0.2 * estimate.posteriors.reduce(0) { $0 + $1[1] }) / (6 + 0.2 * 10)
        let expected = (2 * weight + pool + 2 * share) / (2 * weight + 0.2 * 2 + 2)
        #expect(approximatelyEqual(win.precision, expected))
        #expect(approximatelyEqual(win.coverage, 0.2))
    }

    @Test func withoutPriorAwarenessNoBalanceIsWritten() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.priorAware = false
        let proposal = try LFSynthesizer(configuration: configuration).synthesize(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        #expect(proposal.classBalance == nil && !proposal.candidates.isEmpty)
        // Without an embedder there is no estimate either.
        let plain = try LFSynthesizer().synthesize(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: nil)
        #expect(plain.classBalance == nil && !plain.candidates.contains { $0.family == .classifier })
    }

    @Test func badClassifierConfidenceIsRejected() {
        var configuration = LFSynthesizer.Configuration()
        configuration.classifierConfidence = 0.5
        #expect(throws: PipelinesError.self) {
            try LFSynthesizer(configuration: configuration).propose(
                pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: nil)
        }
    }

    @Test func poolSupportFiltersTerms() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.phrases = false
        configuration.minPoolSupport = 4
        let ranking = try LFSynthesizer(configuration: configuration).rankTerms(
            pool: Self.pool, exemplars: Self.exemplars, classCount: 2)
        // In the pool: cash 3 rows, win 2, song 3 → none reaches 4.
        #expect(ranking[0].isEmpty && ranking[1].isEmpty)
    }

    @Test func phrasesAreTwoTokenRuns() throws {
        let terms = try LFSynthesizer().terms("Check out my channel!")
        #expect(terms.isSuperset(of: ["check", "out", "my", "channel", "check out", "out my", "my channel"]))
    }

    @Test func thresholdIsTunedForPrecisionTimesCoverage() {
        // Sorted cosines, members marked: 0.9 m, 0.8 m, 0.5 non, 0.4 m, 0.2 non. Smoothed precision × coverage:
        // cut after 0.9: (1+1)/(1+2) · 1/5 = 0.133; after 0.8: 3/4 · 2/5 = 0.3; after 0.4: 4/6 · 4/5 = 0.533 (best).
        // The threshold sits midway between 0.4 and the next cosine, 0.2.
        let threshold = LFSynthesizer().tuneThreshold(
            cosines: [0.5, 0.9, 0.2, 0.8, 0.4], isMember: [false, true, false, true, true], classCount: 2)
        #expect(abs(threshold - 0.3) < 1e-3)
    }

    @Test func proposesEveryFamilyAndKeepsBothClasses() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.minPoolSupport = 2
        configuration.maxOverlap = 1
        let candidates = try LFSynthesizer(configuration: configuration).propose(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        let chosen = candidates.filter(\.accepted)
        #expect(Set(chosen.map(\.classIndex)) == [0, 1])
        #expect(chosen.contains { $0.family == .similarity })
        #expect(chosen.contains { $0.spec.kind == .lexicon && $0.spec.words == ["win"] && $0.spec.label == "SPAM" })
        for candidate in chosen {
            #expect(candidate.precision >= 0.6 && candidate.coverage >= 0.002 && candidate.overlap <= 1)
        }
        // The first choice overlaps nothing chosen before it.
        #expect(chosen.first?.overlap == 0)
        // Coverage is measured on the pool: "win" is in 2 of the 10 pool texts.
        let win = try #require(candidates.first { $0.spec.words == ["win"] })
        #expect(approximatelyEqual(win.coverage, 0.2))
    }

    @Test func similarityFunctionsUseLeaveOneOutPrecision() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.families = [.similarity]
        let candidates = try LFSynthesizer(configuration: configuration).propose(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        let spam = try #require(candidates.first { $0.name == "similar_to_spam" })
        #expect(spam.spec.kind == .similarity && spam.spec.centroid.count == 3)
        let norm = spam.spec.centroid.map { Double($0) * Double($0) }.reduce(0, +)
        #expect(abs(norm - 1) < 1e-6)
        let bound = try #require(spam.spec.minCosine)
        #expect(bound > -1 && bound < 1)
        #expect(spam.exemplarHits >= 1 && spam.exemplarHitsOfClass <= spam.exemplarHits)
    }

    @Test func proposalsAreDeterministicForASeed() throws {
        var configuration = LFSynthesizer.Configuration()
        configuration.maxPoolRows = 6
        configuration.seed = 7
        let synthesizer = LFSynthesizer(configuration: configuration)
        let first = try synthesizer.propose(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        let second = try synthesizer.propose(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        #expect(first == second)
        #expect(!first.isEmpty)
    }

    @Test func theWrittenSpecReadsBackEqual() throws {
        let candidates = try LFSynthesizer().propose(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        let spec = LFSynthesizer.spec(of: candidates, classes: Self.classes, classBalance: [0.75, 0.25])
        #expect(spec.labelingFunctions.count == candidates.filter(\.accepted).count)
        #expect(try LFSpec.parse(LFSpecWriter.yaml(spec), format: .yaml).classBalance == [0.75, 0.25])
        let back = try LFSpec.parse(LFSpecWriter.yaml(spec), format: .yaml)
        #expect(back.labelingFunctions == spec.labelingFunctions && back.classNames == Self.classes)
        // …and applies: the written similarity functions compile with a lookup of the pool.
        let lookup = try EmbeddingLookup(texts: Self.pool, embedder: WordCountEmbedder())
        #expect(try back.compile(defaultField: "text", embeddings: lookup).count == back.labelingFunctions.count)
    }

    @Test func shapeCandidatesVoteTheMajorityClassOfTheirExemplars() throws {
        let exemplars: [(text: String, label: Int)] = [
            ("visit www.example.com now", 1), ("http://x.ly/abc", 1), ("nice song", 0), ("see example.com", 0),
        ]
        let shapes = try LFSynthesizer().shapeSpecs(exemplars: exemplars, classes: Self.classes)
        let url = try #require(shapes.first { $0.spec.name.hasSuffix("_url") })
        #expect(url.classIndex == 1 && url.spec.kind == .regex && url.spec.name == "shape_spam_url")
        #expect(!shapes.contains { $0.spec.name.hasSuffix("_email") })
    }

    @Test func anEmptyPoolIsAnError() {
        #expect(throws: PipelinesError.synthesisFailed(reason: "the pool of unlabeled texts is empty")) {
            _ = try LFSynthesizer().propose(pool: [], exemplars: Self.exemplars, classes: Self.classes, embedder: nil)
        }
    }

    @Test func anExemplarOfAnUnknownClassIsAnError() {
        do {
            _ = try LFSynthesizer().propose(
                pool: Self.pool, exemplars: Self.exemplars + [("odd", 2)], classes: Self.classes, embedder: nil)
            Issue.record("accepted class index 2")
        } catch let error as PipelinesError {
            guard case .invalidData(_, let row, let field, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(row == 6 && field == "label" && reason.contains("class index 2"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aClassWithoutExemplarsIsAnError() {
        do {
            _ = try LFSynthesizer().propose(
                pool: Self.pool, exemplars: Self.exemplars.filter { $0.label == 1 }, classes: Self.classes,
                embedder: nil)
            Issue.record("accepted no HAM exemplars")
        } catch {
            #expect("\(error)".contains("'HAM' has no exemplars"))
        }
    }

    @Test func badConfigurationsAreRejected() {
        var configuration = LFSynthesizer.Configuration()
        configuration.minPrecision = 1.5
        #expect(throws: PipelinesError.self) { try configuration.validate() }
    }

    @Test func reviewAppliesAnswersAndPersistsThem() throws {
        let candidates = try LFSynthesizer().propose(
            pool: Self.pool, exemplars: Self.exemplars, classes: Self.classes, embedder: WordCountEmbedder())
        let similarity = try #require(candidates.firstIndex { $0.spec.kind == .similarity })
        // Answer n to one, edit the similarity function's threshold, skip the rest.
        let rejected = similarity == 0 ? 1 : 0
        var answers: [String] = []
        for index in candidates.indices {
            if index == rejected {
                answers.append("n")
            } else if index == similarity {
                answers += ["e", "0.25"]
            } else {
                answers.append("s")
            }
        }
        var session = LFReviewSession(candidates: candidates, decisions: LFReviewDecisions())
        var output = ""
        var iterator = answers.makeIterator()
        session.run(readLine: { iterator.next() }, write: { output += $0 })
        #expect(output.contains("[1/\(candidates.count)]") && output.contains("precision"))
        #expect(session.candidates[rejected].accepted == false)
        #expect(session.candidates[similarity].spec.minCosine == 0.25 && session.candidates[similarity].accepted)
        // Saved and loaded, the decisions reapply to a fresh proposal.
        let directory = TemporaryDirectory(prefix: "lf-review")
        let file = directory.file("decisions.json")
        try session.decisions.save(to: file)
        let loaded = try LFReviewDecisions.load(file)
        #expect(loaded == session.decisions)
        let reapplied = loaded.applied(to: candidates)
        #expect(reapplied[rejected].accepted == false && reapplied[similarity].spec.minCosine == 0.25)
    }

    @Test func aMalformedDecisionsFileNamesTheFile() throws {
        let directory = TemporaryDirectory(prefix: "lf-review")
        let file = try directory.write("decisions.json", #"{"version": 1, "decisions": [{"name": "x"}]}"#)
        do {
            _ = try LFReviewDecisions.load(file)
            Issue.record("loaded a malformed file")
        } catch {
            #expect("\(error)".contains("decisions.json"))
        }
        let outOfRange = try directory.write(
            "range.json", #"{"version": 1, "decisions": [{"name": "x", "accept": true, "min_cosine": 3}]}"#)
        #expect(throws: PipelinesError.self) { _ = try LFReviewDecisions.load(outOfRange) }
    }
}

/// The fixed catalogue of shape regexes, each on examples it must and must not match.
struct ShapePatternTests {
    static let cases: [(name: String, matches: [String], misses: [String])] = [
        (
            "url", ["see https://x.io", "www.site.org", "go to bit.ly/abc", "visit example.com"],
            ["no link here", "a.b"]
        ),
        ("email", ["write to ann.lee@mail.co.uk"], ["at home", "a@b"]),
        ("long_digits", ["call 87121 now", "code 1234567"], ["1234", "room 42"]),
        ("phone", ["ring 0800 123 4567", "+44-7911-123456", "08452810075"], ["12 34 56", "call 555-1234"]),
        (
            "money", ["£100 cash", "$ 5 off", "only 150p/msg", "win 5 pounds", "10 usd"],
            ["pound the table", "5 apples"]
        ),
        ("percent", ["50% off", "20 %"], ["fifty percent"]),
        ("all_caps_word", ["FREE entry", "you WINNER"], ["Free entry", "OK go", "ABC"]),
        ("exclamation_run", ["wow!!", "now!!!"], ["wow!", "a!b!"]),
        ("repeated_letter", ["sooooo good", "yessss"], ["too good", "aaa"]),
        ("digit_letter_mix", ["txt80488 now", "see u 2nite", "4u"], ["abc 123", "hello"]),
    ]

    @Test func everyShapeMatchesItsExamplesOnly() throws {
        #expect(Set(Self.cases.map(\.name)) == Set(ShapePattern.catalogue.map(\.name)))
        for shape in ShapePattern.catalogue {
            let matcher = try TextPattern(shape.pattern, ignoresCase: shape.ignoreCase)
            let examples = try #require(Self.cases.first { $0.name == shape.name })
            for text in examples.matches { #expect(matcher.matches(text), "\(shape.name) should match '\(text)'") }
            for text in examples.misses { #expect(!matcher.matches(text), "\(shape.name) should not match '\(text)'") }
        }
    }
}
