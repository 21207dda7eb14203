import Foundation
import FoundryCore
import Labeling

/// Whether the votes of a label matrix determine each label-model family's parameters, and why
/// (`foundry labelmodel analyze`; ``AutoLabelModel`` never uses a family whose condition fails).
///
/// A label model is fitted from the votes alone, so it can only be as good as its parameters are determined by them.
/// Each family has its own condition, checked on the matrix's vote statistics:
///
/// - **mv** has no parameters: always supported.
/// - **wmv** (one accuracy per LF, from agreements) needs at least three independent LFs that vote two or more classes
///   and co-vote, so that each accuracy is pinned by agreements with LFs that are not its copies (a one-class LF's
///   agreement says nothing of its accuracy: it agrees with every LF of its class whenever both vote).
/// - **triplet** (Fu et al. 2020) needs three independent LFs, each voting two or more classes (the symmetric-noise
///   model of centred agreements; a one-class LF agrees with every LF voting its class whenever both vote), whose
///   pairwise co-votes agree better than chance: then |βᵢ| = √|MᵢⱼMᵢₗ/Mⱼₗ| has a non-zero denominator.
/// - **moments** (Ratner et al. 2019) needs, for every class, at least three independent LFs that vote it: with
///   fewer, the class's rows of the vote-rate matrix are not fixed by the masked second moments (one keyword per class
///   gives an objective that many rate matrices minimise exactly, so converging harder only fits noise).
/// - **ds** (Dawid–Skene with abstain as a response and the class prior estimated) is a latent class model; by
///   Allman, Matias & Rhodes (2009, Cor. 5) such a model with p conditionally independent observed variables of at
///   least two states each is generically identifiable when p ≥ 2⌈log₂ k⌉ + 1. When every LF votes a single class and
///   the prior is held fixed (snorkel's uniform default), a class's vote rates must absorb its frequency, and EM
///   degenerates; auto then fits it with the prior estimated.
///
/// "Independent" means in different groups of ``groups``: declared dependencies (``analyze(_:dependencies:)``) and
/// detected near-copies (two LFs that vote together on at least ``nearCopyCoVoteShare`` of the rarer one's votes and
/// agree on at least ``nearCopyAgreement`` of those: what paraphrased prompts and copied rules do) are merged, so a
/// cluster of correlated LFs counts once.
public struct Identifiability: Sendable, Equatable, Codable {
    /// The verdict on one family.
    public struct Verdict: Sendable, Equatable, Codable {
        /// The family (`mv`, `wmv`, `ds`, `moments`, `triplet`).
        public var method: LabelModelMethod
        /// Whether the condition holds on this matrix.
        public var supported: Bool
        /// The condition, in one line.
        public var condition: String
        /// What was found, in one line.
        public var reason: String
    }

    /// Share of the rarer LF's votes two LFs must cast together to be a near-copy candidate.
    public static let nearCopyCoVoteShare = 0.85
    /// Agreement on their co-votes above which such a pair counts as near-copies.
    public static let nearCopyAgreement = 0.9
    /// Co-votes below which a pair's agreement is not used (too noisy).
    public static let minimumCoVotes = 20.0
    /// Votes for a class below which an LF does not count as voting it.
    public static let minimumVotesPerClass = 5.0
    /// Rows the statistics are counted on, at most (evenly spaced blocks of the matrix beyond that).
    public static let sampleRows = 50_000

    /// Rows, LFs and classes of the matrix analysed.
    public var rows: Int, lfCount: Int, cardinality: Int
    /// Groups of LFs treated as one source: declared dependencies and detected near-copies merged (singletons left out).
    public var groups: [[Int]]
    /// Number of independent sources (groups, singletons included).
    public var independentSources: Int
    /// LFs that vote a single class.
    public var oneClassLFs: Int
    /// Per class, the independent sources that vote it.
    public var sourcesPerClass: [Int]
    /// The verdicts, in the order mv, wmv, ds, moments, triplet.
    public var verdicts: [Verdict]
    /// Pairs of LFs in different groups that vote together more often than any conditionally independent pair can
    /// (``SuspectedDependency``): a diagnostic for the user, who may declare them; the verdicts do not use them.
    public var suspectedDependencies: [SuspectedDependency] = []
    /// Clusters of suspected dependencies that look like copies: pairs whose co-vote lift is at least
    /// ``copyLiftRatio`` times the median lift of all pairs of LFs voting the same classes. Rare-class LFs co-vote with
    /// a high lift by nature (all of them fire on the same few rows), so the bound of ``SuspectedDependency`` flags
    /// them all; a copy stands out against its own kind. ``AutoLabelModel`` counts each cluster once where it reads
    /// silence as evidence (``redundantCopies``).
    public var suspectedCopies: [[Int]] = []

