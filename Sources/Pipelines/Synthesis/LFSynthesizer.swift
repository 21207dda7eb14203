import Foundation
import FoundryCore
import Labeling
import Tabular

/// Proposes labeling functions from a few labeled exemplars per class and an unlabeled pool, after Snuba
/// (Varma & Ré 2018, "Snuba: Automating Weak Supervision to Label Training Data"): generate simple heuristics, score
/// each by its precision on the labeled exemplars and its coverage of the pool, and choose greedily, discounting a
/// heuristic by its overlap with those already chosen (the diversity criterion).
///
/// Three families of candidates:
/// - **keywords and phrases**: the word tokens and two-word phrases that occur in at least
///   ``Configuration/minExemplarSupport`` exemplars of a class and ``Configuration/minPoolSupport`` pool rows, ranked by
///   class-conditional lift — the Laplace-smoothed P(class | term) on the exemplars divided by the class's share of the
///   exemplars; the best ``Configuration/keywordsPerClass`` of each class are scored (a word becomes a `lexicon`
///   function, a phrase a `keyword` function);
/// - **shapes**: each regular expression of ``ShapePattern/catalogue`` that some exemplar matches, voting the class
///   most of its matching exemplars belong to;
/// - **similarity** (when an embedder is given): the L2-normalised centroid of each class's exemplar embeddings, with
///   `min_cosine` chosen to maximise precision × coverage on the exemplars, each exemplar's cosine taken to the centroid
///   of the *other* exemplars (leave-one-out), so the threshold is not tuned on the point it is tested on.
///
/// Every candidate is compiled and applied like a written function. Scores: precision = `(hits of its class + α) /
/// (hits + α·k)` on the exemplars it fires on, coverage = the fraction of pool rows it votes on, overlap = the fraction
/// of those rows already covered by the chosen functions; selection takes, class by class in turn, the candidate with
/// the highest `F(precision, coverage) · (1 − w · overlap)` (F the harmonic mean) among those with precision ≥
/// ``Configuration/minPrecision``, coverage ≥ ``Configuration/minCoverage`` and overlap ≤ ``Configuration/maxOverlap``,
/// until ``Configuration/maxLFs`` are chosen or none qualifies. Taking classes in turn keeps every class voted for.
///
/// Deterministic: ties are broken by name, and the only randomness — which pool rows are scored when the pool is
/// larger than ``Configuration/maxPoolRows`` — comes from ``Configuration/seed``.
public struct LFSynthesizer: Sendable {
    /// What to propose and how to choose.
    public struct Configuration: Sendable, Equatable {
        /// The most functions chosen.
        public var maxLFs: Int = 20
        /// Keyword/phrase candidates scored per class (the best by lift).
        public var keywordsPerClass: Int = 40
        /// Exemplars of the class a term must occur in.
        public var minExemplarSupport: Int = 2
        /// Pool rows a term must occur in.
        public var minPoolSupport: Int = 3
        /// Laplace smoothing α of precisions.
        public var smoothing: Double = 1
        /// The smallest smoothed precision of a chosen function.
        public var minPrecision: Double = 0.6
        /// The smallest pool coverage of a chosen function.
        public var minCoverage: Double = 0.002
        /// The largest overlap of a chosen function with those chosen before it.
        public var maxOverlap: Double = 0.95
        /// How much overlap discounts the score (0 = ignore diversity, 1 = score × (1 − overlap)).
        public var diversityWeight: Double = 0.5
        /// Include two-word phrases.
        public var phrases: Bool = true
        /// The families proposed.
        public var families: Set<LFCandidate.Family> = Set(LFCandidate.Family.allCases)
        /// Unchosen candidates returned after the chosen ones (the best by score), for review.
        public var reserve: Int = 10
        /// Pool rows scored at most (a seeded sample of the pool beyond it).
        public var maxPoolRows: Int = 20_000
        /// Pool texts kept per candidate as examples.
        public var examplesPerCandidate: Int = 3
        /// The field written in every function (nil: functions read the default text field).
        public var field: String?
        /// The encoder folder written in similarity functions (`encoder:`), relative to the spec file.
        public var encoder: String?
        /// The seed of the pool sample.
        public var seed: UInt64 = 0
        /// Weight of the pool's nearest-centroid labels in keyword and shape precisions (0 = exemplars only; the
        /// default 0.2 was chosen among 0, 0.05, 0.2, 0.5 and 1 on the YouTube benchmark).
        ///
        /// With an embedder and a weight w > 0, each pool row is labeled with the class whose exemplar centroid is
        /// nearest (cosine), and counts as w of an exemplar of that class when terms are ranked and candidates
        /// scored: terms need not occur in the exemplars (the pool's evidence can give them support), and
        /// precisions rest on more rows than the few exemplars. Similarity candidates keep exemplar-only
        /// (leave-one-out) precision, since the pool's labels come from the same centroids.
        public var poolEvidence: Double = 0.2

