import Foundation
import FoundryCore
import Labeling
import Tabular

/// Proposes labeling functions from a few labeled exemplars per class and an unlabeled pool, after Snuba
/// (Varma & Ré 2018, "Snuba: Automating Weak Supervision to Label Training Data"): generate simple heuristics, score
/// each by its precision on the labeled exemplars and its coverage of the pool, and choose greedily, discounting a
/// heuristic by its overlap with those already chosen (the diversity criterion).
///
/// With an embedder and ``Configuration/priorAware`` (the default), the pool's class prior π is first estimated without
/// gold (``ClassPriorEstimator``: by default the share of pool rows a logistic regression on the exemplars'
/// embeddings predicts each class), and every precision below is the precision *under π*: an exemplar of class c
/// counts π(c) / s(c) (s the exemplars' class shares), smoothing pulls towards π(c), and a chosen function must beat
/// its class's prior (``Configuration/minPrecisionGain``); with ``Configuration/poolLabels`` `.classifier`, pool
/// evidence counts each row by its prior-adjusted posteriors instead of its nearest centroid. Balanced exemplars
/// otherwise overstate functions of a rare class (SMS: 13 % spam). The estimate is returned
/// (``Proposal/classBalance``) and written as the spec's `class_balance`.
///
/// Four families of candidates:
/// - **keywords and phrases**: the word tokens and two-word phrases that occur in at least
///   ``Configuration/minExemplarSupport`` exemplars of a class and ``Configuration/minPoolSupport`` pool rows, ranked by
///   class-conditional lift — the Laplace-smoothed P(class | term) on the exemplars divided by the class's share of the
///   exemplars; the best ``Configuration/keywordsPerClass`` of each class are scored (a word becomes a `lexicon`
///   function, a phrase a `keyword` function);
/// - **shapes**: each regular expression of ``ShapePattern/catalogue`` that some exemplar matches, voting the class
///   most of its matching exemplars belong to;
/// - **similarity** (when an embedder is given): the L2-normalised centroid of each class's exemplar embeddings, with
///   `min_cosine` chosen to maximise precision × coverage on the exemplars, each exemplar's cosine taken to the centroid
///   of the *other* exemplars (leave-one-out), so the threshold is not tuned on the point it is tested on;
/// - **classifier** (two classes, prior-aware): the few-shot classifier's vote where its posterior adjusted to π is at
///   least ``Configuration/classifierConfidence``, abstaining elsewhere. For two classes the rule "adjusted posterior
///   of class c ≥ τ" is exactly "cosine to the classifier's weight direction (for c: w₁ − w₀, for the other class its
///   negation) ≥ a bound", so it is written as an ordinary `similarity` function (no new kind).
///
/// Every candidate is compiled and applied like a written function. Scores: precision = `(hits of its class + α·k·π(c))
/// / (hits + α·k)` on the exemplars it fires on (weighted, plus pool evidence, as above; π uniform without the
/// estimate), coverage = the fraction of pool rows it votes on, overlap = the fraction
/// of those rows already covered by the chosen functions; selection takes, class by class in turn, the candidate with
/// the highest `F(precision, coverage) · (1 − w · overlap)` (F the harmonic mean) among those with precision ≥
/// the class's required precision (``Configuration/minPrecision``, raised to ``Configuration/minPrecisionGain`` of the
/// way from the class's prior to 1, so that a majority class's function must beat its prior), coverage ≥ ``Configuration/minCoverage`` and overlap ≤ ``Configuration/maxOverlap``,
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
        /// The share of the gap between a class's prior π(c) and 1 a chosen function of that class must close: its
        /// precision must be at least `max(minPrecision, π(c) + gain · (1 − π(c)))`. Similarity thresholds are the
        /// lowest whose leave-one-out precision reaches it.
        public var minPrecisionGain: Double = 0.2
        /// The smallest pool coverage of a chosen function.
        public var minCoverage: Double = 0.002
        /// The largest overlap of a chosen function with those chosen before it (the default 1 lets the diversity
        /// weight alone discount overlap: a broad classifier function otherwise shuts out every function after it; 1
        /// was chosen over 0.95 on validation splits of YouTube and SMS).
        public var maxOverlap: Double = 1
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
        /// Estimate the pool's class prior from the exemplars and the pool's embeddings (needs an embedder) and score
        /// every candidate under it; with pool evidence, pool rows count by their prior-adjusted posteriors instead
        /// of their nearest centroid.
        public var priorAware: Bool = true
        /// The smallest prior-adjusted posterior at which a classifier function votes (two classes only; 0.7 was
        /// chosen among 0.6–0.9 on validation splits of YouTube and SMS).
        public var classifierConfidence: Double = 0.7
        /// How pool rows are labeled when they count as evidence (``poolEvidence``).
        public var poolLabels: PoolLabels = .nearestCentroid
        /// The prior estimator's settings.
        public var priorEstimation = ClassPriorEstimator.Configuration()

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
            guard (0...1).contains(minPrecision), (0...1).contains(minPrecisionGain), (0...1).contains(minCoverage),
                (0...1).contains(maxOverlap),
                (0...1).contains(diversityWeight)
            else { throw fail("min precision, min coverage, max overlap and diversity weight lie in [0, 1]") }
            guard maxPoolRows >= 1 else { throw fail("max pool rows must be at least 1") }
            guard poolEvidence >= 0, poolEvidence.isFinite else {
                throw fail("pool evidence must be a finite weight ≥ 0")
            }
            guard classifierConfidence > 0.5, classifierConfidence < 1 else {
                throw fail("classifier confidence must lie in (0.5, 1), got \(classifierConfidence)")
            }
        }
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a synthesizer.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// How pool rows are labeled when they count as evidence in keyword and shape precisions.
    public enum PoolLabels: String, Sendable, Equatable, CaseIterable {
        /// Each row as the class of its nearest exemplar centroid (cosine), one-hot (the default: on validation splits
        /// of YouTube and SMS it scored 82.5 % and 95.7 % against 81.1 % and 95.6 % for ``classifier``).
        case nearestCentroid = "nearest_centroid"
        /// Each row by the few-shot classifier's posteriors adjusted to the estimated prior (prior-aware only).
        case classifier
    }

    /// What ``synthesize(pool:exemplars:classes:embedder:)`` returns.
    public struct Proposal: Sendable, Equatable {
        /// The chosen candidates (``LFCandidate/accepted``) in the order chosen, then up to
        /// ``Configuration/reserve`` others by score.
        public var candidates: [LFCandidate]
        /// The pool's estimated class prior (nil without an embedder or ``Configuration/priorAware``).
        public var classBalance: [Double]?
    }

    /// Proposes, scores and chooses labeling functions; see ``synthesize(pool:exemplars:classes:embedder:)``.
    ///
    /// - Returns: the candidates of the proposal.
    /// - Throws: as ``synthesize(pool:exemplars:classes:embedder:)``.
    public func propose(
        pool: [String], exemplars: [(text: String, label: Int)], classes: [String], embedder: (any TextEmbedder)?
    ) throws -> [LFCandidate] {
        try synthesize(pool: pool, exemplars: exemplars, classes: classes, embedder: embedder).candidates
    }

    /// Proposes, scores and chooses labeling functions, and estimates the pool's class prior.
    ///
    /// - Parameters:
    ///   - pool: the unlabeled texts.
    ///   - exemplars: labeled texts (`label` a class index).
    ///   - classes: the class names, in index order.
    ///   - embedder: the encoder for similarity functions; nil proposes none.
    /// - Returns: the candidates and the estimated class prior.
    /// - Throws: ``PipelinesError/synthesisFailed(reason:)`` for an empty pool, fewer than two classes or a class
    ///   without exemplars; ``PipelinesError/invalidData(source:row:field:reason:)`` for an exemplar whose label is
    ///   not a class index; what the embedder throws.
    /// - Complexity: O((pool + exemplars) · candidates) to apply the candidates, plus one encoder pass over the
    ///   distinct texts for similarity functions.
    public func synthesize(
        pool: [String], exemplars: [(text: String, label: Int)], classes: [String], embedder: (any TextEmbedder)?
    ) throws -> Proposal {
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
        if let embedder,
            configuration.families.contains(.similarity) || configuration.families.contains(.classifier)
                || configuration.poolEvidence > 0 || configuration.priorAware
        {
            lookup = try EmbeddingLookup(texts: scoredPool + exemplars.map(\.text), embedder: embedder)
        }
        // The pool's prior and each pool row's posteriors under it (prior-aware), or nearest-centroid labels.
        var estimate: ClassPriorEstimator.Estimate?
        if configuration.priorAware || configuration.families.contains(.classifier), let lookup {
            var fitted = try ClassPriorEstimator(configuration: configuration.priorEstimation).estimate(
                exemplars: try vectors(exemplars.map(\.text), source: "exemplars", lookup: lookup),
                labels: exemplarLabels, classes: k,
                pool: try vectors(scoredPool, source: "pool", lookup: lookup))
            if !configuration.priorAware {
                // Only the classifier is wanted: keep its posteriors under the exemplars' shares.
                fitted.posteriors = ClassPriorEstimator.shift(
                    fitted.posteriors, from: fitted.prior, to: fitted.exemplarShares)
                fitted.prior = fitted.exemplarShares
            }
            estimate = fitted
        }
        let prior = estimate?.prior ?? perClass.map { Double($0) / Double(exemplars.count) }
        let classWeights = (0..<k).map { c in prior[c] * Double(exemplars.count) / Double(perClass[c]) }
        var poolPosteriors: [[Double]]?
        if configuration.poolEvidence > 0, let lookup {
            if let estimate, configuration.priorAware, configuration.poolLabels == .classifier {
                poolPosteriors = estimate.posteriors
            } else {
                poolPosteriors = try nearestCentroidLabels(
                    scoredPool, exemplars: exemplars, classCount: k, lookup: lookup
                ).map { label in (0..<k).map { $0 == label ? 1 : 0 } }
            }
        }
        let weighting = ExemplarWeighting(prior: prior, classWeights: classWeights)
        var specs: [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)] = []
        if configuration.families.contains(.keyword) {
            specs += try keywordSpecs(
                pool: scoredPool, exemplars: exemplars, classes: classes, poolPosteriors: poolPosteriors,
                weighting: weighting)
        }
        if configuration.families.contains(.shape) {
            specs += try shapeSpecs(exemplars: exemplars, classes: classes)
        }
        var looVotes: [String: [Bool]] = [:]
        if configuration.families.contains(.similarity), let built = lookup {
            for proposal in try similaritySpecs(
                exemplars: exemplars, classes: classes, lookup: built, weighting: weighting)
            {
                specs.append((proposal.spec, .similarity, proposal.classIndex))
                looVotes[proposal.spec.name] = proposal.exemplarVotes
            }
        }
        if configuration.families.contains(.classifier), let estimate {
            for (spec, classIndex) in classifierSpecs(estimate, classes: classes) {
                specs.append((spec, .classifier, classIndex))
            }
        }
        let classBalance = configuration.priorAware ? estimate?.prior : nil
        guard !specs.isEmpty else { return Proposal(candidates: [], classBalance: classBalance) }

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
        let poolMass = (0..<k).map { c in poolPosteriors?.reduce(0) { $0 + $1[c] } ?? 0 }
        var candidates: [LFCandidate] = specs.enumerated().map { index, proposal in
            var hits = exemplarHits[index]
            let c = proposal.classIndex
            // Exemplars weighted to the pool's prior; pool rows by their posteriors.
            var ofClassWeighted = 0.0, hitsWeighted = 0.0
            var share = prior[c]
            if proposal.family == .classifier, let estimate {
                // The classifier was fitted on every exemplar: its exemplar hits say nothing of its precision, so
                // only its pool posteriors (prior-adjusted) count.
                hitsWeighted = Double(poolHits[index].count)
                ofClassWeighted = poolHits[index].reduce(0) { $0 + estimate.posteriors[$1][c] }
            } else if let loo = looVotes[proposal.spec.name] {
                hits = loo.indices.filter { loo[$0] }
            } else if let poolPosteriors {
                hitsWeighted = weight * Double(poolHits[index].count)
                ofClassWeighted = weight * poolHits[index].reduce(0) { $0 + poolPosteriors[$1][c] }
                share =
                    (prior[c] * Double(exemplars.count) + weight * poolMass[c])
                    / (Double(exemplars.count) + weight * Double(poolPosteriors.count))
            }
            let ofClass = hits.filter { exemplarLabels[$0] == c }.count
            let exemplarMass =
                proposal.family == .classifier ? 0 : hits.reduce(0) { $0 + classWeights[exemplarLabels[$1]] }
            let exemplarOfClass = proposal.family == .classifier ? 0 : Double(ofClass) * classWeights[c]
            let precision =
                (exemplarOfClass + ofClassWeighted + alpha * Double(k) * share)
                / (exemplarMass + hitsWeighted + alpha * Double(k))
            return LFCandidate(
                spec: proposal.spec, family: proposal.family, classIndex: proposal.classIndex, precision: precision,
                coverage: Double(poolHits[index].count) / Double(scoredPool.count), overlap: 0, lift: precision / share,
                exemplarHits: hits.count, exemplarHitsOfClass: ofClass, score: 0, accepted: false,
                examples: poolHits[index].prefix(configuration.examplesPerCandidate).map { scoredPool[$0] })
        }
        return Proposal(
            candidates: select(
                &candidates, poolHits: poolHits, poolSize: scoredPool.count, classes: k, prior: prior),
            classBalance: classBalance)
    }

    /// The precision a chosen function of a class with prior `prior` needs:
    /// `max(minPrecision, prior + minPrecisionGain · (1 − prior))`.
    func requiredPrecision(_ prior: Double) -> Double {
        Swift.max(configuration.minPrecision, prior + configuration.minPrecisionGain * (1 - prior))
    }

    /// How exemplars count when precisions are measured: class c's exemplars weigh ``classWeights``[c] = π(c) / s(c),
    /// and smoothing pulls towards ``prior``.
    struct ExemplarWeighting: Equatable {
        /// The class prior precisions are measured under.
        var prior: [Double]
        /// The weight of one exemplar of each class.
        var classWeights: [Double]

        /// Every exemplar counts once; the prior is the exemplars' class shares.
        static func unweighted(_ exemplars: [(text: String, label: Int)], classes k: Int) -> ExemplarWeighting {
            var counts = [Double](repeating: 0, count: k)
            for exemplar in exemplars { counts[exemplar.label] += 1 }
            return ExemplarWeighting(
                prior: counts.map { $0 / Double(Swift.max(1, exemplars.count)) },
                classWeights: [Double](repeating: 1, count: k))
        }
    }

    /// The embeddings of `texts` from `lookup`.
    private func vectors(_ texts: [String], source: String, lookup: EmbeddingLookup) throws -> [[Float]] {
        try texts.enumerated().map { row, text in
            guard let vector = lookup.vector(for: text) else {
                throw PipelinesError.invalidData(
                    source: source, row: row, field: nil, reason: "no embedding for this text")
            }
            return vector
        }
    }

    /// The classifier functions of a two-class task: for each class c, "the posterior of c adjusted to the estimated
    /// prior is at least τ" as a cosine bound on the classifier's weight direction (none for more classes, or when
    /// the bound exceeds 1 so that the function could never vote).
    ///
    /// With normalised inputs x̂, weights w and intercepts b, the adjusted log-odds of class 1 are
    /// `(w₁ − w₀)·x̂ + (b₁ − b₀) + log(π₁/π₀) − log(s₁/s₀)`; it is at least `log(τ / (1 − τ))` exactly when
    /// `cos(x, w₁ − w₀) ≥ (log(τ/(1−τ)) − (b₁ − b₀) − log(π₁/π₀) + log(s₁/s₀)) / ‖w₁ − w₀‖`, and symmetrically for
    /// class 0 with the negated direction.
    func classifierSpecs(_ estimate: ClassPriorEstimator.Estimate, classes: [String])
        -> [(spec: LabelingFunctionSpec, classIndex: Int)]
    {
        guard classes.count == 2 else { return [] }
        let classifier = estimate.classifier
        let d = classifier.dimension
        var direction = [Double](repeating: 0, count: d)
        var squares = 0.0
        for j in 0..<d {
            let gap: Double = classifier.weights[j * 2 + 1] - classifier.weights[j * 2]
            direction[j] = gap
            squares += gap * gap
        }
        let norm = squares.squareRoot()
        guard norm > 0 else { return [] }
        let tau = configuration.classifierConfidence
        let interceptGap: Double = classifier.intercepts[1] - classifier.intercepts[0]
        let priorShift: Double = Foundation.log(estimate.prior[1] / estimate.prior[0])
        let shareShift: Double = Foundation.log(estimate.exemplarShares[1] / estimate.exemplarShares[0])
        let shift = interceptGap + priorShift - shareShift
        let logOdds = Foundation.log(tau / (1 - tau))
        var result: [(spec: LabelingFunctionSpec, classIndex: Int)] = []
        for classIndex in 0..<2 {
            let sign = classIndex == 1 ? 1.0 : -1.0
            let bound = (logOdds - sign * shift) / norm
            guard bound <= 1 else { continue }
            var spec = LabelingFunctionSpec(
                name: "classifier_" + Self.slug(classes[classIndex]), kind: .similarity, field: configuration.field,
                label: classes[classIndex])
            spec.centroid = direction.map { Float(sign * $0 / norm) }
            // Rounded up to 4 decimals (never below the exact bound, so the function stays at least τ-confident).
            spec.minCosine = Swift.max(-1, (bound * 10_000).rounded(.up) / 10_000)
            spec.encoder = configuration.encoder
            result.append((spec, classIndex))
        }
        return result
    }

    /// The written spec of the accepted candidates.
    ///
    /// - Parameters:
    ///   - candidates: proposals (only ``LFCandidate/accepted`` ones are written, in order).
    ///   - classes: the class names written as `classes`.
    ///   - classBalance: the class prior written as `class_balance` (``Proposal/classBalance``), if any.
    public static func spec(of candidates: [LFCandidate], classes: [String], classBalance: [Double]? = nil) -> LFSpec {
        LFSpec(
            source: "<synthesis>", classNames: classes, labelingFunctions: candidates.filter(\.accepted).map(\.spec),
            classBalance: classBalance)
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
    private func select(
        _ candidates: inout [LFCandidate], poolHits: [[Int]], poolSize: Int, classes k: Int, prior: [Double]
    )
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
                guard candidate.precision >= requiredPrecision(prior[classIndex]),
                    candidate.coverage >= configuration.minCoverage
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
        pool: [String], exemplars: [(text: String, label: Int)], classes: [String], poolPosteriors: [[Double]]? = nil,
        weighting: ExemplarWeighting? = nil
    ) throws
        -> [(spec: LabelingFunctionSpec, family: LFCandidate.Family, classIndex: Int)]
    {
        let ranking = try rankTerms(
            pool: pool, exemplars: exemplars, classCount: classes.count, poolPosteriors: poolPosteriors,
            weighting: weighting)
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
    /// Lift of term t for class c: `((n(c, t) + α·k·π(c)) / (n(t) + α·k)) / π(c)` where n(c, t) is the weight of the
    /// exemplars of class c containing t, n(t) that of all exemplars containing t (each exemplar of class c weighing
    /// `weighting.classWeights[c]`, 1 by default) and π the weighting's prior (uniform by default) — with pool
    /// posteriors, each pool row containing t adds ``Configuration/poolEvidence`` × its posterior of c to n(c, t) and
    /// to π's numerator. Support (``Configuration/minExemplarSupport``) counts exemplars unweighted.
    func rankTerms(
        pool: [String], exemplars: [(text: String, label: Int)], classCount k: Int, poolPosteriors: [[Double]]? = nil,
        weighting: ExemplarWeighting? = nil
    ) throws
        -> [[RankedTerm]]
    {
        let alpha = configuration.smoothing
        let weight = poolPosteriors == nil ? 0 : configuration.poolEvidence
        let weighting = weighting ?? .unweighted(exemplars, classes: k)
        var counts: [String: [Int]] = [:]
        for exemplar in exemplars {
            for term in try terms(exemplar.text) {
                counts[term, default: [Int](repeating: 0, count: k)][exemplar.label] += 1
            }
        }
        var poolCounts: [String: Int] = [:]
        var poolByClass: [String: [Double]] = [:]
        for (row, text) in pool.enumerated() {
            for term in try terms(text) {
                if let poolPosteriors {
                    var mass = poolByClass[term, default: [Double](repeating: 0, count: k)]
                    for c in 0..<k { mass[c] += poolPosteriors[row][c] }
                    poolByClass[term] = mass
                    poolCounts[term, default: 0] += 1
                } else if counts[term] != nil {
                    poolCounts[term, default: 0] += 1
                }
            }
        }
        if poolPosteriors != nil {
            for term in poolByClass.keys where counts[term] == nil { counts[term] = [Int](repeating: 0, count: k) }
        }
        let poolMass = (0..<k).map { c in poolPosteriors?.reduce(0) { $0 + $1[c] } ?? 0 }
        var ranking = [[RankedTerm]](repeating: [], count: k)
        for (term, byClass) in counts {
            let poolSupport = poolCounts[term, default: 0]
            guard poolSupport >= configuration.minPoolSupport else { continue }
            let fromPool = poolByClass[term] ?? [Double](repeating: 0, count: k)
            let support = (0..<k).map { Double(byClass[$0]) + weight * fromPool[$0] }
            let combined = (0..<k).map { Double(byClass[$0]) * weighting.classWeights[$0] + weight * fromPool[$0] }
            let total = combined.reduce(0, +)
            for c in 0..<k where support[c] >= Double(configuration.minExemplarSupport) {
                let prior =
                    (weighting.prior[c] * Double(exemplars.count) + weight * poolMass[c])
                    / (Double(exemplars.count) + weight * Double(pool.count))
                let precision = (combined[c] + alpha * Double(k) * prior) / (total + alpha * Double(k))
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
    func similaritySpecs(
        exemplars: [(text: String, label: Int)], classes: [String], lookup: EmbeddingLookup,
        weighting: ExemplarWeighting? = nil
    ) throws
        -> [SimilarityProposal]
    {
        let weighting = weighting ?? .unweighted(exemplars, classes: classes.count)
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
                cosines: cosines, isMember: exemplars.map { $0.label == classIndex }, classCount: classes.count,
                weights: exemplars.map { weighting.classWeights[$0.label] }, prior: weighting.prior[classIndex])
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

    /// The threshold over the exemplars' cosines: the lowest cut whose smoothed precision reaches the required
    /// precision for `prior` (``requiredPrecision(_:)``), or when none does, the cut maximising smoothed precision ×
    /// coverage. Each member's cosine is tried, and the chosen one is lowered to midway towards the next lower cosine
    /// (rounded down to 4 decimals), so that it sits between exemplars rather than on one.
    ///
    /// With `weights` (one per exemplar; prior-aware synthesis weighs class c by π(c) / s(c)) precision and coverage
    /// are weighted: precision `(member weight fired + α·k·prior) / (weight fired + α·k)`, coverage the fired share of
    /// the total weight; without, every exemplar weighs 1 and `prior` is 1 / k.
    func tuneThreshold(
        cosines: [Double], isMember: [Bool], classCount k: Int, weights: [Double]? = nil, prior: Double? = nil
    ) -> Double {
        let alpha = configuration.smoothing
        let weights = weights ?? [Double](repeating: 1, count: cosines.count)
        let prior = prior ?? 1 / Double(k)
        let totalWeight = weights.reduce(0, +)
        let order = cosines.indices.sorted { (cosines[$0], $1) > (cosines[$1], $0) }
        let required = requiredPrecision(prior)
        var best: (value: Double, position: Int)?
        var lowestPrecise: Int?
        var fired = 0.0, members = 0.0
        for (position, row) in order.enumerated() {
            fired += weights[row]
            if isMember[row] { members += weights[row] }
            // Only cut after a member, and between distinct cosines.
            guard isMember[row], position + 1 == order.count || cosines[order[position + 1]] < cosines[row] else {
                continue
            }
            let precision = (members + alpha * Double(k) * prior) / (fired + alpha * Double(k))
            let value = precision * fired / totalWeight
            if best == nil || value > (best?.value ?? 0) { best = (value, position) }
            if precision >= required { lowestPrecise = position }
        }
        guard let position = lowestPrecise ?? best?.position else { return 1 }
        let at = cosines[order[position]]
        let below = position + 1 < order.count ? cosines[order[position + 1]] : at - 0.05
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