    /// Every member of a cluster of ``suspectedCopies`` but its first: a cluster falls silent together, so where the
    /// LFs' silence is evidence (the moment model predicting with abstentions) only one member's silence counts.
    public var redundantCopies: Set<Int> { Set(suspectedCopies.flatMap { $0.dropFirst() }) }

    /// Pairs of two-sided LFs that agree with each other far more than their agreement with the other LFs explains
    /// (``findAgreementCopies(_:_:votedClasses:)``): merged into one source in ``groups``, and left out of each other's
    /// majority where weighted MV estimates accuracies.
    public var agreementCopies: [[Int]] = []

    /// Two LFs whose co-votes no conditionally independent pair can reach: likely copies or paraphrases of each other.
    ///
    /// For conditionally independent LFs a and b, P(a and b vote) = Σ_y π_y P(a votes | y) P(b votes | y) ≤
    /// P(a votes) · P(b votes) / min_y π_y, whatever their accuracies and voted classes; so their co-vote lift
    /// P(a and b vote) / (P(a votes) P(b votes)) is at most 1 / min_y π_y. A pair is reported when its co-votes exceed
    /// that bound's count by more than ``suspicionMargin`` standard deviations, with π taken as the classes' shares of
    /// all votes. Rules whose coverage overlaps by construction (a regex and a keyword it contains) show up too: they
    /// are dependent. ``AutoLabelModel`` does not treat these as dependencies: declaring WRENCH youtube's two reported
    /// pairs moves it from the moment model (test accuracy 0.864) to MV with Dawid–Skene's tie-breaks (0.828);
    /// `--dependencies` declares the ones the user confirms. (The copies among them, ``suspectedCopies``, have one
    /// narrower use.)
    public struct SuspectedDependency: Sendable, Equatable, Codable {
        /// The two LF columns.
        public var lfs: [Int]
        /// Rows both vote on.
        public var coVotes: Int
        /// P(both vote) / (P(a votes) · P(b votes)) on the analysed rows.
        public var coVoteLift: Double
        /// The largest lift conditionally independent LFs can have here, 1 / min_y π_y.
        public var independentBound: Double
    }

    /// Standard deviations by which a pair's co-votes must exceed the independence bound to be reported.
    public static let suspicionMargin = 4.0
    /// How many times the median lift of its kind (pairs of LFs voting the same classes) a suspected pair's lift must
    /// be to count among ``suspectedCopies``.
    public static let copyLiftRatio = 3.0

    private enum CodingKeys: String, CodingKey {
        case rows, lfCount, cardinality, groups, independentSources, oneClassLFs, sourcesPerClass, verdicts
        case suspectedDependencies, suspectedCopies, agreementCopies
    }

