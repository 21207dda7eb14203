/// The shape of a short value: its runs of upper-case ASCII letters, lower-case ASCII letters, digits, whitespace
/// and other letters, with every other character kept literally (`AB-1234` has the runs `[A-Z]`×2, `-`, `[0-9]`×4).
///
/// Values with the same sequence of run classes (the ``skeleton``) merge into one ``ShapeAccumulator`` that keeps the
/// shortest and longest run at each place, and so becomes a regular expression such as `[A-Z]{2}-[0-9]{3,4}`.
struct ValueShape: Hashable {
    /// One token per run: a character class (`[A-Z]`) or an escaped literal character.
    var skeleton: [String]
    /// The length of each run.
    var runs: [Int]

    /// The shape of `value`, or `nil` when it is longer than `maxLength` scalars or has more than `maxRuns` runs.
    init?(_ value: String, maxLength: Int, maxRuns: Int) {
        var skeleton: [String] = []
        var runs: [Int] = []
        var length = 0
        for scalar in value.unicodeScalars {
            length += 1
            if length > maxLength { return nil }
            let token = Self.token(scalar)
            if skeleton.last == token {
                runs[runs.count - 1] += 1
            } else {
                if skeleton.count == maxRuns { return nil }
                skeleton.append(token)
                runs.append(1)
            }
        }
        self.skeleton = skeleton
        self.runs = runs
    }

    /// The class token of one scalar.
    static func token(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x41...0x5A: return "[A-Z]"
        case 0x61...0x7A: return "[a-z]"
        case 0x30...0x39: return "[0-9]"
        case 0x20, 0x09, 0x0A, 0x0D: return "\\s"
        default:
            if scalar.properties.isAlphabetic, scalar.value > 0x7F { return "\\p{L}" }
            return literal(scalar)
        }
    }

    /// `scalar` as a regular-expression literal: metacharacters escaped, controls and invisible characters as
    /// `\x{…}`.
    static func literal(_ scalar: Unicode.Scalar) -> String {
        if "\\^$.|?*+()[]{}".unicodeScalars.contains(scalar) { return "\\" + String(scalar) }
        if scalar.value < 0x20 || (0x7F...0xA0).contains(scalar.value) || scalar.properties.isWhitespace
            || scalar.properties.generalCategory == .format
        {
            return "\\x{" + String(scalar.value, radix: 16, uppercase: true) + "}"
        }
        return String(scalar)
    }
}

/// Values of one skeleton merged: how many, and the shortest and longest run at each place.
struct ShapeAccumulator {
    var count = 1
    var shortest: [Int]
    var longest: [Int]

    /// Starts with one value.
    init(_ shape: ValueShape) {
        shortest = shape.runs
        longest = shape.runs
    }

    /// Merges another value of the same skeleton.
    mutating func add(_ shape: ValueShape) {
        count += 1
        for index in shape.runs.indices {
            shortest[index] = min(shortest[index], shape.runs[index])
            longest[index] = max(longest[index], shape.runs[index])
        }
    }

    /// The regular expression matching every value merged (and values with run lengths in between).
    func pattern(_ skeleton: [String]) -> String {
        var out = ""
        for (index, token) in skeleton.enumerated() {
            out += token
            let low = shortest[index], high = longest[index]
            if low == high {
                if low > 1 { out += "{\(low)}" }
            } else {
                out += "{\(low),\(high)}"
            }
        }
        return out
    }
}