        /// The default configuration.
        public init() {}

        /// Checks the settings.
        ///
        /// - Throws: ``PipelinesError/synthesisFailed(reason:)`` naming the setting and its valid range.
        public func validate() throws {
            func fail(_ reason: String) -> PipelinesError { .synthesisFailed(reason: reason) }
            guard maxLFs >= 1 else { throw fail("max LFs must be at least 1, got \(maxLFs)") }
            guard keywordsPerClass >= 0 else { throw fail("keywords per class must be ≥ 0") }
            guard minExemplarSupport >= 1, minPoolSupport >= 0 else { throw fail("supports must be ≥ 1 and ≥ 0") }
            guard smoothing >= 0, smoothing.isFinite else { throw fail("smoothing must be a finite number ≥ 0") }
            guard (0...1).contains(minPrecision), (0...1).contains(minCoverage), (0...1).contains(maxOverlap),
                (0...1).contains(diversityWeight)
            else { throw fail("min precision, min coverage, max overlap and diversity weight lie in [0, 1]") }
            guard maxPoolRows >= 1 else { throw fail("max pool rows must be at least 1") }
            guard poolEvidence >= 0, poolEvidence.isFinite else {
                throw fail("pool evidence must be a finite weight ≥ 0")
            }
        }
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a synthesizer.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Proposes, scores and chooses labeling functions.
    ///
    /// - Parameters:
    ///   - pool: the unlabeled texts.
    ///   - exemplars: labeled texts (`label` a class index).
    ///   - classes: the class names, in index order.
    ///   - embedder: the encoder for similarity functions; nil proposes none.
    /// - Returns: the chosen candidates (``LFCandidate/accepted``) in the order chosen, then up to
    ///   ``Configuration/reserve`` others by score.
    /// - Throws: ``PipelinesError/synthesisFailed(reason:)`` for an empty pool, fewer than two classes or a class
    ///   without exemplars; ``PipelinesError/invalidData(source:row:field:reason:)`` for an exemplar whose label is
    ///   not a class index; what the embedder throws.
    /// - Complexity: O((pool + exemplars) · candidates) to apply the candidates, plus one encoder pass over the
    ///   distinct texts for similarity functions.
    public func propose(
        pool: [String], exemplars: [(text: String, label: Int)], classes: [String], embedder: (any TextEmbedder)?
    ) throws -> [LFCandidate] {
        try configuration.validate()
        let k = classes.count
        guard k >= 2, Set(classes).count == k else {
            throw PipelinesError.synthesisFailed(reason: "expected at least two distinct class names, got \(classes)")
        }
        guard !pool.isEmpty else {
            throw PipelinesError.synthesisFailed(reason: "the pool of unlabeled texts is empty")
        }
        for (row, exemplar) in exemplars.enumerated() where !(0..<k).contains(exemplar.label) {
            throw PipelinesError.invalidData(
                source: "exemplars", row: row, field: "label",
                reason: "class index \(exemplar.label) is not one of 0…\(k - 1) (\(classes.joined(separator: ", ")))")
        }
        let perClass = (0..<k).map { c in exemplars.filter { $0.label == c }.count }
        if let empty = perClass.firstIndex(of: 0) {
            throw PipelinesError.synthesisFailed(
                reason: "class '\(classes[empty])' has no exemplars (give at least one labeled text per class)")
        }
        let scoredPool = sample(pool)
        let exemplarLabels = exemplars.map(\.label)

        var lookup: EmbeddingLookup?
        if let embedder, configuration.families.contains(.similarity) || configuration.poolEvidence > 0 {
            lookup = try EmbeddingLookup(texts: scoredPool + exemplars.map(\.text), embedder: embedder)
        }
        var poolLabels: [Int]?
        if configuration.poolEvidence > 0, let lookup {
            poolLabels = try nearestCentroidLabels(
                scoredPool, exemplars: exemplars, classCount: k, lookup: lookup)
        }
        var specs: [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)] = []
        if configuration.families.contains(.keyword) {
            specs += try keywordSpecs(pool: scoredPool, exemplars: exemplars, classes: classes, poolLabels: poolLabels)
        }
        if configuration.families.contains(.shape) {
            specs += try shapeSpecs(exemplars: exemplars, classes: classes)
        }
        var looVotes: [String: [Bool]] = [:]
        if configuration.families.contains(.similarity), let built = lookup {
            for proposal in try similaritySpecs(exemplars: exemplars, classes: classes, lookup: built) {
                specs.append((proposal.spec, .similarity, proposal.classIndex))
                looVotes[proposal.spec.name] = proposal.exemplarVotes
            }
        }
        guard !specs.isEmpty else { return [] }

