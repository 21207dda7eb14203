/// How a row's hard label is chosen when several classes share its highest probability (or the row had no votes).
public enum TieBreakPolicy: Sendable, Equatable {
    /// Predict abstain for a tie.
    case abstain
    /// Pick one of the tied classes uniformly at random; the choice depends only on the seed and the row index.
    case random(seed: UInt64)
    /// Pick the tied class with the largest class prior (lowest index among equal priors).
    case prior
    /// snorkel's and WRENCH's deterministic rule (`probs_to_preds(..., tie_break_policy="random")`): classes within
    /// 1e-5 of the row's maximum are tied, and row `i` takes `tied[SHA-1(decimal i) mod tied.count]`.
    ///
    /// Seed-free and identical to the Python tools, so scores of tied rows are the same coin flips the published
    /// WRENCH and snorkel figures used; comparisons then measure the models, not the draws.
    case rowHash

    /// snorkel's `probs_to_preds` tolerance: classes this close to the row maximum count as tied under ``rowHash``
    /// (and in expected-accuracy credit).
    public static let rowHashTolerance = 1e-5

    /// The hard label of one row of probabilities under this policy.
    ///
    /// - Parameters:
    ///   - row: the row's index (the hash and random policies depend on it).
    ///   - probabilities: the row's k class probabilities.
    ///   - prior: the class prior, read by ``prior`` only.
    /// - Complexity: O(k).
    public func resolve(row: Int, _ probabilities: UnsafeBufferPointer<Double>, prior: [Double]) -> Vote {
        resolveAny(row: row, probabilities, prior: prior)
    }

    /// The hard label of one row of Float32 probabilities (soft labels) under this policy.
    ///
    /// - Complexity: O(k).
    public func resolve(row: Int, _ probabilities: UnsafeBufferPointer<Float>, prior: [Double]) -> Vote {
        resolveAny(row: row, probabilities, prior: prior)
    }

    /// The one implementation, specialized for each element type by the two entry points (a generic public entry
    /// point called from another module ran unspecialized: a generic conversion per element and an array per row).
    @inline(__always)
    private func resolveAny<Value: BinaryFloatingPoint>(
        row: Int, _ probabilities: UnsafeBufferPointer<Value>, prior: [Double]
    ) -> Vote {
        let k = probabilities.count
        var best = -Double.infinity
        for c in 0..<k where Double(probabilities[c]) > best { best = Double(probabilities[c]) }
        let hashTolerance = self == .rowHash
        let tolerance = hashTolerance ? Self.rowHashTolerance : 1e-9 * max(1, abs(best))
        func isTied(_ c: Int) -> Bool {
            let gap = best - Double(probabilities[c])
            return hashTolerance ? gap < tolerance : gap <= tolerance
        }
        // The common case, one class on top, needs no list of the tied classes.
        var tiedCount = 0
        var first = 0
        for c in 0..<k where isTied(c) {
            if tiedCount == 0 { first = c }
            tiedCount += 1
        }
        if tiedCount == 1 { return .class(first) }
        let tied = (0..<k).filter(isTied)
        switch self {
        case .abstain:
            return .abstain
        case let .random(seed):
            var generator = SeededGenerator(seed: seed ^ (UInt64(row) &* 0x9E37_79B9_7F4A_7C15))
            return .class(tied[Int(generator.next() % UInt64(tied.count))])
        case .rowHash:
            return .class(tied[Digest.sha1Modulo(Array(String(row).utf8), tied.count)])
        case .prior:
            // The tied class with the largest prior; the lowest index among equal priors.
            var choice = tied[0]
            for c in tied.dropFirst() where c < prior.count && choice < prior.count && prior[c] > prior[choice] {
                choice = c
            }
            return .class(choice)
        }
    }
}
