import FoundryCore
import Labeling

#if canImport(Glibc)
    import Glibc
#endif

/// The posterior P(Y | votes) of a conditionally independent label model, as a log-linear score.
///
/// For each row, `logit[c] = bias[c] + Σ_{votes (j, l)} weight(j, l, c)`, then a softmax.
/// Every generative model in this module with conditionally independent LFs (Dawid–Skene,
/// moment matching, triplets, weighted MV) predicts through this one sparse, parallel pass.
public struct VotePosterior: Sendable, Equatable, Codable {
    /// How a vote contributes to the class scores.
    public enum Weights: Sendable, Equatable, Codable {
        /// A full table: `values[(j·k + l)·k + c]` is added to class c when LF j votes l.
        case full([Double])
        /// Symmetric (one-coin) weights: `agreement[j]` is added to the class LF j voted for,
        /// `disagreement[j]` to every other class.
        case symmetric(agreement: [Double], disagreement: [Double])
    }

    /// Number of labeling functions.
    public let lfCount: Int
    /// Number of classes.
    public let cardinality: Int
    /// Per-class score before any vote (log prior plus the abstain terms).
    public let bias: [Double]
    /// The vote weights.
    public let weights: Weights

    /// Creates a posterior; array sizes must match `lfCount` and `cardinality`.
    public init(lfCount: Int, cardinality: Int, bias: [Double], weights: Weights) {
        precondition(bias.count == cardinality, "bias needs one entry per class")
        switch weights {
        case let .full(values):
            precondition(values.count == lfCount * cardinality * cardinality, "weight table has the wrong size")
        case let .symmetric(agree, disagree):
            precondition(agree.count == lfCount && disagree.count == lfCount, "one weight per LF")
        }
        self.lfCount = lfCount
        self.cardinality = cardinality
        self.bias = bias
        self.weights = weights
    }

    /// The posterior of the symmetric ("one-coin") noise model: LF j is right with probability `accuracies[j]` and
    /// otherwise names one of the k − 1 wrong classes uniformly; `prior` is the class balance.
    public static func oneCoin(accuracies: [Double], prior: [Double]) -> VotePosterior {
        let wrongClasses = Double(prior.count - 1)
        return VotePosterior(
            lfCount: accuracies.count, cardinality: prior.count, bias: prior.map { log($0) },
            weights: .symmetric(
                agreement: accuracies.map { log($0) }, disagreement: accuracies.map { log((1 - $0) / wrongClasses) }))
    }

    /// The same scores with the log class prior `prior` taken out of the bias: decisions by the votes' likelihood alone,
    /// the way majority vote decides. Returns `self` when `prior` is uniform.
    public func removingPrior(_ prior: [Double]) -> VotePosterior {
        guard prior.count == cardinality, Set(prior).count > 1 else { return self }
        return VotePosterior(
            lfCount: lfCount, cardinality: cardinality, bias: zip(bias, prior).map { $0 - log($1) }, weights: weights)
    }

    /// The n × k posterior probabilities for `matrix`.
    ///
    /// - Throws: ``LabelModelsError/shapeMismatch(_:)`` when the matrix has other LFs or classes.
    /// - Complexity: O(n·k + votes·k) for full weights, O(n·k + votes) for symmetric ones; parallel over rows.
    public func probabilities(_ matrix: LabelMatrix, maxThreads: Int? = nil) throws -> Matrix {
        guard matrix.lfCount == lfCount, matrix.cardinality == cardinality else {
            throw LabelModelsError.shapeMismatch(
                "the model was fitted on \(lfCount) LFs and \(cardinality) classes; the matrix has \(matrix.lfCount) LFs and \(matrix.cardinality) classes"
            )
        }
        let k = cardinality
        var output = Matrix(rows: matrix.rowCount, columns: k)
        var voteDelta: [Double] = []
        if case let .symmetric(agree, disagree) = weights {
            // logit_c = bias_c + Σ disagree_j + Σ (agree_j − disagree_j)·[l_j = c]; the middle term is per row.
            voteDelta = zip(agree, disagree).map { $0 - $1 }
        }
        let fullTable: [Double]
        let disagreement: [Double]
        let isFull: Bool
        switch weights {
        case let .full(table): (fullTable, disagreement, isFull) = (table, [], true)
        case let .symmetric(_, disagree): (fullTable, disagreement, isFull) = ([], disagree, false)
        }
        let bias = self.bias
        // Raw buffers hoisted out of the row loop; each row's logits are summed in the same order as before.
        output.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress
            fullTable.withUnsafeBufferPointer { w in
                disagreement.withUnsafeBufferPointer { disagree in
                    voteDelta.withUnsafeBufferPointer { delta in
                        bias.withUnsafeBufferPointer { bias in
                            matrix.withVoteBuffers { offsets, lfs, classes in
                                ParallelChunks.forEach(
                                    count: matrix.rowCount, chunkSize: 2048, maxThreads: maxThreads
                                ) { _, range in
                                    guard let outBase else { return }
                                    for row in range {
                                        let logits = outBase + row * k
                                        for c in 0..<k { logits[c] = bias[c] }
                                        let lower = offsets[row], upper = offsets[row + 1]
                                        if isFull {
                                            for index in lower..<upper {
                                                let base = (Int(lfs[index]) * k + Int(classes[index])) * k
                                                for c in 0..<k { logits[c] += w[base + c] }
                                            }
                                        } else {
                                            var shift = 0.0
                                            for index in lower..<upper {
                                                let j = Int(lfs[index])
                                                shift += disagree[j]
                                                logits[Int(classes[index])] += delta[j]
                                            }
                                            for c in 0..<k { logits[c] += shift }
                                        }
                                        Self.softmaxInPlace(logits, k)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    @inline(__always)
    static func softmaxInPlace(_ values: UnsafeMutablePointer<Double>, _ count: Int) {
        var largest = -Double.infinity
        for c in 0..<count where values[c] > largest { largest = values[c] }
        var total = 0.0
        for c in 0..<count {
            let e = exp(values[c] - largest)
            values[c] = e
            total += e
        }
        for c in 0..<count { values[c] /= total }
    }
}