        // Apply every candidate to the pool and the exemplars exactly as the written spec will be applied.
        let spec = LFSpec(source: "<synthesis>", classNames: classes, labelingFunctions: specs.map(\.spec))
        let functions = try spec.compile(
            classNames: classes, defaultField: configuration.field ?? "text",
            embeddings: lookup)
        let column = configuration.field ?? "text"
        func apply(_ texts: [String]) throws -> LabelMatrix {
            let table = TextTable(source: "<synthesis>", columnNames: [column], rows: texts.map { [$0] })
            return try LFApplier(functions, classNames: classes).apply(table.records).labelMatrix
        }
        let poolVotes = try apply(scoredPool)
        let exemplarVotes = try apply(exemplars.map(\.text))
        var poolHits = [[Int]](repeating: [], count: specs.count)
        poolVotes.forEachVote { row, lf, _ in poolHits[lf].append(row) }
        var exemplarHits = [[Int]](repeating: [], count: specs.count)
        exemplarVotes.forEachVote { row, lf, _ in exemplarHits[lf].append(row) }

        let alpha = configuration.smoothing
        let weight = configuration.poolEvidence
        let poolPerClass = (0..<k).map { c in poolLabels?.filter { $0 == c }.count ?? 0 }
        var candidates: [LFCandidate] = specs.enumerated().map { index, proposal in
            var hits = exemplarHits[index]
            let c = proposal.classIndex
            var ofClassWeighted = 0.0, hitsWeighted = 0.0
            var prior = Double(perClass[c]) / Double(exemplars.count)
            if let loo = looVotes[proposal.spec.name] {
                hits = loo.indices.filter { loo[$0] }
            } else if let poolLabels {
                hitsWeighted = weight * Double(poolHits[index].count)
                ofClassWeighted = weight * Double(poolHits[index].filter { poolLabels[$0] == c }.count)
                prior =
                    (Double(perClass[c]) + weight * Double(poolPerClass[c]))
                    / (Double(exemplars.count) + weight * Double(poolLabels.count))
            }
            let ofClass = hits.filter { exemplarLabels[$0] == c }.count
            let precision =
                (Double(ofClass) + ofClassWeighted + alpha) / (Double(hits.count) + hitsWeighted + alpha * Double(k))
            return LFCandidate(
                spec: proposal.spec, family: proposal.family, classIndex: proposal.classIndex, precision: precision,
                coverage: Double(poolHits[index].count) / Double(scoredPool.count), overlap: 0, lift: precision / prior,
                exemplarHits: hits.count, exemplarHitsOfClass: ofClass, score: 0, accepted: false,
                examples: poolHits[index].prefix(configuration.examplesPerCandidate).map { scoredPool[$0] })
        }
        return select(&candidates, poolHits: poolHits, poolSize: scoredPool.count, classes: k)
    }

