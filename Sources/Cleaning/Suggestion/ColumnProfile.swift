/// What one column of a table looks like, as AWS Deequ's column profiler describes it: the inferred type, how many
/// cells are null or empty, how many distinct values there are, numeric ranges, text lengths, the allowed-value set
/// when the column is categorical, the characters seen and the common shapes of the values.
///
/// Built by ``TableProfile/profile(_:configuration:)-(CleaningTable,_)``; ``ConstraintSuggester`` turns profiles into
/// suggested constraints. Every figure counts the cells of the profiled rows (a sample, or the whole table).
public struct ColumnProfile: Sendable, Equatable, Codable {
    /// The column's name.
    public var name: String
    /// Cells profiled (the table's rows).
    public var rows: Int
    /// Null cells (empty cells of CSV/TSV, `null` or a missing key in JSONL).
    public var nullCount: Int
    /// Non-null cells that are empty or only whitespace.
    public var emptyCount: Int
    /// `nullCount / rows` (0 for a table without rows).
    public var nullRate: Double
    /// `emptyCount / rows` (0 for a table without rows).
    public var emptyRate: Double
    /// Distinct non-null values (exact text).
    public var distinctCount: Int
    /// `distinctCount` divided by the non-null cells (0 when every cell is null).
    public var distinctRatio: Double
    /// Non-null cells that repeat an earlier cell's value.
    public var duplicateCount: Int
    /// Whether every non-null value occurs once (and there is at least one).
    public var isUnique: Bool
    /// The narrowest type every non-null value parses as.
    public var inferredType: InferredType
    /// How many non-null values parse as each type.
    public var typeCounts: TypeCounts
    /// Minimum, maximum, mean, standard deviation and quantiles of the values, for integer and fractional columns.
    public var numeric: NumericSummary?
    /// Lengths of the non-null values in Unicode scalars (what the `length` constraint counts); `nil` when every cell
    /// is null.
    public var lengths: NumericSummary?
    /// How many non-null values have each length 0, 1, …, ``shortLengthLimit`` − 1 (the short end, where a text cut
    /// to a few characters lands, counted exactly).
    public var shortLengthCounts: [Int]
    /// Whether the column has few distinct values relative to its rows (see ``TableProfile/Configuration``).
    public var isCategorical: Bool
    /// The allowed-value set with counts, most frequent first (ties in text order), when the column is categorical.
    public var values: [ValueCount]?
    /// Control characters, replacement characters and character classes seen.
    public var characters: CharacterSummary
    /// The most common shapes of the values (runs of capitals, lower-case letters, digits, whitespace; other
    /// characters literally), most frequent first.
    public var patterns: [PatternCount]
    /// Distinct shapes among values short enough to have one (see ``TableProfile/Configuration/maxPatternLength``).
    public var distinctPatternCount: Int
    /// Non-null values longer than ``TableProfile/Configuration/maxPatternLength``, which get no shape.
    public var valuesWithoutPattern: Int

    /// The lengths counted one by one in ``shortLengthCounts``.
    public static let shortLengthLimit = 32

    /// Non-null cells.
    public var nonNullCount: Int { rows - nullCount }

    /// The type a column's values all parse as; the first that fits in this order: integer, fractional, boolean,
    /// date, url, email, text (`unknown` when every cell is null).
    public enum InferredType: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// An optional sign and digits (``ValueType/integer``).
        case integer
        /// A decimal number with a fraction or exponent (``ValueType/decimal``).
        case fractional
        /// `true`/`false`, `yes`/`no`, `t`/`f`, `y`/`n` in any case (``ValueType/boolean``; a column of `0` and `1` is
        /// integer).
        case boolean
        /// An ISO 8601 date, optionally with a time (``ValueType/isoDate``).
        case date
        /// An absolute http, https or ftp URL (``ValueType/url``).
        case url
        /// An email address (``ValueType/email``).
        case email
        /// Anything else.
        case text
        /// No non-null value to judge by.
        case unknown

        /// The ``ValueType`` a `parses` constraint checks for this type, if any.
        public var valueType: ValueType? {
            switch self {
            case .integer: return .integer
            case .fractional: return .decimal
            case .boolean: return .boolean
            case .date: return .isoDate
            case .url: return .url
            case .email: return .email
            case .text, .unknown: return nil
            }
        }

