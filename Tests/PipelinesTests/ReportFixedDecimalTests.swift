import Foundation
import FoundryCore
import Testing

@testable import Pipelines

@Suite("Report number formatting")
struct ReportFixedDecimalTests {
    @Test("FixedDecimal writes what String(format: \"%.Nf\") writes, ties and signs included")
    func matchesPrintf() {
        var generator = SeededGenerator(seed: 7)
        var values: [Double] = [
            0, -0.0, 0.125, 0.375, 2.5, 3.5, -2.5, 1.005, 0.045, 99.95, 999_999.5, 1e15, -1e-9, 0.0049999, 12.345,
            1_234_567.891, .pi, -.pi, 1e-300,
        ]
        for _ in 0..<20_000 {
            let magnitude = Double(generator.next() % 12) - 6
            let mantissa = Double(generator.next() % 1_000_000_007) / 1_000_000_007
            let sign: Double = generator.next() % 3 == 0 ? -1 : 1
            values.append(sign * mantissa * pow(10, magnitude))
            // Exact halves at every scale: the ties printf breaks to even.
            values.append(sign * (Double(generator.next() % 100_000) + 0.5) / pow(10, Double(generator.next() % 4)))
        }
        for value in values {
            for digits in 0...4 {
                let expected = String(format: "%.\(digits)f", value)
                #expect(FixedDecimal.string(value, digits: digits) == expected, "\(value) with \(digits) digits")
            }
        }
        #expect(FixedDecimal.string(.nan, digits: 2) == String(format: "%.2f", Double.nan))
    }

    @Test("colours are written as two lowercase hex digits per channel, clamped")
    func hexBytes() {
        #expect(FixedDecimal.hexByte(0) == "00")
        #expect(FixedDecimal.hexByte(171) == "ab")
        #expect(FixedDecimal.hexByte(255) == "ff")
        #expect(FixedDecimal.hexByte(300) == "ff")
        #expect(FixedDecimal.hexByte(-4) == "00")
        #expect(SVGPlot.heatColor(0) == "#fff7ec")
        #expect(SVGPlot.heatColor(1) == "#99000d")
    }
}
