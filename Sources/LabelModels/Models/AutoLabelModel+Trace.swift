import Foundation
import FoundryCore
import Labeling

extension AutoLabelModel {
    /// Everything auto weighed in one fit without gold labels: each candidate it considered (whether its rule allowed it
    /// or not) with the expected gains its judges assigned, and a copy of the model predicting as that candidate, so a
    /// benchmark with known labels can score every candidate and not only the one chosen.
    ///
    /// Collected only while ``AutoLabelModel/candidateTrace`` is bound (`$candidateTrace.withValue(trace) { … }`);
    /// a fit outside that scope records nothing and costs nothing extra.
    public final class CandidateTrace: @unchecked Sendable {
        /// One candidate of one fit.
        public struct Entry: Sendable {
            /// The candidate's ``AutoLabelModel/Choice``.
            public var choice: Choice
            /// Whether it keeps MV's decision where MV has a unique winner.
            public var isTieBreak: Bool
            /// Whether the candidate's family is identifiable on the task (``Identifiability``).
            public var identifiable: Bool
            /// Whether auto's structural rule (judges available, no detected near-copies) let it be chosen at all.
            public var admissible: Bool
            /// Expected accuracy gain over MV's hard labels under each judge's posterior (judge name → gain).
            public var gains: [String: Double]
            /// Fraction of the sampled training rows on which its hard label differs from MV's.
            public var changedRows: Double
            /// The model predicting as this candidate.
            public var model: AutoLabelModel
        }

        private let lock = NSLock()
        private var storage: [Entry] = []
        /// The identifiability analysis of the last fit (`nil` before one).
        public private(set) var identifiability: Identifiability?

        /// Creates an empty trace.
        public init() {}

        /// The candidates recorded so far.
        public var entries: [Entry] { lock.withLock { storage } }

        func record(_ entry: Entry) { lock.withLock { storage.append(entry) } }
        func record(_ analysis: Identifiability) { lock.withLock { identifiability = analysis } }
    }

    /// Where a fit records its candidates (see ``CandidateTrace``); unbound by default.
    @TaskLocal public static var candidateTrace: CandidateTrace?
}

extension AutoLabelModel {
    /// With a trace bound: fits the families ``Identifiability`` rejected as well and records them (alone and breaking
    /// MV's ties) as inadmissible candidates without judges, so a benchmark can show what the rule gave up.
    mutating func recordUnidentifiedFamilies(
        _ matrix: LabelMatrix, options: FitOptions, diagnosis: Identifiability, statistics: LabelStatistics?,
        in trace: CandidateTrace
    ) throws {
        var copy = self
        (copy.moments, copy.dawidSkene, copy.triplet, copy.weighted) = (nil, nil, nil, nil)
        copy.tieBreakLabelsRowsWithoutVotes = false
        let heldOut = HeldOutAgreement(Identifiability.sampled(matrix), groups: diagnosis.groups)
        let majority = majorityVote
        let mvCredits = try heldOut.credits { try majority.predictProbabilities($0) }
        func record(_ model: AutoLabelModel, alone: Choice, ties: Choice) throws {
            for (choice, isTies) in [(alone, false), (ties, true)] {
                var candidate = model
                candidate.choice = choice
                let d = HeldOutAgreement.difference(
                    try heldOut.credits { try candidate.predictProbabilities($0) }, mvCredits)
                trace.record(
                    CandidateTrace.Entry(
                        choice: choice, isTieBreak: isTies, identifiable: false, admissible: false,
                        gains: ["heldout": d.mean, "heldout_se": d.standardError], changedRows: .nan,
                        model: candidate))
            }
        }
        if !diagnosis.supports(.moments), matrix.lfCount * matrix.cardinality <= LabelStatistics.overlapLimit {
            var model = MomentMatching(configuration: configuration.moments)
            try model.fit(statistics: statistics ?? LabelStatistics(matrix), lfNames: matrix.lfNames, options: options)
            var candidate = copy
            candidate.moments = model
            try record(candidate, alone: .moments, ties: .majorityVoteTiesByMoments)
            if let aware = model.predictingWithAbstentions(ignoringSilenceOf: diagnosis.redundantCopies) {
                candidate.moments = aware
                try record(candidate, alone: .momentsWithAbstentions, ties: .majorityVoteTiesByMoments)
            }
        }
        if !diagnosis.supports(.ds),
            matrix.lfCount * matrix.cardinality * (matrix.cardinality + 1) <= DawidSkene.Configuration().maxParameters
        {
            var model = DawidSkene()
            var dsOptions = options
            if options.classBalance == .uniform { dsOptions.classBalance = .estimated }
            try model.fit(matrix, options: dsOptions)
            var candidate = copy
            candidate.dawidSkene = model
            try record(candidate, alone: .dawidSkene, ties: .majorityVoteTiesByDawidSkene)
        }
        if !diagnosis.supports(.triplet) {
            var model = Triplet()
            try model.fit(matrix, options: options)
            var candidate = copy
            candidate.triplet = model
            try record(candidate, alone: .triplet, ties: .majorityVoteTiesByTriplet)
        }
    }
}
