import Testing

@testable import FoundryCore

@Suite struct SeededGeneratorTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func uniformAndGaussianMomentsAreRight() {
        var generator = SeededGenerator(seed: 7)
        let uniform = (0..<100_000).map { _ in generator.nextUnitDouble() }
        #expect(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(uniform.reduce(0, +) / 100_000 - 0.5) < 0.01)
        let gaussian = (0..<100_000).map { _ in generator.nextGaussian() }
        let mean = gaussian.reduce(0, +) / 100_000
        let variance = gaussian.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 100_000
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.02)
    }

    @Test func parallelChunksAreFixedAndCoverEverything() {
        #expect(ParallelChunks.ranges(count: 10, chunkSize: 4) == [0..<4, 4..<8, 8..<10])
        var seen = [Int](repeating: 0, count: 1000)
        seen.withUnsafeMutableBufferPointer { buffer in
            ParallelChunks.forEach(count: 1000, chunkSize: 64) { _, range in for i in range { buffer[i] += 1 } }
        }
        #expect(seen.allSatisfy { $0 == 1 })
    }

    @Test func cancellationFlagAndProgress() {
        let flag = CancellationFlag()
        #expect(!flag.isCancelled)
        flag.cancel()
        #expect(flag.isCancelled)
        #expect(Progress(completed: 5, total: 10).fraction == 0.5)
        #expect(Progress(completed: 5, total: nil).fraction == nil)
    }
}