        /// Whether values of this type are numbers.
        public var isNumeric: Bool { self == .integer || self == .fractional }
    }

    /// How many non-null values parse as each type (a value can count for several).
    public struct TypeCounts: Sendable, Equatable, Codable {
        /// Values that parse as integers.
        public var integer: Int
        /// Values that parse as decimal numbers (integers included).
        public var fractional: Int
        /// Values that are boolean words (`1` and `0` included).
        public var boolean: Int
        /// Values that are ISO 8601 dates.
        public var date: Int
        /// Values that are URLs.
        public var url: Int
        /// Values that are email addresses.
        public var email: Int

        /// Creates counts.
        public init(
            integer: Int = 0, fractional: Int = 0, boolean: Int = 0, date: Int = 0, url: Int = 0, email: Int = 0
        ) {
            self.integer = integer
            self.fractional = fractional
            self.boolean = boolean
            self.date = date
            self.url = url
            self.email = email
        }
    }

    /// Summary statistics of a list of numbers (values or lengths).
    ///
    /// Quantiles are nearest-rank: the value at position `round(p × (n − 1))` of the sorted list, so they are always
    /// observed values and commute with monotone transforms (the quantile of the logarithms is the logarithm of the
    /// quantile).
    public struct NumericSummary: Sendable, Equatable, Codable {
        /// Numbers summarized.
        public var count: Int
        /// Smallest.
        public var minimum: Double
        /// Largest.
        public var maximum: Double
        /// Arithmetic mean.
        public var mean: Double
        /// Population standard deviation.
        public var standardDeviation: Double
        /// The 1st percentile.
        public var percentile1: Double
        /// The 25th percentile.
        public var lowerQuartile: Double
        /// The 50th percentile.
        public var median: Double
        /// The 75th percentile.
        public var upperQuartile: Double
        /// The 99th percentile.
        public var percentile99: Double

        /// Summarizes `numbers`; `nil` when there are none.
        ///
        /// - Complexity: O(n log n) for the sort.
        public init?(_ numbers: [Double]) {
            guard !numbers.isEmpty else { return nil }
            let sorted = numbers.sorted()
            func quantile(_ p: Double) -> Double { sorted[Int((p * Double(sorted.count - 1)).rounded())] }
            count = sorted.count
            minimum = sorted[0]
            maximum = sorted[sorted.count - 1]
            mean = sorted.reduce(0, +) / Double(sorted.count)
            let mean = self.mean
            standardDeviation = (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sorted.count))
                .squareRoot()
            percentile1 = quantile(0.01)
            lowerQuartile = quantile(0.25)
            median = quantile(0.5)
            upperQuartile = quantile(0.75)
            percentile99 = quantile(0.99)
        }
    }

    /// A value and how many cells hold it.
    public struct ValueCount: Sendable, Equatable, Codable {
        /// The value.
        public var value: String
        /// Cells holding it.
        public var count: Int

        /// Creates a count.
        public init(value: String, count: Int) {
            self.value = value
            self.count = count
        }
    }

    /// A value shape (an anchored ICU regular expression) and how many values have it.
    public struct PatternCount: Sendable, Equatable, Codable {
        /// The shape as a regular expression with the run lengths seen, e.g. `[A-Z]{2}-[0-9]{3,4}`.
        public var pattern: String
        /// Values of this shape.
        public var count: Int

        /// Creates a count.
        public init(pattern: String, count: Int) {
            self.pattern = pattern
            self.count = count
        }
    }

    /// Which characters the non-null values contain; each figure counts values, not characters.
    public struct CharacterSummary: Sendable, Equatable, Codable {
        /// Values with a C0 control character other than tab, line feed and carriage return, or DEL.
        public var valuesWithControlCharacters: Int
        /// Values with a C1 control character (U+0080…U+009F, often mis-decoded Windows-1252 punctuation).
        public var valuesWithC1Controls: Int
        /// Values with U+FFFD (left by invalid UTF-8).
        public var valuesWithReplacementCharacter: Int
        /// The control characters seen, as `U+0007`, sorted (at most 32 listed).
        public var controlCharactersSeen: [String]
        /// Values with a line break (LF or CR).
        public var valuesWithLineBreaks: Int
        /// Values with leading or trailing whitespace.
        public var valuesWithSurroundingWhitespace: Int
        /// Values with at least one digit.
        public var valuesWithDigits: Int
        /// Values with a run of at least 5 digits (phone numbers, codes, amounts).
        public var valuesWithLongDigitRuns: Int
        /// Values with letters, none of them lower-case ("ALL CAPS").
        public var valuesAllUppercase: Int
        /// Values with a character outside ASCII.
        public var valuesWithNonASCII: Int

        /// Creates an empty summary.
        public init() {
            valuesWithControlCharacters = 0
            valuesWithC1Controls = 0
            valuesWithReplacementCharacter = 0
            controlCharactersSeen = []
            valuesWithLineBreaks = 0
            valuesWithSurroundingWhitespace = 0
            valuesWithDigits = 0
            valuesWithLongDigitRuns = 0
            valuesAllUppercase = 0
            valuesWithNonASCII = 0
        }
    }
}