    /// The written spec of the accepted candidates.
    ///
    /// - Parameters:
    ///   - candidates: proposals (only ``LFCandidate/accepted`` ones are written, in order).
    ///   - classes: the class names written as `classes`.
    public static func spec(of candidates: [LFCandidate], classes: [String]) -> LFSpec {
        LFSpec(source: "<synthesis>", classNames: classes, labelingFunctions: candidates.filter(\.accepted).map(\.spec))
    }

    /// `candidate` with its pool coverage and examples recomputed (after its threshold was edited in review).
    ///
    /// - Parameters:
    ///   - candidate: the candidate, as edited.
    ///   - pool: the pool it was proposed for.
    ///   - classes: the class names.
    ///   - embedder: the encoder (needed for similarity functions).
    /// - Throws: compile errors of the candidate's spec; what the embedder throws.
    public func rescore(_ candidate: LFCandidate, pool: [String], classes: [String], embedder: (any TextEmbedder)?)
        throws -> LFCandidate
    {
        let scoredPool = sample(pool)
        let column = configuration.field ?? "text"
        let lookup =
            try candidate.spec.kind == .similarity
            ? embedder.map { try EmbeddingLookup(texts: scoredPool, embedder: $0) } : nil
        let functions = try LFSpec(labelingFunctions: [candidate.spec]).compile(
            classNames: classes, defaultField: column, embeddings: lookup)
        let table = TextTable(source: "<synthesis>", columnNames: [column], rows: scoredPool.map { [$0] })
        let votes = try LFApplier(functions, classNames: classes).apply(table.records).labelMatrix
        var hits: [Int] = []
        votes.forEachVote { row, _, _ in hits.append(row) }
        var updated = candidate
        updated.coverage = Double(hits.count) / Double(max(1, scoredPool.count))
        updated.examples = hits.prefix(configuration.examplesPerCandidate).map { scoredPool[$0] }
        return updated
    }

    // MARK: Selection

    /// Greedy selection: classes in turn, the best-scoring qualifying candidate of the class.
    private func select(_ candidates: inout [LFCandidate], poolHits: [[Int]], poolSize: Int, classes k: Int)
        -> [LFCandidate]
    {
        var covered = [Bool](repeating: false, count: poolSize)
        var chosen: [Int] = []
        var open = Set(candidates.indices)
        func overlap(_ index: Int) -> Double {
            let hits = poolHits[index]
            guard !hits.isEmpty else { return 0 }
            return Double(hits.filter { covered[$0] }.count) / Double(hits.count)
        }
        func score(_ candidate: LFCandidate, overlap: Double) -> Double {
            let p = candidate.precision, c = candidate.coverage
            let f = p + c > 0 ? 2 * p * c / (p + c) : 0
            return f * (1 - configuration.diversityWeight * overlap)
        }
        var exhausted = Set<Int>()
        var turn = 0
        while chosen.count < configuration.maxLFs, exhausted.count < k {
            let classIndex = turn % k
            turn += 1
            if exhausted.contains(classIndex) { continue }
            var best: (index: Int, score: Double, overlap: Double)?
            for index in open.sorted() where candidates[index].classIndex == classIndex {
                let candidate = candidates[index]
                guard candidate.precision >= configuration.minPrecision, candidate.coverage >= configuration.minCoverage
                else { continue }
                let o = overlap(index)
                guard o <= configuration.maxOverlap else { continue }
                let s = score(candidate, overlap: o)
                if let current = best,
                    s < current.score || (s == current.score && candidate.name >= candidates[current.index].name)
                {
                    continue
                }
                best = (index, s, o)
            }
            guard let best else {
                exhausted.insert(classIndex)
                continue
            }
            candidates[best.index].overlap = best.overlap
            candidates[best.index].score = best.score
            candidates[best.index].accepted = true
            chosen.append(best.index)
            open.remove(best.index)
            for row in poolHits[best.index] { covered[row] = true }
        }
        var rest = open.map { index -> LFCandidate in
            var candidate = candidates[index]
            candidate.overlap = overlap(index)
            candidate.score = score(candidate, overlap: candidate.overlap)
            return candidate
        }
        rest.sort { ($0.score, $1.name) > ($1.score, $0.name) }
        return chosen.map { candidates[$0] } + rest.prefix(configuration.reserve)
    }