    /// Decodes analyses saved before ``suspectedDependencies`` existed too (with none).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rows = try c.decode(Int.self, forKey: .rows)
        lfCount = try c.decode(Int.self, forKey: .lfCount)
        cardinality = try c.decode(Int.self, forKey: .cardinality)
        groups = try c.decode([[Int]].self, forKey: .groups)
        independentSources = try c.decode(Int.self, forKey: .independentSources)
        oneClassLFs = try c.decode(Int.self, forKey: .oneClassLFs)
        sourcesPerClass = try c.decode([Int].self, forKey: .sourcesPerClass)
        verdicts = try c.decode([Verdict].self, forKey: .verdicts)
        suspectedDependencies =
            try c.decodeIfPresent([SuspectedDependency].self, forKey: .suspectedDependencies) ?? []
        suspectedCopies = try c.decodeIfPresent([[Int]].self, forKey: .suspectedCopies) ?? []
        agreementCopies = try c.decodeIfPresent([[Int]].self, forKey: .agreementCopies) ?? []
    }

    init(
        rows: Int, lfCount: Int, cardinality: Int, groups: [[Int]], independentSources: Int, oneClassLFs: Int,
        sourcesPerClass: [Int], verdicts: [Verdict]
    ) {
        self.rows = rows
        self.lfCount = lfCount
        self.cardinality = cardinality
        self.groups = groups
        self.independentSources = independentSources
        self.oneClassLFs = oneClassLFs
        self.sourcesPerClass = sourcesPerClass
        self.verdicts = verdicts
    }

    /// Whether `method`'s condition holds (`auto` always: it uses only supported families).
    public func supports(_ method: LabelModelMethod) -> Bool {
        method == .auto || verdicts.first { $0.method == method }?.supported ?? false
    }

    /// The verdict on `method`, if it is one of the analysed families.
    public func verdict(_ method: LabelModelMethod) -> Verdict? { verdicts.first { $0.method == method } }

    /// Analyses `matrix`.
    ///
    /// - Parameters:
    ///   - matrix: the training votes.
    ///   - dependencies: declared dependent LF pairs (column indices; pairs outside the matrix are ignored here, as
    ///     the models' own validation reports them).
    /// - Complexity: O(Σᵢ vᵢ²) over at most ``sampleRows`` rows, plus O(m²) for the groups and O(t³) for the triplet
    ///   search over t ≤ 200 two-sided LFs.
    public static func analyze(_ matrix: LabelMatrix, dependencies: [[Int]] = []) -> Identifiability {
        let m = matrix.lfCount, k = matrix.cardinality
        let sample = sampled(matrix)
        let statistics = LabelStatistics(sample, keepOverlap: false)
        func votes(_ j: Int, _ c: Int) -> Double { statistics.voteCounts[j * k + c] }
        func coVotes(_ a: Int, _ b: Int) -> Double {
            max(statistics.pairCoVotes[a * m + b], statistics.pairCoVotes[b * m + a])
        }
        func agreements(_ a: Int, _ b: Int) -> Double {
            max(statistics.pairAgreements[a * m + b], statistics.pairAgreements[b * m + a])
        }
        let totals = (0..<m).map { j in (0..<k).reduce(0) { $0 + votes(j, $1) } }
        let votedClasses = (0..<m).map { j in (0..<k).filter { votes(j, $0) >= minimumVotesPerClass } }
        // Union-find over declared dependencies and detected near-copies.
        var parent = Array(0..<m)
        func root(_ j: Int) -> Int {
            var j = j
            while parent[j] != j {
                parent[j] = parent[parent[j]]
                j = parent[j]
            }
            return j
        }
        func join(_ a: Int, _ b: Int) { parent[root(a)] = root(b) }
        for pair in dependencies where pair.count == 2 && pair.allSatisfy({ (0..<m).contains($0) }) {
            join(pair[0], pair[1])
        }
        if m <= 3_000 {
            for a in 0..<m {
                for b in (a + 1)..<max(a + 1, m) {
                    let together = coVotes(a, b)
                    guard together >= minimumCoVotes, together >= nearCopyCoVoteShare * min(totals[a], totals[b]),
                        agreements(a, b) >= nearCopyAgreement * together
                    else { continue }
                    join(a, b)
                }
            }
        }
        let agreementPairs = m <= 3_000 ? findAgreementCopies(sample, statistics, votedClasses: votedClasses) : []
        for pair in agreementPairs { join(pair[0], pair[1]) }
        var members: [Int: [Int]] = [:]
        for j in 0..<m where totals[j] > 0 { members[root(j), default: []].append(j) }
        let sources = members.values.sorted { $0[0] < $1[0] }
        let sourceOf = Dictionary(uniqueKeysWithValues: sources.enumerated().flatMap { s, js in js.map { ($0, s) } })
        let sourcesPerClass = (0..<k).map { c in
            Set((0..<m).filter { votedClasses[$0].contains(c) }.compactMap { sourceOf[$0] }).count
        }
        let oneClass = (0..<m).filter { totals[$0] > 0 && votedClasses[$0].count <= 1 }.count
        var verdicts: [Verdict] = [
            Verdict(
                method: .mv, supported: true, condition: "none (no parameters)", reason: "always applicable")
        ]
        // wmv: three independent two-sided sources that co-vote (its accuracies assume symmetric noise, as triplet's).
        let twoSidedSources = sources.filter { js in js.contains { votedClasses[$0].count >= 2 } }
        let coVoting = twoSidedSources.indices.filter { s in
            twoSidedSources.indices.contains { t in
                t != s
                    && twoSidedSources[s].contains { a in
                        twoSidedSources[t].contains { b in coVotes(a, b) >= minimumCoVotes }
                    }
            }
        }.count
        verdicts.append(
            Verdict(
                method: .wmv, supported: coVoting >= 3,
                condition: "≥ 3 independent LFs voting ≥ 2 classes that co-vote (symmetric accuracies from agreements)",
                reason: "\(coVoting) independent two-sided LF\(coVoting == 1 ? "" : "s") co-vote with another"))
        // ds: Allman–Matias–Rhodes bound on the number of independent views.
        let needed = 2 * Int(ceil(log2(Double(k)))) + 1
        let dsFits = m * k * (k + 1) <= DawidSkene.Configuration().maxParameters
        let dsSupported = sources.count >= needed && dsFits
        verdicts.append(
            Verdict(
                method: .ds, supported: dsSupported,
                condition: "≥ 2⌈log₂ k⌉ + 1 = \(needed) independent LFs, class prior estimated (latent class model)",
                reason: !dsFits
                    ? "m·k·(k + 1) = \(m * k * (k + 1)) parameters exceed its limit"
                    : "\(sources.count) independent LF\(sources.count == 1 ? "" : "s")"
                        + (oneClass == m ? "; every LF votes one class, so a fixed prior would degenerate" : "")))
        // moments: three independent sources per class.
        let weakest = sourcesPerClass.indices.min { sourcesPerClass[$0] < sourcesPerClass[$1] } ?? 0
        let momentsFits = m * k <= LabelStatistics.overlapLimit
        let momentsSupported = momentsFits && (sourcesPerClass.min() ?? 0) >= 3
        verdicts.append(
            Verdict(
                method: .moments, supported: momentsSupported,
                condition: "every class voted by ≥ 3 independent LFs (Ratner et al. 2019)",
                reason: !momentsFits
                    ? "m·k = \(m * k) exceeds the overlap matrix's limit \(LabelStatistics.overlapLimit)"
                    : "class \(matrix.classNames[weakest]) is voted by \(sourcesPerClass[weakest]) independent LF"
                        + (sourcesPerClass[weakest] == 1 ? "" : "s")))
        // triplet: three independent two-sided LFs with pairwise better-than-chance agreement.
        let twoSided = (0..<m).filter { votedClasses[$0].count >= 2 }
            .sorted { totals[$0] > totals[$1] }.prefix(200)
        func informative(_ a: Int, _ b: Int) -> Bool {
            let together = coVotes(a, b)
            guard together >= minimumCoVotes, sourceOf[a] != sourceOf[b] else { return false }
            let centred = (Double(k) * agreements(a, b) / together - 1) / Double(k - 1)
            return centred > 0.05
        }
        let candidates = Array(twoSided)
        var triangle: [Int]?
        search: for x in candidates.indices {
            for y in (x + 1)..<max(x + 1, candidates.count) where informative(candidates[x], candidates[y]) {
                for z in (y + 1)..<max(y + 1, candidates.count)
                where informative(candidates[x], candidates[z]) && informative(candidates[y], candidates[z]) {
                    triangle = [candidates[x], candidates[y], candidates[z]]
                    break search
                }
            }
        }
        verdicts.append(
            Verdict(
                method: .triplet, supported: triangle != nil,
                condition: "3 independent LFs voting ≥ 2 classes each, agreeing pairwise better than chance",
                reason: triangle.map { "e.g. LFs \($0.map { matrix.lfNames[$0] }.joined(separator: ", "))" }
                    ?? "\(twoSided.count) LF\(twoSided.count == 1 ? "" : "s") vote two or more classes; no such triple")
        )
        var analysis = Identifiability(
            rows: matrix.rowCount, lfCount: m, cardinality: k, groups: sources.filter { $0.count > 1 },
            independentSources: sources.count, oneClassLFs: oneClass, sourcesPerClass: sourcesPerClass,
            verdicts: verdicts)
        analysis.agreementCopies = agreementPairs
        if m <= 3_000 {
            analysis.suspectedDependencies = suspected(
                statistics, totals: totals, separate: { sourceOf[$0] != sourceOf[$1] })
            analysis.suspectedCopies = copies(
                among: analysis.suspectedDependencies, statistics, totals: totals, votedClasses: votedClasses)
        }
        return analysis
    }

    /// The pairs whose co-votes exceed the conditional-independence bound (see ``SuspectedDependency``).
    private static func suspected(
        _ statistics: LabelStatistics, totals: [Double], separate: (Int, Int) -> Bool
    ) -> [SuspectedDependency] {
        let m = statistics.lfCount, rows = Double(statistics.rowCount)
        guard rows > 0, let rarest = statistics.voteClassDistribution.min(), rarest > 0 else { return [] }
        let bound = 1 / rarest
        var found: [SuspectedDependency] = []
        for a in 0..<m where totals[a] > 0 {
            for b in (a + 1)..<max(a + 1, m) where totals[b] > 0 && separate(a, b) {
                let together = max(statistics.pairCoVotes[a * m + b], statistics.pairCoVotes[b * m + a])
                guard together >= minimumCoVotes else { continue }
                let allowed = totals[a] * totals[b] / rows * bound
                guard together > allowed + suspicionMargin * allowed.squareRoot() else { continue }
                found.append(
                    SuspectedDependency(
                        lfs: [a, b], coVotes: Int(together), coVoteLift: together * rows / (totals[a] * totals[b]),
                        independentBound: bound))
            }
        }
        return found
    }

    /// The clusters of `suspected` pairs whose lift is at least ``copyLiftRatio`` times the median lift of the pairs
    /// of LFs that vote the same classes as they do (at least three such pairs; co-vote lift 0 counts).
    private static func copies(
        among suspected: [SuspectedDependency], _ statistics: LabelStatistics, totals: [Double],
        votedClasses: [[Int]]
    ) -> [[Int]] {
        let m = statistics.lfCount, rows = Double(statistics.rowCount)
        guard !suspected.isEmpty, rows > 0 else { return [] }
        func lift(_ a: Int, _ b: Int) -> Double {
            let together = max(statistics.pairCoVotes[a * m + b], statistics.pairCoVotes[b * m + a])
            return together * rows / (totals[a] * totals[b])
        }
        var medians: [[Int]: Double?] = [:]  // by kind; nil: fewer than three pairs of that kind
        func medianLift(of kind: [Int]) -> Double? {
            if let known = medians[kind] { return known }
            let members = (0..<m).filter { totals[$0] > 0 && votedClasses[$0] == kind }
            var lifts: [Double] = []
            for (i, a) in members.enumerated() { for b in members[(i + 1)...] { lifts.append(lift(a, b)) } }
            lifts.sort()
            let median = lifts.count >= 3 ? lifts[lifts.count / 2] : nil
            medians[kind] = .some(median)
            return median
        }
        var parent = Array(0..<m)
        func root(_ j: Int) -> Int {
            var j = j
            while parent[j] != j { j = parent[j] }
            return j
        }
        var flagged = Set<Int>()
        for pair in suspected {
            let (a, b) = (pair.lfs[0], pair.lfs[1])
            guard votedClasses[a] == votedClasses[b], let median = medianLift(of: votedClasses[a]),
                pair.coVoteLift >= copyLiftRatio * median
            else { continue }
            parent[root(a)] = root(b)
            flagged.formUnion([a, b])
        }
        var clusters: [Int: [Int]] = [:]
        for j in flagged.sorted() { clusters[root(j), default: []].append(j) }
        return clusters.values.sorted { $0[0] < $1[0] }
    }

    /// `matrix`, or at most ``sampleRows`` of its rows in 20 evenly spaced contiguous blocks.
    static func sampled(_ matrix: LabelMatrix) -> LabelMatrix {
        guard matrix.rowCount > sampleRows else { return matrix }
        let blocks = 20, blockRows = sampleRows / blocks
        return LabelMatrix.concatenating(
            (0..<blocks).map { block in
                let start = block * (matrix.rowCount - blockRows) / (blocks - 1)
                return matrix.rows(start..<(start + blockRows))
            })
    }
}
