import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

struct VotePatternsTests {
    /// A posterior with unequal weights per LF and class, so that every pattern has its own numbers.
    func posterior(lfs: Int, classes: Int, seed: UInt64) -> VotePosterior {
        var random = SeededGenerator(seed: seed)
        let weights = (0..<(lfs * classes * classes)).map { _ in Double.random(in: -2...2, using: &random) }
        let bias = (0..<classes).map { _ in Double.random(in: -1...1, using: &random) }
        return VotePosterior(lfCount: lfs, cardinality: classes, bias: bias, weights: .full(weights))
    }

    @Test("per-pattern posteriors copied to their rows equal the per-row posteriors bit for bit")
    func expandedPatternsEqualRows() throws {
        // Few LFs at low coverage: many rows share a pattern (and many have none).
        let matrix = randomLabelMatrix(rows: 3_000, lfs: 4, cardinality: 3, coverage: 0.3, seed: 5)
        let patterns = try #require(VotePatterns(matrix))
        // Each of 4 LFs abstains or votes one of 3 classes: at most 4⁴ = 256 patterns.
        #expect(patterns.unique.rowCount <= 256 && patterns.patternOfRow.count == matrix.rowCount)
        let model = posterior(lfs: 4, classes: 3, seed: 2)
        let direct = try model.probabilities(matrix)
        let viaPatterns = patterns.expand(try model.probabilities(patterns.unique))
        #expect(viaPatterns.storage == direct.storage)
        // Each pattern row is a real row of the matrix, with its votes in order.
        for (row, pattern) in patterns.patternOfRow.enumerated().prefix(200) {
            #expect(patterns.unique.rows([pattern]).denseVotes() == matrix.rows([row]).denseVotes())
        }
    }

    @Test("mostly distinct rows are not deduplicated")
    func distinctRowsAreLeftAlone() {
        let matrix = randomLabelMatrix(rows: 2_000, lfs: 60, cardinality: 2, coverage: 0.5, seed: 3)
        #expect(VotePatterns(matrix) == nil)
    }

    @Test("Dawid–Skene fitted through patterns equals the per-row fit up to rounding")
    func dawidSkeneUnchanged() throws {
        let matrix = randomLabelMatrix(rows: 2_500, lfs: 5, cardinality: 2, coverage: 0.4, seed: 12)
        #expect(VotePatterns(matrix) != nil)
        var throughPatterns = DawidSkene()
        try throughPatterns.fit(matrix, options: FitOptions(classBalance: .estimated))
        var perRow = DawidSkene()
        try perRow.fit(matrix, options: FitOptions(classBalance: .estimated), usesVotePatterns: false)
        #expect(throughPatterns.iterations == perRow.iterations && throughPatterns.iterations > 1)
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 }
        }
        #expect(close(throughPatterns.classBalance, perRow.classBalance))
        for (a, b) in zip(throughPatterns.lfParameters, perRow.lfParameters) {
            #expect(close(a.confusion?.storage ?? [], b.confusion?.storage ?? []) && a.confusion != nil)
        }
        let patternProbabilities = try throughPatterns.predictProbabilities(matrix).storage
        #expect(close(patternProbabilities, try perRow.predictProbabilities(matrix).storage))
        // Hard labels are the same on every row.
        #expect(try throughPatterns.predict(matrix) == perRow.predict(matrix))
    }
}

extension VotePatterns {
    /// The per-row matrix from per-pattern rows (what the E-step's per-pattern results stand for).
    func expand(_ perPattern: Matrix) -> Matrix {
        let k = perPattern.columns
        var output = Matrix(rows: patternOfRow.count, columns: k)
        output.withUnsafeMutableBufferPointer { out in
            perPattern.withUnsafeBufferPointer { source in
                for (row, pattern) in patternOfRow.enumerated() {
                    for c in 0..<k { out[row * k + c] = source[pattern * k + c] }
                }
            }
        }
        return output
    }
}