    // MARK: Candidates

    /// The pool, or a seeded sample of ``Configuration/maxPoolRows`` of it (in pool order).
    private func sample(_ pool: [String]) -> [String] {
        guard pool.count > configuration.maxPoolRows else { return pool }
        var generator = SeededGenerator(seed: configuration.seed)
        var indices = Array(pool.indices)
        indices.shuffle(using: &generator)
        return indices.prefix(configuration.maxPoolRows).sorted().map { pool[$0] }
    }

    /// The terms of a text: its distinct lowercased word tokens (two characters or more), and with
    /// ``Configuration/phrases`` its distinct two-token phrases.
    func terms(_ text: String) throws -> Set<String> {
        let tokens = try Preprocessors.text.tokens()(text)
        var terms = Set(tokens.filter { $0.count >= 2 })
        if configuration.phrases, tokens.count >= 2 {
            for i in 1..<tokens.count { terms.insert(tokens[i - 1] + " " + tokens[i]) }
        }
        return terms
    }

    /// Ranked keyword and phrase candidates per class.
    func keywordSpecs(
        pool: [String], exemplars: [(text: String, label: Int)], classes: [String], poolLabels: [Int]? = nil
    ) throws
        -> [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)]
    {
        let ranking = try rankTerms(
            pool: pool, exemplars: exemplars, classCount: classes.count, poolLabels: poolLabels)
        var result: [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)] = []
        var names = Set<String>()
        for classIndex in classes.indices {
            for term in ranking[classIndex].prefix(configuration.keywordsPerClass) {
                let isPhrase = term.term.contains(" ")
                var name =
                    (isPhrase ? "phrase_" : "word_") + Self.slug(classes[classIndex]) + "_" + Self.slug(term.term)
                if names.contains(name) { name += "_\(names.count)" }
                names.insert(name)
                var spec = LabelingFunctionSpec(
                    name: name, kind: isPhrase ? .keyword : .lexicon, field: configuration.field,
                    label: classes[classIndex])
                if isPhrase { spec.keywords = [term.term] } else { spec.words = [term.term] }
                result.append((spec, .keyword, classIndex))
            }
        }
        return result
    }

    /// A term's ranking figures for one class.
    struct RankedTerm: Equatable {
        var term: String
        var lift: Double
        var exemplarSupport: Int
        var poolSupport: Int
    }

    /// For each class, the terms with enough support, best lift first (then more exemplar support, more pool
    /// support, then the term's text).
    ///
    /// Lift of term t for class c: `((n(c, t) + α) / (n(t) + α·k)) / (n(c) / n)` where n(c, t) counts the exemplars
    /// of class c containing t, n(t) all exemplars containing t, n(c) the exemplars of class c and n all exemplars.
    func rankTerms(
        pool: [String], exemplars: [(text: String, label: Int)], classCount k: Int, poolLabels: [Int]? = nil
    ) throws
        -> [[RankedTerm]]
    {
        let alpha = configuration.smoothing
        let weight = poolLabels == nil ? 0 : configuration.poolEvidence
        var counts: [String: [Int]] = [:]
        for exemplar in exemplars {
            for term in try terms(exemplar.text) {
                counts[term, default: [Int](repeating: 0, count: k)][exemplar.label] += 1
            }
        }
        var poolCounts: [String: Int] = [:]
        var poolByClass: [String: [Int]] = [:]
        for (row, text) in pool.enumerated() {
            for term in try terms(text) {
                if let poolLabels {
                    poolByClass[term, default: [Int](repeating: 0, count: k)][poolLabels[row]] += 1
                    poolCounts[term, default: 0] += 1
                } else if counts[term] != nil {
                    poolCounts[term, default: 0] += 1
                }
            }
        }
        if poolLabels != nil {
            for term in poolByClass.keys where counts[term] == nil { counts[term] = [Int](repeating: 0, count: k) }
        }
        let perClass = (0..<k).map { c in exemplars.filter { $0.label == c }.count }
        let poolPerClass = (0..<k).map { c in poolLabels?.filter { $0 == c }.count ?? 0 }
        var ranking = [[RankedTerm]](repeating: [], count: k)
        for (term, byClass) in counts {
            let poolSupport = poolCounts[term, default: 0]
            guard poolSupport >= configuration.minPoolSupport else { continue }
            let fromPool = poolByClass[term] ?? [Int](repeating: 0, count: k)
            let combined = (0..<k).map { Double(byClass[$0]) + weight * Double(fromPool[$0]) }
            let total = combined.reduce(0, +)
            for c in 0..<k where combined[c] >= Double(configuration.minExemplarSupport) {
                let precision = (combined[c] + alpha) / (total + alpha * Double(k))
                let prior =
                    (Double(perClass[c]) + weight * Double(poolPerClass[c]))
                    / (Double(exemplars.count) + weight * Double(pool.count))
                ranking[c].append(
                    RankedTerm(
                        term: term, lift: precision / prior, exemplarSupport: byClass[c], poolSupport: poolSupport))
            }
        }
        for c in 0..<k {
            ranking[c].sort {
                ($0.lift, $0.exemplarSupport, $0.poolSupport, $1.term) > (
                    $1.lift, $1.exemplarSupport, $1.poolSupport, $0.term
                )
            }
        }
        return ranking
    }

    /// One regex candidate per catalogue shape some exemplar matches, voting the class most matching exemplars have
    /// (ties: the lower class index).
    func shapeSpecs(exemplars: [(text: String, label: Int)], classes: [String]) throws
        -> [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)]
    {
        var result: [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)] = []
        for shape in ShapePattern.catalogue {
            let matcher = try TextPattern(shape.pattern, ignoresCase: shape.ignoreCase)
            var byClass = [Int](repeating: 0, count: classes.count)
            for exemplar in exemplars where matcher.matches(exemplar.text) { byClass[exemplar.label] += 1 }
            guard let top = byClass.max(), top > 0, let classIndex = byClass.firstIndex(of: top) else { continue }
            var spec = LabelingFunctionSpec(
                name: "shape_" + Self.slug(classes[classIndex]) + "_" + shape.name, kind: .regex,
                field: configuration.field, label: classes[classIndex])
            spec.pattern = shape.pattern
            spec.ignoreCase = shape.ignoreCase
            result.append((spec, .shape, classIndex))
        }
        return result
    }

    /// The class of each text whose exemplar centroid (normalised mean of normalised embeddings) is nearest by
    /// cosine (ties: the lower class index).
    func nearestCentroidLabels(
        _ texts: [String], exemplars: [(text: String, label: Int)], classCount k: Int, lookup: EmbeddingLookup
    ) throws -> [Int] {
        let d = lookup.dimension
        var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: k)
        for (row, exemplar) in exemplars.enumerated() {
            guard let vector = lookup.vector(for: exemplar.text) else {
                throw PipelinesError.invalidData(
                    source: "exemplars", row: row, field: nil, reason: "no embedding for this exemplar")
            }
            let unit = Self.normalized(vector.map(Double.init))
            for j in 0..<d { sums[exemplar.label][j] += unit[j] }
        }
        let centroids = sums.map(Self.normalized)
        return try texts.map { text in
            guard let vector = lookup.vector(for: text) else {
                throw PipelinesError.synthesisFailed(reason: "no embedding for a pool text")
            }
            let unit = vector.map(Double.init)
            var best = 0, bestCosine = -Double.infinity
            for c in 0..<k {
                let cosine = Self.dot(unit, centroids[c])
                if cosine > bestCosine { (best, bestCosine) = (c, cosine) }
            }
            return best
        }
    }

    /// A similarity proposal: the spec and its leave-one-out votes on the exemplars.
    struct SimilarityProposal {
        var spec: LabelingFunctionSpec
        var classIndex: Int
        var exemplarVotes: [Bool]
    }

    /// One similarity candidate per class: the normalised centroid of its exemplars and the threshold maximising
    /// smoothed precision × coverage on the exemplars, with leave-one-out cosines.
    func similaritySpecs(exemplars: [(text: String, label: Int)], classes: [String], lookup: EmbeddingLookup) throws
        -> [SimilarityProposal]
    {
        let vectors = try exemplars.enumerated().map { row, exemplar -> [Double] in
            guard let vector = lookup.vector(for: exemplar.text) else {
                throw PipelinesError.invalidData(
                    source: "exemplars", row: row, field: nil, reason: "no embedding for this exemplar")
            }
            return Self.normalized(vector.map(Double.init))
        }
        let d = lookup.dimension
        var proposals: [SimilarityProposal] = []
        for classIndex in classes.indices {
            var sum = [Double](repeating: 0, count: d)
            let members = exemplars.indices.filter { exemplars[$0].label == classIndex }
            for row in members { for j in 0..<d { sum[j] += vectors[row][j] } }
            let centroid = Self.normalized(sum)
            // Leave-one-out: a member is compared with the centroid of the other members.
            let cosines = exemplars.indices.map { row -> Double in
                if exemplars[row].label == classIndex {
                    guard members.count > 1 else { return -1 }
                    let others = (0..<d).map { sum[$0] - vectors[row][$0] }
                    return Self.dot(vectors[row], Self.normalized(others))
                }
                return Self.dot(vectors[row], centroid)
            }
            let threshold = tuneThreshold(
                cosines: cosines, isMember: exemplars.map { $0.label == classIndex }, classCount: classes.count)
            var spec = LabelingFunctionSpec(
                name: "similar_to_" + Self.slug(classes[classIndex]), kind: .similarity, field: configuration.field,
                label: classes[classIndex])
            spec.centroid = centroid.map { Float($0) }
            spec.minCosine = threshold
            spec.encoder = configuration.encoder
            proposals.append(
                SimilarityProposal(spec: spec, classIndex: classIndex, exemplarVotes: cosines.map { $0 >= threshold }))
        }
        return proposals
    }

    /// The threshold maximising smoothed precision × coverage over the exemplars: each member's cosine is tried, and
    /// the chosen one is lowered to midway towards the next lower cosine (rounded down to 4 decimals), so that it
    /// sits between exemplars rather than on one.
    func tuneThreshold(cosines: [Double], isMember: [Bool], classCount k: Int) -> Double {
        let alpha = configuration.smoothing
        let order = cosines.indices.sorted { (cosines[$0], $1) > (cosines[$1], $0) }
        var best: (value: Double, position: Int)?
        var fired = 0, members = 0
        for (position, row) in order.enumerated() {
            fired += 1
            if isMember[row] { members += 1 }
            // Only cut after a member, and between distinct cosines.
            guard isMember[row], position + 1 == order.count || cosines[order[position + 1]] < cosines[row] else {
                continue
            }
            let precision = (Double(members) + alpha) / (Double(fired) + alpha * Double(k))
            let value = precision * Double(fired) / Double(cosines.count)
            if best == nil || value > (best?.value ?? 0) { best = (value, position) }
        }
        guard let best else { return 1 }
        let at = cosines[order[best.position]]
        let below = best.position + 1 < order.count ? cosines[order[best.position + 1]] : at - 0.05
        let cut = (at + below) / 2
        return (cut * 10_000).rounded(.down) / 10_000
    }

    static func normalized(_ v: [Double]) -> [Double] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return v }
        return v.map { $0 / norm }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }

    /// A name part of `text`: lowercase letters, digits and `_` (other characters become `_`, runs collapsed).
    static func slug(_ text: String) -> String {
        var out = ""
        for scalar in text.lowercased().unicodeScalars {
            let keep = (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) && scalar.isASCII
            if keep {
                out.unicodeScalars.append(scalar)
            } else if !out.hasSuffix("_") {
                out += "_"
            }
        }
        let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        return trimmed.isEmpty ? "x" : trimmed
    }
}
