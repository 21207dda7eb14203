import FoundryCore
import Labeling

extension AutoLabelModel {
    /// Set while ``choiceStability(_:options:)`` refits: a refit only has to tell whether some candidate passes, so it
    /// stops there (which of several passing candidates is best, ``HeldOutAgreement``'s question, does not matter).
    @TaskLocal static var isStabilityRefit = false

    /// How often auto, refitted on bootstrap resamples of the training rows, chooses a model other than majority vote.
    struct ChoiceStability: Sendable, Equatable {
        /// Resamples that chose a model other than majority vote.
        var departures: Int
        /// Resamples fitted (fewer than ``Configuration/stabilityResamples`` when the outcome was decided early).
        var fitted: Int
        /// Departures needed to keep a choice other than majority vote.
        var needed: Int
        /// Whether the choice stands.
        var holds: Bool { departures >= needed }

        /// The clause the reason carries.
        var clause: String {
            "\(departures) of \(fitted) bootstrap resamples of the training rows also chose a model other than "
                + "majority vote (\(needed) needed)"
        }
    }

    /// Refits auto (without this check) on bootstrap resamples of `matrix`'s rows, as a test that a choice other than
    /// majority vote rests on more than the sampling noise of a small training set: the judges' expected gains are
    /// computed on the very rows the models were fitted to, so on a few hundred rows they can favour a fit that is
    /// merely lucky. Returns `nil` when the check does not apply (it is off, or `matrix` has more than
    /// ``Configuration/stabilityRowLimit`` rows, where the noise it guards against is small and the refits costly).
    ///
    /// Resample r draws its rows from a generator seeded by the fit's seed and r, so the outcome is reproducible. It
    /// stops as soon as the outcome is decided, which gives the same answer as fitting every resample.
    func choiceStability(_ matrix: LabelMatrix, options: FitOptions) throws -> ChoiceStability? {
        let resamples = configuration.stabilityResamples
        guard resamples > 0, matrix.rowCount <= configuration.stabilityRowLimit, matrix.rowCount > 0 else {
            return nil
        }
        // A share from a decoded file is clamped to 0…1 (NaN counts as 1) before it becomes a count.
        let share = configuration.minimumStableShare.isNaN ? 1 : min(1, max(0, configuration.minimumStableShare))
        let needed = max(1, Int((share * Double(resamples)).rounded(.up)))
        var inner = configuration
        inner.stabilityResamples = 0
        var innerOptions = options
        innerOptions.progress = nil
        let base = options.seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x5EED
        let n = UInt64(matrix.rowCount)
        /// Whether resample `r`, refitted, chooses a model other than majority vote.
        func departs(_ r: Int) throws -> Bool {
            var generator = SeededGenerator(seed: base &+ UInt64(r))
            let rows = (0..<matrix.rowCount).map { _ in Int(generator.next() % n) }
            var model = AutoLabelModel(configuration: inner)
            try Self.$candidateTrace.withValue(nil) {
                try Self.$isStabilityRefit.withValue(true) { try model.fit(matrix.rows(rows), options: innerOptions) }
            }
            return model.choice != .majorityVote
        }
        // Resamples are refitted a few at a time, one per loop thread, and read in order until the outcome is decided:
        // the same answer, and the same count of resamples, as one at a time.
        let batch = max(1, ComputeThreads.loopThreadCount)
        var departures = 0, fitted = 0
        var next = 0
        decided: while next < resamples {
            let indices = Array(next..<min(resamples, next + batch))
            var outcomes = [Result<Bool, any Error>](repeating: .success(false), count: indices.count)
            outcomes.withUnsafeMutableBufferPointer { slots in  // each refit writes its own slot
                ParallelChunks.forEach(count: indices.count, chunkSize: 1) { index, _ in
                    slots[index] = Result { try departs(indices[index]) }
                }
            }
            next += indices.count
            for outcome in outcomes {
                fitted += 1
                if try outcome.get() { departures += 1 }
                if departures >= needed || fitted - departures > resamples - needed { break decided }
            }
        }
        return ChoiceStability(departures: departures, fitted: fitted, needed: needed)
    }
}
