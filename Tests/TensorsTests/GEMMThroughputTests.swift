import Testing

@testable import Tensors

/// The GEMM yardstick benchmarks compare against: it must really multiply, count what it multiplied, and sum the
/// workers' rates.
@Suite struct GEMMThroughputTests {
    @Test func twoWorkersSideBySideComputeTheirProductsAndCountThem() {
        let measured = GEMMThroughput.measure(rows: 8, inner: 16, columns: 4, workers: 2, seconds: 0.01)
        // Ones times ones: every entry of every product is the inner dimension.
        #expect(measured.firstValue == 16)
        #expect(measured.workers == 2)
        #expect(measured.products >= 4)  // at least two timed products per worker
        #expect(measured.gflopsPerSecond.isFinite && measured.gflopsPerSecond > 0)
        // The rate cannot exceed the work done over the longest worker's time times the number of workers.
        let operations = 2.0 * 8 * 16 * 4 * Double(measured.products)
        #expect(measured.gflopsPerSecond * 1e9 >= operations / measured.seconds * 0.999)
    }

    @Test func degenerateSizesAreRaisedToOne() {
        let measured = GEMMThroughput.measure(rows: 0, inner: -3, columns: 0, workers: 0, seconds: 0)
        #expect(measured.rows == 1 && measured.inner == 1 && measured.columns == 1 && measured.workers == 1)
        #expect(measured.firstValue == 1)
        #expect(measured.products == 2)
    }
}
