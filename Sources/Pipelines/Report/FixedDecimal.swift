import Foundation

/// printf's `%.Nf` for the report's numbers without Foundation's `String(format:)`, which costs microseconds a call on
/// Linux (half of a report's rendering went to it: a heat map writes a few hundred numbers). The result equals
/// `String(format: "%.Nf", value)`: a value whose scaled form lies too close to a rounding tie to decide in Double
/// arithmetic is handed to `String(format:)`.
enum FixedDecimal {
    private static let powers: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    /// `value` with `digits` (0 … 6) decimals, as `String(format: "%.<digits>f", value)` writes it.
    static func string(_ value: Double, digits: Int) -> String {
        guard digits >= 0, digits < powers.count, value.isFinite else {
            return String(format: "%.\(max(0, digits))f", value)
        }
        let scaled = abs(value) * powers[digits]
        let rounded = scaled.rounded(.toNearestOrEven)
        // The product above rounds once; near a tie (x.5) that rounding could decide the digit, so printf decides.
        guard scaled < 9e15, abs(abs(scaled - rounded) - 0.5) > 1e-6 else {
            return String(format: "%.\(digits)f", value)
        }
        let units = Int(rounded)
        let divisor = Int(powers[digits])
        var text = value.sign == .minus ? "-" : ""
        text += String(units / divisor)
        if digits > 0 {
            let fraction = String(units % divisor)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }

    /// Two lowercase hexadecimal digits of a byte (`%02x`), for colours.
    static func hexByte(_ value: Int) -> String {
        let byte = max(0, min(255, value))
        let digits = Array("0123456789abcdef")
        return String([digits[byte >> 4], digits[byte & 15]])
    }
}
