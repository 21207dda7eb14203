import FoundryCore
import Labeling

/// The default label model: picks, without gold labels, a model that every other identifiable model expects to beat
/// majority vote, and otherwise is majority vote; every choice carries its ``reason``.
///
/// - Without a dev set: ``Identifiability`` checks which families the votes determine (fewer than 3 LFs: none). Each
///   supported family is fitted — the moment model (under the majority-agreement guard below), Dawid–Skene with the
///   class prior estimated (unless one is given), the triplet model and weighted majority vote — and is a candidate
///   twice: alone, and breaking MV's ties (MV decides every row with a unique majority; the model splits the tied
///   classes' share, ``majorityVoteBreakingTies(_:by:skipping:)``; rows without votes only under a class balance the
///   caller gave, as there a model has nothing but its prior). Every fitted family is also a
///   judge: under its posterior on (a sample of) the training rows, the expected accuracy gain of a candidate over MV's
///   hard labels is Σᵢ p(ŷᵢ) − p(mvᵢ). A candidate passes when the least gain the *other* families expect of it (its
///   own posterior always favours it; with a single family, only its tie-break on LFs without detected correlation is
///   considered) reaches ``Configuration/minimumExpectedGain`` (plus ``Configuration/overrulingPremium`` when it
///   overrules majorities, which also needs a second family and no detected near-copies). None passes, and Auto is
///   MV; of several, the one that best predicts the votes of LFs hidden from it (``HeldOutAgreement``) is used, as the
///   judges' posteriors overrate tie-breaks. Detected correlated LFs (near-copies) break every family's independence
///   alike, so then only tie-breaks are considered. A Dawid–Skene
///   fit whose estimated prior ranks first a class the votes rank in their lower half only judges. On at most
///   ``Configuration/stabilityRowLimit`` training rows, a choice other than MV stands only when refits on
///   ``Configuration/stabilityResamples`` bootstrap resamples of the rows depart from MV at least
///   ``Configuration/minimumStableShare`` of the time (the judges score the rows the models were fitted to, so on a
///   few hundred rows a lucky fit can pass); otherwise Auto is MV, and the reason says so. A choice every judge expects
///   to gain ``Configuration/largestGainChecked`` or more is not checked, unless its own family was its only judge
///   because the moment model, identifiable, was set aside for contradicting the majority.
/// - The moment model's guard: on training rows it must agree with at least ``Configuration/minimumAgreementWithMajority``
///   of the rows where MV is unambiguous, and ``Configuration/minimumAgreementWithStrongMajority`` of those where the
///   majority leads by two or more votes (``Configuration/minimumAgreementWithOneSidedStrongMajority`` when its
///   overrules nearly all favour one class, the mark of a wrong class prior), measured on its prior-free decisions;
///   failing, the same fit predicting with abstentions as evidence (``MomentMatching/predictingWithAbstentions()``)
///   is tried; failing both, the moment model is neither candidate nor judge. Used alone when its
///   ``MomentMatching/residualFraction`` is at most ``Configuration/maximumResidualForMomentsAlone``, else averaged
///   with the majority-vote shares.
/// - With a dev set (gold labels in ``FitOptions``): the choice without gold labels is the incumbent; MV, weighted
///   MV learned on the dev rows, Dawid–Skene, and the moment and triplet models under the uniform prior and the dev
///   labels' frequencies are the challengers. One replaces the incumbent only when a paired bootstrap of the dev rows
///   (``devBootstrapResamples`` resamples) puts its gain in ``Configuration/devSelectionMetric`` above zero at the 5th
///   percentile; among those, the best point score wins. So a 120-row dev set does not pick a model on two rows.
public struct AutoLabelModel: LabelModel, Codable, Equatable {
    /// Settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Minimum agreement with unambiguous majority votes before a generative fit is trusted.
        public var minimumAgreementWithMajority: Double = 0.8
        /// Minimum agreement with majorities that lead by two or more votes. A fit that overrules more of them is
        /// distrusted: on generated tasks with known labels, such fits — under snorkel's uniform prior on imbalanced
        /// classes — lost up to 19 points to majority vote.
        public var minimumAgreementWithStrongMajority: Double = 0.95
        /// A stricter minimum for fits whose overrules of strong majorities nearly all favour one class (see
        /// ``Configuration/oneSidedOverruleShare``): that is what a wrong class prior does, while re-weighting a
        /// dominant two-sided LF overrules in both directions (one 0.97-accurate LF among four 0.6 ones agrees with
        /// 96 % of strong majorities and must stay trusted). On `foundry bench labelmodel-robustness --seed 2`, 0.98 had
        /// the best mean accuracy of 0.95, 0.97, 0.98 and 0.99; seeds 5 and 6 confirmed it.
        public var minimumAgreementWithOneSidedStrongMajority: Double = 0.98
        /// Share of the overrules going to a single class above which they count as one-sided.
        public var oneSidedOverruleShare: Double = 0.9
        /// Strong-majority rows needed before ``minimumAgreementWithStrongMajority`` is checked (fewer are too noisy).
        public var minimumStrongMajorityRows: Int = 50
        /// Largest ``MomentMatching/residualFraction`` at which the moment model is used on its own; above it, its
        /// posterior is averaged with the majority-vote shares.
        public var maximumResidualForMomentsAlone: Double = 0.15
        /// How a dev set ranks the candidate models (see ``DevSelectionMetric``). Macro-F1 by default: ranked by
        /// accuracy on WRENCH sms (13 % spam), the dev set picks a model that calls nearly everything ham (test accuracy
        /// 0.846, spam F1 0.025); ranked by macro-F1 it keeps weighted majority vote (spam F1 0.240).
        public var devSelectionMetric: DevSelectionMetric = .macroF1
        /// Without a dev set, the smallest gain in accuracy over majority vote (a fraction) that every identifiable
        /// model must expect of a candidate before auto uses it instead of majority vote.
        public var minimumExpectedGain: Double = 0.005
        /// The further expected gain a model that overrules majority votes must show over ``minimumExpectedGain`` (and
        /// over a tie-break): overruling a majority is where a misspecified model loses most.
        public var overrulingPremium: Double = 0.01
        /// Settings of the moment-matching component.
        public var moments = MomentMatching.Configuration()
        /// Without a dev set, on at most ``stabilityRowLimit`` training rows: bootstrap resamples auto is refitted on
        /// before it keeps a choice other than majority vote (0 turns the check off). On 500 generated tasks (seeds 17
        /// and 5, `foundry bench labelmodels --generated 500`) it removed the losses beyond 3 points that small training
        /// sets caused and kept the mean gain over majority vote above 2 points (docs/label-models.md).
        public var stabilityResamples: Int = 20
        /// Training rows above which the bootstrap check is skipped: its sampling noise shrinks as rows grow, and the
        /// refits cost ``stabilityResamples`` fits.
        public var stabilityRowLimit: Int = 5_000
        /// Share of the resamples that must also choose a model other than majority vote.
        public var minimumStableShare: Double = 0.5
        /// Least expected gain (a fraction) from which a choice skips the bootstrap check: sampling noise does not
        /// make gains that large. On the Spouse test LFs (2,701 rows) every judge expects the abstention-aware moment
        /// fit to gain 36 points (F1 0.452 against majority vote's 0.208), while only 9 of 20 refits choose a model:
        /// the rest flip on the near-copy and agreement thresholds, as bootstrap duplicates rows. Not applied to a choice
        /// judged by its own family alone beside a moment model set aside for contradicting the majority (both assume
        /// the LFs independent given the class; one failing is evidence they are not): on 2,500 generated tasks (seeds
        /// 17, 5, 23, 41, 99) that check turned the one loss beyond 3 points (−3.08) into 0 and cost four gains of 1.3–2.3 points.
        public var largestGainChecked: Double = 0.05
        /// Creates the default settings.
        public init() {}

