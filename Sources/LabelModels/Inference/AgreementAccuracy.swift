import Labeling

/// Estimates each labeling function's accuracy by how often it agrees with the majority vote of the *other* functions.
///
/// On rows where the other labeling functions have a unique plurality class, an LF's estimated accuracy is the fraction
/// of its votes that match it (add-one smoothed toward `prior`); LFs never overlapping others get `prior`.
/// Used to initialise moment matching and as the unsupervised weights of ``WeightedMajorityVote``.
///
/// - Complexity: O(Σᵢ vᵢ²) for vᵢ votes in row i.
enum AgreementAccuracy {
    /// Each LF's estimated accuracy (see the type's description), clamped to `range`.
    ///
    /// - Parameter copiedPairs: pairs of LFs left out of each other's "other functions" (copies in agreement, which
    ///   would otherwise vouch for each other).
    static func estimate(
        _ matrix: LabelMatrix, prior: Double = 0.7, range: ClosedRange<Double>, copiedPairs: [[Int]] = []
    ) -> [Double] {
        let m = matrix.lfCount
        var partnersOf: [Int: Set<Int>] = [:]
        for pair in copiedPairs where pair.count == 2 && pair.allSatisfy({ (0..<m).contains($0) }) {
            partnersOf[pair[0], default: []].insert(pair[1])
            partnersOf[pair[1], default: []].insert(pair[0])
        }
        var agree = [Double](repeating: 0, count: m)
        var total = [Double](repeating: 0, count: m)
        var classes: [Int] = [], counts: [Int] = []
        for row in 0..<matrix.rowCount {
            let lower = matrix.rowOffsets[row], upper = matrix.rowOffsets[row + 1]
            guard upper - lower >= 2 else { continue }
            classes.removeAll(keepingCapacity: true)
            counts.removeAll(keepingCapacity: true)
            for index in lower..<upper {
                let c = Int(matrix.voteClasses[index])
                if let position = classes.firstIndex(of: c) {
                    counts[position] += 1
                } else {
                    classes.append(c)
                    counts.append(1)
                }
            }
            for index in lower..<upper {
                let lf = Int(matrix.voteLFs[index]), own = Int(matrix.voteClasses[index])
                let partners = partnersOf[lf]
                var best = 0, bestClass = -1, tied = false
                for (position, c) in classes.enumerated() {
                    var others = counts[position] - (c == own ? 1 : 0)
                    if let partners {
                        for other in lower..<upper
                        where Int(matrix.voteClasses[other]) == c && partners.contains(Int(matrix.voteLFs[other])) {
                            others -= 1
                        }
                    }
                    if others > best {
                        best = others
                        bestClass = c
                        tied = false
                    } else if others == best, others > 0 {
                        tied = true
                    }
                }
                guard best > 0, !tied else { continue }
                total[lf] += 1
                if bestClass == own { agree[lf] += 1 }
            }
        }
        return (0..<m).map { lf in min(range.upperBound, max(range.lowerBound, (agree[lf] + prior) / (total[lf] + 1))) }
    }
}
