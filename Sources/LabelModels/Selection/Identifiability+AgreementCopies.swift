import Labeling

extension Identifiability {
    /// A pair's agreement on its co-votes, as a multiple of the median pair's, from which it may be a copy in agreement.
    public static let agreementCopyRatio = 2.0

    /// Pairs of two-sided LFs whose agreement with each other their agreement with everyone else cannot explain: copies in
    /// agreement, such as two crowd workers of whom one repeats the other's answers.
    ///
    /// Under conditional independence, two LFs of accuracies a and b agree on a co-voted row with probability
    /// a·b + (1 − a)(1 − b)/(k − 1), which is large only when both are accurate — and then each also agrees with the
    /// majority of the other LFs more than a typical LF does. A pair is returned when it agrees on at least
    /// ``agreementCopyRatio`` times the median pair's share of its co-votes (pairs with ``minimumCoVotes`` or more),
    /// while each of the two agrees with the majority of the *other* LFs (a unique majority of the row's votes, the
    /// pair's own two left out) no more often than the median LF does. On generated crowd tasks this finds the pair of
    /// below-chance workers of whom one echoes the other (seed 99, crowd-054: agreement 0.85 against a median 0.19;
    /// each agrees with the others' majority on 0.16 and 0.17 of its rows, the median LF on 0.27). Binary tasks, where
    /// the median pair already agrees on more than half its co-votes, never qualify.
    ///
    /// - Complexity: O(m²) for the pairs, plus O(Σᵢ vᵢ·k) over the rows of `sample` (vᵢ votes in row i) once, and once
    ///   more per candidate pair.
    static func findAgreementCopies(_ sample: LabelMatrix, _ statistics: LabelStatistics, votedClasses: [[Int]])
        -> [[Int]]
    {
        let m = sample.lfCount, k = sample.cardinality
        guard m >= 4, k >= 3 else { return [] }
        func coVotes(_ a: Int, _ b: Int) -> Double {
            max(statistics.pairCoVotes[a * m + b], statistics.pairCoVotes[b * m + a])
        }
        func agreement(_ a: Int, _ b: Int) -> Double {
            max(statistics.pairAgreements[a * m + b], statistics.pairAgreements[b * m + a]) / coVotes(a, b)
        }
        // Two-sided LFs only: two keywords of one class agree whenever both vote, whatever their accuracy.
        let twoSided = (0..<m).filter { votedClasses[$0].count >= 2 }
        var pairs: [(a: Int, b: Int, agreement: Double)] = []
        for (i, a) in twoSided.enumerated() {
            for b in twoSided[(i + 1)...] where coVotes(a, b) >= minimumCoVotes {
                pairs.append((a, b, agreement(a, b)))
            }
        }
        guard pairs.count >= 3 else { return [] }
        let medianPair = upperMedian(pairs.map(\.agreement))
        let candidates = pairs.filter {
            $0.agreement >= agreementCopyRatio * medianPair && $0.agreement > 1 / Double(k)
        }
        guard !candidates.isEmpty else { return [] }
        // Each candidate member's agreement with the majority of the votes other than the pair's.
        var found: [[Int]] = []
        let perLF = majorityAgreement(sample, excluding: nil)
        let typical = upperMedian(perLF.compactMap { $0 })
        for pair in candidates {
            let excluded = majorityAgreement(sample, excluding: (pair.a, pair.b))
            guard let first = excluded[pair.a], let second = excluded[pair.b], first <= typical, second <= typical
            else { continue }
            found.append([pair.a, pair.b])
        }
        return found
    }

    /// Per LF, the share of its votes that equal the unique majority of the row's other votes (the pair `excluding`
    /// left out of that majority as well, and only its two LFs judged); `nil` for an LF with fewer than
    /// ``minimumCoVotes`` such rows.
    ///
    /// - Complexity: O(Σᵢ vᵢ·k): the row's counts are taken once, and each vote's own is left out in turn.
    private static func majorityAgreement(_ sample: LabelMatrix, excluding pair: (Int, Int)?) -> [Double?] {
        let m = sample.lfCount, k = sample.cardinality
        var agreed = [Double](repeating: 0, count: m), judged = [Double](repeating: 0, count: m)
        var counts = [Int](repeating: 0, count: k)
        func isExcluded(_ lf: Int) -> Bool { pair.map { lf == $0.0 || lf == $0.1 } ?? false }
        for row in 0..<sample.rowCount {
            let range = sample.rowOffsets[row]..<sample.rowOffsets[row + 1]
            guard range.count >= 2 else { continue }
            for c in counts.indices { counts[c] = 0 }
            for index in range where !isExcluded(Int(sample.voteLFs[index])) {
                counts[Int(sample.voteClasses[index])] += 1
            }
            for index in range {
                let lf = Int(sample.voteLFs[index]), label = Int(sample.voteClasses[index])
                if pair != nil, !isExcluded(lf) { continue }
                let own = isExcluded(lf) ? 0 : 1
                counts[label] -= own
                let top = counts.max() ?? 0
                var winners = 0, winner = 0
                if top > 0 { for c in 0..<k where counts[c] == top { (winners, winner) = (winners + 1, c) } }
                counts[label] += own
                guard winners == 1 else { continue }
                judged[lf] += 1
                if winner == label { agreed[lf] += 1 }
            }
        }
        return (0..<m).map { judged[$0] >= minimumCoVotes ? agreed[$0] / judged[$0] : nil }
    }
}