        private enum CodingKeys: String, CodingKey {
            case minimumAgreementWithMajority, minimumAgreementWithStrongMajority, minimumStrongMajorityRows
            case minimumAgreementWithOneSidedStrongMajority, oneSidedOverruleShare
            case maximumResidualForMomentsAlone, moments, devSelectionMetric, minimumExpectedGain, overrulingPremium
            case stabilityResamples, stabilityRowLimit, minimumStableShare, largestGainChecked
        }

        /// Decodes model files written before the strong-majority check too (its settings then take their defaults).
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Configuration()
            minimumAgreementWithMajority = try c.decode(Double.self, forKey: .minimumAgreementWithMajority)
            minimumAgreementWithStrongMajority =
                try c.decodeIfPresent(Double.self, forKey: .minimumAgreementWithStrongMajority)
                ?? defaults.minimumAgreementWithStrongMajority
            minimumStrongMajorityRows =
                try c.decodeIfPresent(Int.self, forKey: .minimumStrongMajorityRows)
                ?? defaults.minimumStrongMajorityRows
            minimumAgreementWithOneSidedStrongMajority =
                try c.decodeIfPresent(Double.self, forKey: .minimumAgreementWithOneSidedStrongMajority)
                ?? defaults.minimumAgreementWithOneSidedStrongMajority
            oneSidedOverruleShare =
                try c.decodeIfPresent(Double.self, forKey: .oneSidedOverruleShare) ?? defaults.oneSidedOverruleShare
            maximumResidualForMomentsAlone = try c.decode(Double.self, forKey: .maximumResidualForMomentsAlone)
            moments = try c.decode(MomentMatching.Configuration.self, forKey: .moments)
            devSelectionMetric =
                try c.decodeIfPresent(DevSelectionMetric.self, forKey: .devSelectionMetric)
                ?? defaults.devSelectionMetric
            minimumExpectedGain =
                try c.decodeIfPresent(Double.self, forKey: .minimumExpectedGain) ?? defaults.minimumExpectedGain
            overrulingPremium =
                try c.decodeIfPresent(Double.self, forKey: .overrulingPremium) ?? defaults.overrulingPremium
            stabilityResamples =
                try c.decodeIfPresent(Int.self, forKey: .stabilityResamples) ?? defaults.stabilityResamples
            stabilityRowLimit =
                try c.decodeIfPresent(Int.self, forKey: .stabilityRowLimit) ?? defaults.stabilityRowLimit
            minimumStableShare =
                try c.decodeIfPresent(Double.self, forKey: .minimumStableShare) ?? defaults.minimumStableShare
            largestGainChecked =
                try c.decodeIfPresent(Double.self, forKey: .largestGainChecked) ?? defaults.largestGainChecked
        }
    }

    /// How a dev set ranks candidate models.
    public enum DevSelectionMetric: String, Sendable, Codable, Equatable, CaseIterable {
        /// Accuracy in expectation over tie draws (a tied row counts 1/t), so no tie-break rule favours a model.
        case accuracy
        /// Macro-averaged F1 with ties broken by row hash: a model that predicts only the majority class scores low.
        case macroF1 = "macro-f1"
    }

    /// What Auto decided to use.
    public enum Choice: String, Sendable, Codable, Equatable {
        case majorityVote = "mv", weightedMajorityVote = "wmv", dawidSkene = "ds", moments, triplet
        case momentsWithMajorityVote = "moments+mv", tripletWithMajorityVote = "triplet+mv"
        /// Majority vote with the generative posterior ordering tied classes; chosen by Auto before it fell back to plain
        /// ``majorityVote``, and kept so that model files from that time still load and predict as saved.
        case majorityVoteWithTieBreak = "mv+tiebreak"
        /// The moment model predicting with abstentions as evidence (``MomentMatching/predictingWithAbstentions()``).
        case momentsWithAbstentions = "moments-abstain"
        case momentsWithAbstentionsAndMajorityVote = "moments-abstain+mv"
        /// Majority vote where it has a unique winner; the named model splits the share of tied classes (and labels
        /// rows without votes under a given prior; ``AutoLabelModel/majorityVoteBreakingTies(_:by:skipping:)``).
        case majorityVoteTiesByDawidSkene = "mv+ds-ties"
        /// See ``majorityVoteTiesByDawidSkene``.
        case majorityVoteTiesByMoments = "mv+moments-ties"
        /// See ``majorityVoteTiesByDawidSkene``.
        case majorityVoteTiesByTriplet = "mv+triplet-ties"
        /// See ``majorityVoteTiesByDawidSkene``.
        case majorityVoteTiesByWeighted = "mv+wmv-ties"
        /// Majority vote where it has a unique winner; tied classes' share goes mostly to the class the LFs vote least
        /// often (``tieBreakClassWeights``). Used when only MV is identifiable and every LF votes one class: keyword LFs
        /// whose class is voted more often fire more often on other classes' rows, so of two tied keywords the more
        /// specific one is the better evidence (WRENCH Hausa: 0.474 → 0.488 test accuracy over MV's hash tie-break).
        case majorityVoteTiesBySpecificity = "mv+specific-ties"
    }

    /// The method's short name, as model files and reports spell it.
    public static let methodName = "auto"
    /// The settings the model fits with.
    public var configuration: Configuration
    /// Number of classes k (0 before fitting).
    public private(set) var cardinality = 0
    /// The class prior the model uses (empty before fitting).
    public private(set) var classBalance: [Double] = []
    /// What the model learned about each labeling function (empty before fitting).
    public private(set) var lfParameters: [LFParameters] = []
    /// The decision of the last fit.
    public internal(set) var choice: Choice?
    /// Why the last fit decided on ``choice``, in one line.
    public private(set) var reason: String?
    /// Agreement of the generative component with unambiguous majority votes on the training matrix.
    public private(set) var agreementWithMajority: Double?
    /// The same agreement for the moment model predicting with abstentions (computed only when the first was too low).
    public private(set) var agreementWithAbstentions: Double?
    /// Agreement of the generative component with majorities that lead by two or more votes (`nil` without such rows).
    public private(set) var agreementWithStrongMajority: Double?
    /// Of the strong majorities the generative component overrules, the share it gives to a single class (`nil` if none).
    public private(set) var strongMajorityOverrulesTowardOneClass: Double?
    /// The same for the moment model predicting with abstentions (computed only when it was tried).
    public private(set) var agreementWithStrongMajorityWithAbstentions: Double?
    /// Whether a tie-breaking choice also labels rows without votes (by the model's class prior): only when the prior
    /// was given (a class balance, or dev labels), as the votes cannot tell it (`nil` in files from before).
    public internal(set) var tieBreakLabelsRowsWithoutVotes: Bool?
    /// For ``Choice/majorityVoteTiesBySpecificity``: per class, the weight by which tied classes split their share,
    /// the inverse of the class's share of the training votes (`nil` for every other choice).
    public private(set) var tieBreakClassWeights: [Double]?
    /// What the votes determine, per model family (set by a fit without a dev set with at least 3 LFs).
    public private(set) var identifiability: Identifiability?
    /// With a dev set: the chosen model's score on it, in ``Configuration/devSelectionMetric`` (`nil` without one).
    public private(set) var devScore: Double?
    var majorityVote = MajorityVote()
    var weighted: WeightedMajorityVote?
    var dawidSkene: DawidSkene?
    var moments: MomentMatching?
    var triplet: Triplet?

    /// Creates an unfitted model with these settings.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Fits the model to a label matrix (see ``LabelModel/fit(_:options:)``).
    ///
    /// - Throws: ``LabelModelsError`` for an empty matrix, too few LFs, an invalid class balance or dev set.
    public mutating func fit(_ matrix: LabelMatrix, options: FitOptions) throws {
        try FitValidation.check(matrix, method: Self.methodName)
        cardinality = matrix.cardinality
        // A refit starts clean: nothing from an earlier fit (another path, or a dev set) may predict.
        (choice, weighted, dawidSkene, moments, triplet, devScore, reason) = (nil, nil, nil, nil, nil, nil, nil)
        (agreementWithMajority, agreementWithAbstentions, agreementWithStrongMajority) = (nil, nil, nil)
        (strongMajorityOverrulesTowardOneClass, agreementWithStrongMajorityWithAbstentions) = (nil, nil)
        identifiability = nil
        tieBreakLabelsRowsWithoutVotes = nil
        tieBreakClassWeights = nil
        if let dev = options.devMatrix, let labels = options.devLabels {
            try majorityVote.fit(matrix, options: options)
            try fitWithDevSet(matrix, dev: dev, labels: labels, options: options)
            return
        }
        guard matrix.lfCount >= 3 else {
            try majorityVote.fit(matrix, options: options)
            keepOnly(
                .majorityVote, reason: "mv: fewer than 3 LFs, so no model's parameters are determined by the votes")
            return
        }
        let diagnosis = Identifiability.analyze(matrix, dependencies: configuration.moments.dependencies)
        identifiability = diagnosis
        // One counting pass serves both the moment model and majority vote.
        let momentsFit = diagnosis.supports(.moments)
        let statistics = momentsFit ? LabelStatistics(matrix) : nil
        if let statistics {
            majorityVote = try MajorityVote(statistics: statistics, lfNames: matrix.lfNames, options: options)
        } else {
            try majorityVote.fit(matrix, options: options)
        }
        // Every family whose parameters the votes determine is fitted; each is a candidate (alone, and breaking MV's
        // ties) and a judge of the others.
        var families: [(method: LabelModelMethod, choice: Choice, ties: Choice, model: any LabelModel)] = []
        var notes: [String] = []
        var judgesOnly: Set<LabelModelMethod> = []
        // Dawid–Skene's EM is the costliest fit: it runs beside the others, on a second core when there is one. Each
        // fit reads only the matrix and its own options, so the results are those of fitting one after the other.
        var dsOptions = options
        // With one-class LFs a fixed uniform prior degenerates (see Identifiability): estimate it unless given.
        if options.classBalance == .uniform { dsOptions.classBalance = .estimated }
        var dsFit: Result<DawidSkene, any Error>?
        // The extra members of each cluster of suspected copies: where the cluster is silent, it is one LF's silence.
        let redundantCopies = diagnosis.redundantCopies
        var othersFailure: (any Error)?
        var momentsFamily: (choice: Choice, model: MomentMatching)?
        var tripletFit: Triplet?
        var weightedFit: WeightedMajorityVote?
        // (At most `ComputeThreads.loopThreadCount` threads: with FOUNDRY_THREADS=1 the fits run one after the other.)
        ParallelChunks.forEach(count: 2, chunkSize: 1, maxThreads: diagnosis.supports(.ds) ? nil : 1) { index, _ in
            if index == 0 {
                guard diagnosis.supports(.ds) else { return }
                dsFit = Result {
                    var model = DawidSkene()
                    try model.fit(matrix, options: dsOptions)
                    return model
                }
                return
            }
            do {
                if let statistics {
                    var model = MomentMatching(configuration: configuration.moments)
                    try model.fit(statistics: statistics, lfNames: matrix.lfNames, options: options)
                    moments = model
                    momentsFamily = try guardedMoments(model, matrix: matrix, copies: redundantCopies)
                }
                if diagnosis.supports(.triplet) {
                    var model = Triplet()
                    try model.fit(matrix, options: options)
                    tripletFit = model
                }
                if diagnosis.supports(.wmv) {
                    let copied = diagnosis.agreementCopies
                    var model = WeightedMajorityVote(
                        configuration: .init(copiedPairs: copied.isEmpty ? nil : copied))
                    try model.fit(matrix, options: options)
                    weightedFit = model
                }
            } catch {
                othersFailure = error
            }
        }
        if let othersFailure { throw othersFailure }
        if statistics != nil {
            if let momentsFamily {
                moments = momentsFamily.model
                families.append((.moments, momentsFamily.choice, .majorityVoteTiesByMoments, momentsFamily.model))
            } else {
                notes.append("moments disagrees with majority votes")
            }
        }
        if let model = try dsFit?.get() {
            // The abstain-as-response likelihood also has optima where a latent class means "no LF of class c fired"
            // rather than a true class; their estimated prior puts first a class the votes put last. Such a fit is
            // not used (a given prior is the caller's to choose).
            let votes = (statistics ?? LabelStatistics(matrix, keepOverlap: false)).voteClassDistribution
            if dsOptions.classBalance == .estimated,
                let contradiction = Self.priorContradiction(model.classBalance, votes)
            {
                notes.append("ds only judges: its estimated prior \(contradiction)")
                judgesOnly.insert(.ds)
            }
            families.append((.ds, .dawidSkene, .majorityVoteTiesByDawidSkene, model))
        }
        if let tripletFit { families.append((.triplet, .triplet, .majorityVoteTiesByTriplet, tripletFit)) }
        if let weightedFit {
            families.append((.wmv, .weightedMajorityVote, .majorityVoteTiesByWeighted, weightedFit))
        }
        let unsupported = diagnosis.verdicts.filter { !$0.supported }.map { "\($0.method.rawValue) (\($0.reason))" }
        if !unsupported.isEmpty { notes.append("not identifiable: " + unsupported.joined(separator: "; ")) }
        weighted = families.first { $0.method == .wmv }?.model as? WeightedMajorityVote
        dawidSkene = families.first { $0.method == .ds }?.model as? DawidSkene
        triplet = families.first { $0.method == .triplet }?.model as? Triplet
        if !families.contains(where: { $0.method == .moments }) { moments = nil }
        if let trace = Self.candidateTrace {
            try recordUnidentifiedFamilies(
                matrix, options: options, diagnosis: diagnosis, statistics: statistics, in: trace)
        }
        guard !families.isEmpty else {
            let because = "no other model is identifiable here; " + notes.joined(separator: "; ")
            if let weights = Self.specificityWeights(matrix) {
                tieBreakClassWeights = weights
                keepOnly(
                    .majorityVoteTiesBySpecificity,
                    reason: "mv+specific-ties: \(because); every LF votes one class, so tied votes go to the class "
                        + "voted least often (the more specific keywords)")
                return
            }
            keepOnly(.majorityVote, reason: "mv: " + because)
            return
        }
        // On rows without votes a model has only its class prior and the LFs' silence, the least determined part of
        // any fit (docs/label-models.md): a tie-break labels them only under a prior the caller gave, or when at least
        // two families have an opinion there and all put the same class first.
        let silent = try LabelMatrix(
            denseVotes: [Int](repeating: -1, count: matrix.lfCount), rowCount: 1, lfNames: matrix.lfNames,
            classNames: matrix.classNames)
        // Each family's first class on a silent row (the moment model read with abstentions as evidence, as the
        // plain posterior ignores silence); a family with no clear first class has no opinion.
        // (Each cluster of suspected copies is silent once: see ``Identifiability/redundantCopies``.)
        let silentFirst = try families.compactMap { family -> Int? in
            var model: any LabelModel = family.model
            if let fitted = family.model as? MomentMatching,
                let aware = fitted.predictingWithAbstentions(ignoringSilenceOf: redundantCopies)
            {
                model = aware
            }
            let p = try model.predictProbabilities(silent).storage
            let top = p.indices.max { p[$0] < p[$1] } ?? 0
            return p.indices.allSatisfy { $0 == top || p[$0] < p[top] - 1e-6 } ? top : nil
        }
        if !redundantCopies.isEmpty {
            let clusters = diagnosis.suspectedCopies.map { $0.map { matrix.lfNames[$0] }.joined(separator: ", ") }
            notes.append(
                "suspected copies count as one LF where they are silent: " + clusters.joined(separator: "; "))
        }
        let givenPrior = options.classBalance != .uniform && options.classBalance != .estimated
        tieBreakLabelsRowsWithoutVotes = givenPrior || (silentFirst.count >= 2 && Set(silentFirst).count == 1)
        // The judges: every fitted family's posterior on (a sample of) the training rows.
        let sample = Identifiability.sampled(matrix)
        let judges = try families.map {
            (name: $0.method.rawValue, probabilities: try $0.model.predictProbabilities(sample))
        }
        let mvLabels = Self.hardLabels(try majorityVote.predictProbabilities(sample), tieBreak: .rowHash, prior: [])
            .map(\.rawValue)
        // Candidates that every other identifiable family expects to beat MV by enough.
        var passing: [(choice: Choice, gain: Double, judge: String, heldOut: Double?, model: AutoLabelModel)] = []
        var considered: [String] = []
        let trace = Self.candidateTrace
        trace?.record(diagnosis)
        var heldOut: (folds: HeldOutAgreement, majority: [Double])?
        func heldOutGain(_ model: AutoLabelModel) throws -> Double {
            if heldOut == nil {
                let folds = HeldOutAgreement(
                    sample, groups: diagnosis.groups,
                    maximumRowsPerFold: max(200, min(4_000, Self.heldOutVoteBudget / max(matrix.lfCount, 1))))
                heldOut = (folds, try folds.credits { try majorityVote.predictProbabilities($0) })
            }
            guard let heldOut else { return 0 }
            return HeldOutAgreement.difference(
                try heldOut.folds.credits { try model.predictProbabilities($0) }, heldOut.majority
            ).mean
        }
        for family in families {
            for choice in [family.choice, family.ties] {
                // A model judged only by itself always expects to win: that is accepted only for a tie-break on LFs
                // with no detected correlation. Correlated LFs (near-copies) break every family's independence
                // assumption alike, so the judges would share one bias: then only tie-breaks are considered. A model
                // that overrules majorities needs a second identifiable family to expect it to gain and no detected
                // near-copies.
                let isTies = choice == family.ties
                let independent = diagnosis.groups.isEmpty
                let admissible =
                    !judgesOnly.contains(family.method)
                    && (isTies ? judges.count >= 2 || independent : judges.count >= 2 && independent)
                guard admissible || trace != nil else { continue }
                self.choice = choice
                let labels = Self.hardLabels(try predictProbabilities(sample), tieBreak: .rowHash, prior: [])
                    .map(\.rawValue)
                var gains: [String: Double] = [:]
                for judge in judges {
                    var total = 0.0
                    for row in 0..<sample.rowCount {
                        total += judge.probabilities[row, labels[row]] - judge.probabilities[row, mvLabels[row]]
                    }
                    gains[judge.name] = total / Double(max(sample.rowCount, 1))
                }
                var heldOutOfThis: Double?
                if let trace {
                    heldOutOfThis = try heldOutGain(self)
                    gains["heldout"] = heldOutOfThis
                    let changed = zip(labels, mvLabels).filter { $0 != $1 }.count
                    trace.record(
                        CandidateTrace.Entry(
                            choice: choice, isTieBreak: isTies, identifiable: true, admissible: admissible,
                            gains: gains, changedRows: Double(changed) / Double(max(sample.rowCount, 1)), model: self))
                }
                guard admissible else { continue }
                // Judged by the other families when there are any: a model's own posterior always favours it.
                let own = family.method.rawValue
                let panel = judges.count >= 2 ? judges.filter { $0.name != own } : judges
                var worst: (gain: Double, judge: String) = (.infinity, "")
                for judge in panel {
                    let gain = gains[judge.name] ?? -.infinity
                    if gain < worst.gain { worst = (gain, judge.name) }
                }
                considered.append("\(choice.rawValue) \(String(format: "%+.1f", 100 * worst.gain))")
                let needed = configuration.minimumExpectedGain + (isTies ? 0 : configuration.overrulingPremium)
                if worst.gain >= needed { passing.append((choice, worst.gain, worst.judge, heldOutOfThis, self)) }
            }
        }
        if Self.isStabilityRefit {  // a bootstrap refit: whether any candidate passes is all that is asked
            keepOnly(passing.first?.choice ?? .majorityVote, reason: "bootstrap refit")
            return
        }
        // Several pass: the judges' expected gains are posteriors' opinions and overrate tie-breaks most (on WRENCH
        // YouTube both judges expect Dawid–Skene's tie-break to gain 5 points; it loses 1.2). The one that best
        // predicts the votes of LFs it did not see is used instead (``HeldOutAgreement``).
        var best: (choice: Choice, gain: Double, judge: String)?
        var heldOutNote = ""
        if passing.count == 1, let only = passing.first {
            best = (only.choice, only.gain, only.judge)
        } else if passing.count > 1 {
            var top: (index: Int, agreement: Double)?
            for (index, candidate) in passing.enumerated() {
                let agreement = try candidate.heldOut ?? heldOutGain(candidate.model)
                if agreement > (top?.agreement ?? -.infinity) { top = (index, agreement) }
            }
            if let top {
                let chosen = passing[top.index]
                best = (chosen.choice, chosen.gain, chosen.judge)
                heldOutNote =
                    "; of \(passing.count) that pass, it best predicts held-out LF votes "
                    + "(\(String(format: "%+.1f", 100 * top.agreement)) points of agreement over majority vote)"
            }
        }
        let judgeNames = judges.map(\.name).joined(separator: ", ")
        guard let best else {
            keepOnly(
                .majorityVote,
                reason: "mv: no candidate is expected to beat majority vote by "
                    + "\(String(format: "%.1f", 100 * configuration.minimumExpectedGain)) points under every "
                    + "identifiable model (\(judgeNames)); "
                    + (considered.isEmpty
                        ? "none can be judged: \(judgeNames) would judge only itself, and near-copies were detected"
                        : "least expected gains \(considered.joined(separator: ", "))")
                    + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
            return
        }
        let passed =
            "expected to beat majority vote by at least "
            + "\(String(format: "%.1f", 100 * best.gain)) points under every identifiable model (\(judgeNames); "
            + "least by \(best.judge)); least expected gains \(considered.joined(separator: ", "))" + heldOutNote
        let noted = notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")
        // A large expected gain skips the check, unless the choice was judged by its own family alone while the
        // moment model, identifiable here, was set aside for contradicting the majority: both assume the LFs
        // independent given the class, and one of them failing on the votes is evidence they are not, so the
        // other's opinion of itself is not trusted on its size.
        let selfJudgedBesideFailedMoments = judges.count == 1 && statistics != nil && momentsFamily == nil
        let stability =
            best.gain < configuration.largestGainChecked || selfJudgedBesideFailedMoments
            ? try choiceStability(matrix, options: options) : nil
        if let stability, !stability.holds {
            keepOnly(
                .majorityVote,
                reason: "mv: \(best.choice.rawValue) was \(passed), but only \(stability.clause), so its gain may be "
                    + "the noise of \(matrix.rowCount) training rows" + noted)
            return
        }
        keepOnly(
            best.choice,
            reason: "\(best.choice.rawValue): \(passed)" + (stability.map { "; \($0.clause)" } ?? "") + noted)
    }

    /// How an estimated class prior contradicts the class distribution of the votes, or `nil` when it does not: it
    /// ranks first a class that is not among the voted-for classes' upper half.
    static func priorContradiction(_ prior: [Double], _ votes: [Double]) -> String? {
        guard prior.count == votes.count, prior.count >= 2,
            let top = prior.indices.max(by: { prior[$0] < prior[$1] })
        else { return nil }
        let rank = votes.filter { $0 > votes[top] }.count
        guard rank >= (votes.count + 1) / 2 else { return nil }
        return "makes class \(top) the most frequent (\(String(format: "%.2f", prior[top]))) where the votes rank it "
            + "\(rank + 1) of \(votes.count)"
    }

    /// Sets ``choice`` and ``reason``, drops every component the choice does not predict with, and takes the class
    /// balance and LF parameters of the one it does.
    private mutating func keepOnly(_ choice: Choice, reason: String) {
        self.choice = choice
        self.reason = reason
        let component: (any LabelModel)?
        switch choice {
        case .weightedMajorityVote, .majorityVoteTiesByWeighted: component = weighted
        case .dawidSkene, .majorityVoteTiesByDawidSkene: component = dawidSkene
        case .triplet, .tripletWithMajorityVote, .majorityVoteTiesByTriplet: component = triplet
        case .moments, .momentsWithMajorityVote, .momentsWithAbstentions, .momentsWithAbstentionsAndMajorityVote,
            .majorityVoteTiesByMoments, .majorityVoteWithTieBreak:
            component = moments
        case .majorityVote, .majorityVoteTiesBySpecificity: component = nil
        }
        if choice != .majorityVoteTiesBySpecificity { tieBreakClassWeights = nil }
        if !(component is WeightedMajorityVote) { weighted = nil }
        if !(component is DawidSkene) { dawidSkene = nil }
        if !(component is Triplet) { triplet = nil }
        if !(component is MomentMatching) { moments = nil }
        let isTieBreak = [
            Choice.majorityVoteTiesByWeighted, .majorityVoteTiesByDawidSkene, .majorityVoteTiesByTriplet,
            .majorityVoteTiesByMoments,
        ].contains(choice)
        let source: any LabelModel = isTieBreak ? majorityVote : component ?? majorityVote
        classBalance = source.classBalance
        lfParameters = (component ?? majorityVote).lfParameters
    }

    /// The moment fit under the majority-agreement guard: itself (alone or averaged with MV's shares, by its residual),
    /// or the same fit predicting with abstentions, or `nil` when both overrule the majority votes too often.
    /// The abstention-aware fit reads the silence of `copies` (the extra members of each cluster of suspected copies) as
    /// no evidence: a cluster of copies falls silent together, and counting each member's silence would count one
    /// silence several times.
    private mutating func guardedMoments(_ fitted: MomentMatching, matrix: LabelMatrix, copies: Set<Int>) throws -> (
        choice: Choice, model: MomentMatching
    )? {
        let agreement = try Self.majorityAgreement(probabilities: Self.priorFreeProbabilities(fitted), on: matrix)
        agreementWithMajority = agreement.unambiguous
        agreementWithStrongMajority = agreement.strong
        strongMajorityOverrulesTowardOneClass = agreement.overrulesTowardOneClass
        let alone = fitted.residualFraction <= configuration.maximumResidualForMomentsAlone
        if agreement.passes(configuration) { return (alone ? .moments : .momentsWithMajorityVote, fitted) }
        // Distrusted as snorkel predicts (abstentions ignored)? When LFs fire at class-dependent rates — rare
        // positives, LFs that mostly stay silent — the same μ predicting with abstentions as evidence may be
        // consistent with the majority votes; it then replaces the plain posterior, under the same guard.
        guard let aware = fitted.predictingWithAbstentions(ignoringSilenceOf: copies) else { return nil }
        let awareAgreement = try Self.majorityAgreement(probabilities: Self.priorFreeProbabilities(aware), on: matrix)
        agreementWithAbstentions = awareAgreement.unambiguous
        agreementWithStrongMajorityWithAbstentions = awareAgreement.strong
        guard awareAgreement.passes(configuration) else { return nil }
        return (alone ? .momentsWithAbstentions : .momentsWithAbstentionsAndMajorityVote, aware)
    }

    /// Probabilities according to ``choice``.
    public func predictProbabilities(_ matrix: LabelMatrix) throws -> Matrix {
        guard let choice else { throw LabelModelsError.notFitted(method: Self.methodName) }
        let shares = { try self.majorityVote.predictProbabilities(matrix) }
        // The component the choice names: while a fit weighs its candidates every component is present, so a triplet
        // choice must not predict with the moment fit.
        func generative() throws -> Matrix {
            let prefersTriplet = choice == .triplet || choice == .tripletWithMajorityVote
            if prefersTriplet, let triplet { return try triplet.predictProbabilities(matrix) }
            if let moments { return try moments.predictProbabilities(matrix) }
            if let triplet { return try triplet.predictProbabilities(matrix) }
            throw LabelModelsError.notFitted(method: Self.methodName)
        }
        switch choice {
        case .majorityVote: return try shares()
        case .weightedMajorityVote:
            guard let weighted else { throw LabelModelsError.notFitted(method: Self.methodName) }
            return try weighted.predictProbabilities(matrix)
        case .dawidSkene:
            guard let dawidSkene else { throw LabelModelsError.notFitted(method: Self.methodName) }
            return try dawidSkene.predictProbabilities(matrix)
        case .moments, .triplet, .momentsWithAbstentions: return try generative()
        case .momentsWithMajorityVote, .tripletWithMajorityVote, .momentsWithAbstentionsAndMajorityVote:
            return Self.blend(try shares(), try generative(), weightOfSecond: 0.5)
        case .majorityVoteTiesByDawidSkene, .majorityVoteTiesByMoments, .majorityVoteTiesByTriplet,
            .majorityVoteTiesByWeighted:
            let component: (any LabelModel)? =
                switch choice {
                case .majorityVoteTiesByDawidSkene: dawidSkene
                case .majorityVoteTiesByMoments: moments
                case .majorityVoteTiesByTriplet: triplet
                default: weighted
                }
            guard let component else { throw LabelModelsError.notFitted(method: Self.methodName) }
            return Self.majorityVoteBreakingTies(
                try shares(), by: try component.predictProbabilities(matrix),
                skipping: tieBreakLabelsRowsWithoutVotes == true ? nil : matrix)
        case .majorityVoteTiesBySpecificity:
            guard let weights = tieBreakClassWeights, weights.count == cardinality else {
                throw LabelModelsError.notFitted(method: Self.methodName)
            }
            var order = Matrix(rows: matrix.rowCount, columns: cardinality)
            for row in 0..<matrix.rowCount { for c in 0..<cardinality { order[row, c] = weights[c] } }
            return Self.majorityVoteBreakingTies(try shares(), by: order, skipping: matrix)
        case .majorityVoteWithTieBreak:
            // MV decides; the generative posterior only orders classes MV leaves tied.
            return Self.blend(try shares(), try generative(), weightOfSecond: 1e-3)
        }
    }

    /// Majority vote's shares where one class has the most votes; on rows where several classes share the most votes
    /// (all of them on a row without votes), their total share split in proportion to `model`'s probabilities.
    ///
    /// So the hard label is MV's wherever MV decides, and the model's most probable tied class elsewhere. Rows of
    /// `matrix` without votes, when it is given, keep MV's uniform shares: there the model has only its class prior.
    static func majorityVoteBreakingTies(_ shares: Matrix, by model: Matrix, skipping matrix: LabelMatrix? = nil)
        -> Matrix
    {
        var result = shares
        let k = shares.columns
        for row in 0..<shares.rows {
            if let matrix, matrix.rowOffsets[row] == matrix.rowOffsets[row + 1] { continue }
            var top = -Double.infinity
            for c in 0..<k { top = max(top, shares[row, c]) }
            var tiedShare = 0.0, tiedModel = 0.0, tied = 0
            for c in 0..<k where shares[row, c] >= top - 1e-12 {
                tiedShare += shares[row, c]
                tiedModel += model[row, c]
                tied += 1
            }
            guard tied > 1 else { continue }
            for c in 0..<k where shares[row, c] >= top - 1e-12 {
                result[row, c] =
                    tiedModel > 0 ? tiedShare * model[row, c] / tiedModel : tiedShare / Double(tied)
            }
        }
        return result
    }

    /// `(1 − w)·first + w·second`, computed in place to keep one n × k buffer.
    private static func blend(_ first: Matrix, _ second: Matrix, weightOfSecond w: Double) -> Matrix {
        var result = first
        result.withUnsafeMutableBufferPointer { out in
            second.withUnsafeBufferPointer { other in
                for i in 0..<out.count { out[i] = (1 - w) * out[i] + w * other[i] }
            }
        }
        return result
    }

    /// Hidden votes ``HeldOutAgreement`` scores at most (spread over the folds), so that comparing candidates costs
    /// little next to fitting them.
    static let heldOutVoteBudget = 200_000

    /// Rows the agreement guard looks at, at most.
    static let agreementSampleSize = 20_000

    /// How often a model's most probable class matches the majority vote, on two sets of training rows.
    struct MajorityAgreement: Equatable {
        /// Fraction of rows with a unique majority class on which the model picks that class (`nil` without such rows).
        var unambiguous: Double?
        /// The same fraction on rows whose majority leads the runner-up by at least two votes.
        var strong: Double?
        /// How many rows had such a strong majority.
        var strongRows: Int
        /// Of the strong majorities the model overrules, the share it hands to its most favoured class (`nil` if none).
        var overrulesTowardOneClass: Double? = nil

        /// Whether a fit passes both checks of `configuration`.
        func passes(_ configuration: Configuration) -> Bool {
            if let unambiguous, unambiguous < configuration.minimumAgreementWithMajority { return false }
            if strongRows >= configuration.minimumStrongMajorityRows, let strong {
                if strong < configuration.minimumAgreementWithStrongMajority { return false }
                if strong < configuration.minimumAgreementWithOneSidedStrongMajority,
                    (overrulesTowardOneClass ?? 0) >= configuration.oneSidedOverruleShare
                {
                    return false
                }
            }
            return true
        }
    }

    /// `model`'s posterior with its class prior taken out, so that the guard compares like with like: majority vote
    /// has no prior, and a known skewed prior rightly overrules lone votes for a rare class.
    static func priorFreeProbabilities(_ model: any LabelModel) -> (LabelMatrix) throws -> Matrix {
        let posterior: VotePosterior? =
            if let moments = model as? MomentMatching {
                moments.posterior?.removingPrior(moments.classBalance)
            } else if let triplet = model as? Triplet {
                triplet.posterior?.removingPrior(triplet.classBalance)
            } else {
                nil
            }
        if let posterior { return { try posterior.probabilities($0) } }
        return { try model.predictProbabilities($0) }
    }

    /// Agreement of a model, given by its probability function, with the majority vote on rows with a unique majority,
    /// and on rows where it leads by two or more votes.
    ///
    /// Above ``agreementSampleSize`` rows it is measured on that many rows, taken as 20 evenly spaced contiguous
    /// blocks: a deterministic sample whose standard error is below 0.004 around the 0.8 threshold (contiguous blocks
    /// read memory sequentially), so the guard costs little next to the fit itself on millions of rows.
    static func majorityAgreement(probabilities predict: (LabelMatrix) throws -> Matrix, on fullMatrix: LabelMatrix)
        throws -> MajorityAgreement
    {
        let blocks = 20, blockRows = agreementSampleSize / blocks
        let matrix =
            fullMatrix.rowCount <= agreementSampleSize
            ? fullMatrix
            : LabelMatrix.concatenating(
                (0..<blocks).map { block in
                    let start = block * (fullMatrix.rowCount - blockRows) / (blocks - 1)
                    return fullMatrix.rows(start..<(start + blockRows))
                })
        let probabilities = try predict(matrix)
        let k = matrix.cardinality
        var counts = [Int](repeating: 0, count: k)
        var rows = 0, agree = 0, strongRows = 0, strongAgree = 0
        var overruledTo = [Int](repeating: 0, count: k)
        for row in 0..<matrix.rowCount {
            for c in 0..<k { counts[c] = 0 }
            for index in matrix.rowOffsets[row]..<matrix.rowOffsets[row + 1] {
                counts[Int(matrix.voteClasses[index])] += 1
            }
            var majority = 0, runnerUp = 0
            for c in 1..<k where counts[c] > counts[majority] { majority = c }
            for c in 0..<k where c != majority && counts[c] > runnerUp { runnerUp = counts[c] }
            let lead = counts[majority] - runnerUp
            guard lead >= 1 else { continue }
            var best = 0
            for c in 1..<k where probabilities[row, c] > probabilities[row, best] { best = c }
            rows += 1
            if best == majority { agree += 1 }
            if lead >= 2 {
                strongRows += 1
                if best == majority { strongAgree += 1 } else { overruledTo[best] += 1 }
            }
        }
        return MajorityAgreement(
            unambiguous: rows == 0 ? nil : Double(agree) / Double(rows),
            strong: strongRows == 0 ? nil : Double(strongAgree) / Double(strongRows),
            strongRows: strongRows,
            overrulesTowardOneClass: strongRows > strongAgree
                ? Double(overruledTo.max() ?? 0) / Double(strongRows - strongAgree) : nil)
    }

    private mutating func fitWithDevSet(_ matrix: LabelMatrix, dev: LabelMatrix, labels: [Int], options: FitOptions)
        throws
    {
        try DevSet.validate(dev, labels: labels, for: matrix)
        var unsupervised = options
        unsupervised.devMatrix = nil
        unsupervised.devLabels = nil
        // The incumbent: what auto chooses without gold labels. A dev candidate replaces it only on clear evidence.
        var incumbent = AutoLabelModel(configuration: configuration)
        try incumbent.fit(matrix, options: unsupervised)
        var challengers: [(Choice, any LabelModel)] = []
        if incumbent.choice == .majorityVoteTiesBySpecificity {
            // The keyword-specificity tie-break rests on an assumption the dev labels can check: with them it
            // challenges plain majority vote instead of defending against the challengers.
            challengers.append((.majorityVoteTiesBySpecificity, incumbent))
            incumbent.keepOnly(
                .majorityVote,
                reason: "mv: no other model is identifiable here; with a dev set, breaking ties by keyword "
                    + "specificity is a challenger, not the default")
        }
        guard let incumbentChoice = incumbent.choice else { throw LabelModelsError.notFitted(method: Self.methodName) }
        var candidates: [(Choice, any LabelModel)] = [(incumbentChoice, incumbent)] + challengers
        if incumbentChoice != .majorityVote { candidates.append((.majorityVote, majorityVote)) }
        var wmv = WeightedMajorityVote()
        try wmv.fit(matrix, options: options)
        candidates.append((.weightedMajorityVote, wmv))
        if matrix.lfCount * matrix.cardinality * (matrix.cardinality + 1) <= DawidSkene.Configuration().maxParameters {
            var ds = DawidSkene()
            try ds.fit(matrix, options: unsupervised)
            candidates.append((.dawidSkene, ds))
        }
        // The votes cannot tell the class prior (see docs/label-models.md), but the dev labels can: unless the caller
        // fixed a prior, the generative models are fitted under the uniform prior and under the dev labels' frequencies.
        var priors = [unsupervised]
        if options.classBalance == .uniform {
            var withDevPrior = unsupervised
            withDevPrior.classBalance = .fromLabels(labels)
            priors.append(withDevPrior)
        }
        for prior in priors {
            if matrix.lfCount >= 3, matrix.lfCount * matrix.cardinality <= LabelStatistics.overlapLimit {
                var mm = MomentMatching(configuration: configuration.moments)
                try mm.fit(matrix, options: prior)
                candidates.append((.moments, mm))
            }
            if matrix.lfCount >= 3 {
                var tr = Triplet()
                try tr.fit(matrix, options: prior)
                candidates.append((.triplet, tr))
            }
        }
        let scored = labels.indices.filter { labels[$0] >= 0 }
        let gold = scored.map { labels[$0] }
        let metric = configuration.devSelectionMetric
        let k = matrix.cardinality
        // Per candidate and scored dev row: its hard label (macro-F1) and its accuracy credit in expectation over tie
        // draws (1/t when the gold class is among t tied classes).
        var hardLabels: [[Int]] = [], credits: [[Double]] = []
        for (_, model) in candidates {
            let probabilities = try model.predictProbabilities(dev)
            let all = Self.hardLabels(probabilities, tieBreak: .rowHash, prior: model.classBalance).map(\.rawValue)
            hardLabels.append(scored.map { all[$0] })
            credits.append(
                scored.map { row in
                    ClassificationScore.expectedAccuracy(
                        probabilities: Matrix(
                            rows: 1, columns: k,
                            values: Array(probabilities.storage[(row * k)..<((row + 1) * k)])),
                        gold: [labels[row]]) ?? 0
                })
        }
        func value(_ candidate: Int, _ rows: [Int]) -> Double {
            switch metric {
            case .accuracy:
                return rows.reduce(0) { $0 + credits[candidate][$1] } / Double(max(rows.count, 1))
            case .macroF1:
                return ClassificationScore(
                    gold: rows.map { gold[$0] }, predicted: rows.map { hardLabels[candidate][$0] }, cardinality: k
                ).macroF1 ?? 0
            }
        }
        let allRows = Array(gold.indices)
        let points = candidates.indices.map { value($0, allRows) }
        // Paired bootstrap of each candidate's gain over the incumbent: the same resampled rows score both.
        var generator = SeededGenerator(seed: options.seed)
        let resamples = Self.devBootstrapResamples
        var gains = [[Double]](repeating: [], count: candidates.count)
        if !gold.isEmpty {
            for _ in 0..<resamples {
                let rows = (0..<gold.count).map { _ in Int(generator.next() % UInt64(gold.count)) }
                let base = value(0, rows)
                for c in 1..<candidates.count { gains[c].append(value(c, rows) - base) }
            }
        }
        var winner = 0
        var interval: (low: Double, high: Double) = (0, 0)
        for c in 1..<candidates.count where !gains[c].isEmpty {
            let sorted = gains[c].sorted()
            let low = sorted[Int(Double(sorted.count - 1) * 0.05)], high = sorted[Int(Double(sorted.count - 1) * 0.95)]
            guard low > 0, points[c] > points[winner] + 1e-12 else { continue }
            (winner, interval) = (c, (low, high))
        }
        let name = metric.rawValue
        if winner == 0 {
            self = incumbent
            devScore = points[0]
            let best = (1..<candidates.count).max { points[$0] < points[$1] }
            reason =
                "\(incumbentChoice.rawValue) (auto's choice without gold labels): no candidate beats it on the "
                + "\(gold.count) dev rows with a 90 % bootstrap interval above zero"
                + (best.map {
                    " (best point \(name) \(candidates[$0].0.rawValue) \(String(format: "%.3f", points[$0])) vs "
                        + "\(String(format: "%.3f", points[0])))"
                } ?? "")
                + " — " + (incumbent.reason ?? "")
            return
        }
        let (chosen, model) = candidates[winner]
        // Keep only the chosen model: prediction looks for the moment model first, so a triplet choice would
        // otherwise predict with the moment fit (and the others only made the saved file larger).
        moments = model as? MomentMatching
        triplet = model as? Triplet
        weighted = model as? WeightedMajorityVote
        dawidSkene = model as? DawidSkene
        tieBreakClassWeights = (model as? AutoLabelModel)?.tieBreakClassWeights
        choice = chosen
        devScore = points[winner]
        reason =
            "\(chosen.rawValue): beats auto's choice without gold labels (\(incumbentChoice.rawValue)) on the "
            + "\(gold.count) dev rows by \(String(format: "%+.3f", points[winner] - points[0])) \(name), 90 % "
            + "bootstrap interval [\(String(format: "%+.3f", interval.low)), \(String(format: "%+.3f", interval.high))]"
        classBalance = model.classBalance
        lfParameters = model.lfParameters
    }

    /// Paired bootstrap resamples of the dev rows behind a dev-set choice.
    static let devBootstrapResamples = 500
}
