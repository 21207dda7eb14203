import Foundation

/// Proposes constraints from a ``TableProfile`` of clean data, as AWS Deequ's constraint suggestion does
/// (Schelter et al., "Automating Large-Scale Data Quality Verification", VLDB 2018), with rules for text added.
///
/// Rules, per column (``SuggestionRule``):
/// - `complete`: no null → `not_null`. `retain_completeness`: at least 20 % non-null → `not_null` with `mostly` at the
///   95 % lower confidence bound of the non-null share, rounded down to a percent.
/// - `type`: every value parses as integer, decimal, boolean, ISO date, URL or email → `parses`.
/// - `categorical_range`: a categorical non-numeric column → `allowed_values` with the values seen (`parses` is then
///   left out: the values imply the type).
/// - `numeric_range`: a numeric column → `range` from the smallest to the largest value seen, each side widened by
///   ``Configuration/rangeMargin`` of the span (never below 0 when no value is negative), rounded outward.
///   `non_negative`: a unique integer key (ids grow past any sample) → `range` with `min: 0` only, and no rule at all
///   when it has negative values.
/// - `unique`: every value distinct (integer and text-like columns, at least
///   ``Configuration/minimumValuesForUniqueness`` values) → `unique`, when the evidence carries to the whole table.
///   Uniqueness seen in a sample of n rows from N is weak evidence: a duplicate pair of the table survives into the
///   sample with probability about (n/N)², so a table with duplicates often yields a unique sample (the SMS
///   collection has 984 duplicate pairs, and a 200-row sample of it is unique 28 % of the time). So `unique` is
///   suggested when the whole table was profiled; for an integer column when n values drawn independently from
///   their span (max − min + 1) would repeat at least 3 times on average (the birthday test: distinct anyway means a
///   key, not luck); otherwise only when the 95 % bound on duplicate pairs a unique sample can hide, 3 · (N/n)², is
///   at most ``Configuration/maxUnseenDuplicateShare`` of the N rows. The same holds for `unique_rows`.
/// - For text columns (not categorical): `non_empty` → a `regex` requiring a non-whitespace character when no value
///   is empty; `text_length` → `length` (below); `valid_text` when no C0 control character, DEL or U+FFFD is seen (C1
///   controls are rejected too only when the sample is pure ASCII: C1 controls are how Windows-1252 punctuation looks
///   when mis-decoded, which comes with non-ASCII text — 35 of the 5,574 SMS messages have one, so a 500-row sample
///   without any proves little); `pattern` → `regex` when every value has the same shape.
/// - `unique_rows`: no row repeats another and no column got `unique` → `unique` over all columns.
///
/// **Text length.** The maximum is ``Configuration/maxLengthFactor`` × the longest text seen (2× by default): a
/// sample's longest text is close to the table's, so legitimate long texts rarely pass twice it, while a text blown up
/// past every length seen (a field swallowing the rows after it, repeated content) does. The minimum is Tukey's lower
/// fence on the logarithm of the length: Q1 · (Q1 / Q3)^k with the length quartiles Q1, Q3 and k =
/// ``Configuration/lengthFence`` (1.5), rounded down, and only when at least 2 and the sample has at least
/// ``Configuration/minimumValuesForLengthFence`` values. Lengths of free text are roughly log-normal, so the fence
/// separates texts cut to a few characters from the body of the distribution, at a known cost: the genuinely very
/// short texts below it ("Ok", "Yup") are flagged too. The suggestion records how many sampled values fall below its
/// minimum, so a reviewer sees the cost before accepting it.
public struct ConstraintSuggester: Sendable {
    /// Margins, fences and the minimum evidence of the rules.
    public struct Configuration: Sendable, Equatable, Codable {
        /// Share of a numeric column's span added below its minimum and above its maximum.
        public var rangeMargin: Double
        /// Tukey's k of the lower fence on the log-length that sets a text column's minimum length.
        public var lengthFence: Double
        /// A text column's maximum length is this multiple of the longest value seen.
        public var maxLengthFactor: Double
        /// Values needed before a minimum length is suggested (quartiles of fewer values say little).
        public var minimumValuesForLengthFence: Int
        /// Values needed before uniqueness is suggested.
        public var minimumValuesForUniqueness: Int
        /// Values needed before a shape is suggested as a `regex`.
        public var minimumValuesForPattern: Int
        /// The non-null share from which `retain_completeness` suggests a lower bound (Deequ: 0.2).
        public var retainCompletenessAbove: Double
        /// Uniqueness seen in a sample is suggested only when the duplicate pairs it may hide (95 % bound) are at most
        /// this share of the table's rows.
        public var maxUnseenDuplicateShare: Double

        /// Creates a configuration (defaults: margin 10 % of the span, fence k = 1.5, maximum length 2 × the
        /// longest seen, at least 20 values for a minimum length, 10 for uniqueness and shapes, completeness kept
        /// above 20 %).
        public init(
            rangeMargin: Double = 0.1, lengthFence: Double = 1.5, maxLengthFactor: Double = 2,
            minimumValuesForLengthFence: Int = 20, minimumValuesForUniqueness: Int = 10,
            minimumValuesForPattern: Int = 10, retainCompletenessAbove: Double = 0.2,
            maxUnseenDuplicateShare: Double = 0.01
        ) {
            self.maxUnseenDuplicateShare = maxUnseenDuplicateShare
            self.rangeMargin = rangeMargin
            self.lengthFence = lengthFence
            self.maxLengthFactor = maxLengthFactor
            self.minimumValuesForLengthFence = minimumValuesForLengthFence
            self.minimumValuesForUniqueness = minimumValuesForUniqueness
            self.minimumValuesForPattern = minimumValuesForPattern
            self.retainCompletenessAbove = retainCompletenessAbove
        }
    }

    /// The configuration.
    public var configuration: Configuration

    /// Creates a suggester.
    public init(configuration: Configuration = Configuration()) {
        precondition(configuration.rangeMargin >= 0, "the range margin must not be negative")
        precondition(configuration.lengthFence >= 0, "the length fence must not be negative")
        precondition(configuration.maxLengthFactor >= 1, "the maximum length factor must be at least 1")
        self.configuration = configuration
    }

    /// The constraints the profile suggests, column by column in the profile's order, then the row-level rules.
    ///
    /// - Parameter profile: a profile of clean rows.
    /// - Returns: suggestions with unique constraint names, each valid (``Constraint/validateDefinition(source:)``).
    /// - Complexity: O(columns).
    public func suggest(profile: TableProfile) -> [SuggestedConstraint] {
        var suggestions: [SuggestedConstraint] = []
        for column in profile.columns { suggestions += suggest(column: column, populationRows: profile.populationRows) }
        if profile.rows >= configuration.minimumValuesForUniqueness, profile.duplicateRows == 0,
            profile.columns.count > 1, !suggestions.contains(where: { $0.rule == .unique }),
            sampleUniquenessHolds(rows: profile.rows, population: profile.populationRows)
        {
            suggestions.append(
                SuggestedConstraint(
                    constraint: Constraint(.unique(columns: profile.columns.map(\.name))), rule: .uniqueRows,
                    column: nil,
                    reason: "no row of the \(profile.rows) profiled repeats another in every column, and no single "
                        + "column is unique",
                    figures: [SuggestionFigure("rows", Double(profile.rows)), SuggestionFigure("duplicate_rows", 0)]))
        }
        return suggestions
    }

    /// The suggestions about one column, in rule order.
    ///
    /// - Parameters:
    ///   - profile: the column's profile.
    ///   - populationRows: the rows of the table the profiled rows were drawn from (`nil`: the whole table).
    public func suggest(column profile: ColumnProfile, populationRows: Int? = nil) -> [SuggestedConstraint] {
        var out: [SuggestedConstraint] = []
        let name = profile.name
        let nonNull = profile.nonNullCount
        func add(
            _ kind: ConstraintKind, _ rule: SuggestionRule, named: String? = nil, mostly: Double? = nil,
            _ reason: String, _ figures: [(String, Double)]
        ) {
            out.append(
                SuggestedConstraint(
                    constraint: Constraint(kind, name: named, mostly: mostly), rule: rule, column: name,
                    reason: reason, figures: figures.map { SuggestionFigure($0.0, $0.1) }))
        }
        guard profile.rows > 0 else { return [] }

        // Completeness.
        let completeness = Double(nonNull) / Double(profile.rows)
        if profile.nullCount == 0 {
            add(
                .notNull(column: name), .complete, "no null in the \(profile.rows) profiled rows",
                [("rows", Double(profile.rows)), ("null_count", 0)])
        } else if completeness >= configuration.retainCompletenessAbove {
            let bound = completeness - 1.96 * (completeness * (1 - completeness) / Double(profile.rows)).squareRoot()
            let mostly = max(0, (bound * 100).rounded(.down) / 100)
            add(
                .notNull(column: name), .retainCompleteness, mostly: mostly,
                "\(Self.percent(completeness)) of the \(profile.rows) profiled rows are non-null; at least "
                    + "\(Self.percent(mostly)) (the 95 % lower confidence bound, rounded down) must stay so",
                [
                    ("rows", Double(profile.rows)), ("null_count", Double(profile.nullCount)),
                    ("completeness", completeness),
                ])
        }
        guard nonNull > 0 else { return out }

        let type = profile.inferredType
        let categoricalValues = profile.isCategorical && !type.isNumeric ? profile.values : nil
        let uniqueness = uniquenessEvidence(profile, population: max(populationRows ?? profile.rows, profile.rows))

        // Type and categorical range.
        if let values = categoricalValues, !values.isEmpty {
            add(
                .allowedValues(column: name, values: values.map(\.value)), .categoricalRange,
                "\(values.count) distinct value\(values.count == 1 ? "" : "s") in \(nonNull) non-null cells: "
                    + values.prefix(10).map { "\($0.value) (\($0.count))" }.joined(separator: ", ")
                    + (values.count > 10 ? ", …" : ""),
                [("distinct_count", Double(values.count)), ("non_null_count", Double(nonNull))])
        } else if let valueType = type.valueType {
            add(
                .parses(column: name, type: valueType), .type,
                "all \(nonNull) non-null values parse as \(valueType.rawValue)",
                [("non_null_count", Double(nonNull))])
        }

        // Numeric range.
        if type.isNumeric, let numeric = profile.numeric {
            let keyLike = type == .integer && uniqueness != nil
            if keyLike {
                if numeric.minimum >= 0 {
                    add(
                        .range(column: name, minimum: 0, maximum: nil), .nonNegative,
                        "a unique integer key (\(nonNull) distinct values, \(Self.number(numeric.minimum))…"
                            + "\(Self.number(numeric.maximum))) with no negative value: new keys may pass the "
                            + "sample's largest, so only the lower bound 0 is required",
                        [("minimum", numeric.minimum), ("maximum", numeric.maximum)])
                }
            } else {
                let (low, high) = rangeBounds(numeric, integer: type == .integer)
                add(
                    .range(column: name, minimum: low, maximum: high), .numericRange,
                    "values lie in \(Self.number(numeric.minimum))…\(Self.number(numeric.maximum)); widened by "
                        + "\(Self.percent(configuration.rangeMargin)) of the span on each side"
                        + (numeric.minimum >= 0 && low == 0 ? " (kept non-negative)" : ""),
                    [("minimum", numeric.minimum), ("maximum", numeric.maximum), ("margin", configuration.rangeMargin)])
            }
        }

        // Text rules.
        if type == .text, categoricalValues == nil {
            if profile.emptyCount == 0 {
                add(
                    .matches(column: name, pattern: Self.nonEmptyPattern), .nonEmpty, named: "not_empty(\(name))",
                    "no empty or whitespace-only value among \(nonNull) non-null values",
                    [("non_null_count", Double(nonNull)), ("empty_count", 0)])
            }
            if let lengths = profile.lengths { out += lengthSuggestion(profile, lengths) }
            let characters = profile.characters
            if characters.valuesWithControlCharacters == 0, characters.valuesWithReplacementCharacter == 0 {
                let c1 = characters.valuesWithC1Controls, nonASCII = characters.valuesWithNonASCII
                let rejectC1 = c1 == 0 && nonASCII == 0
                let c1Reason: String
                if rejectC1 {
                    c1Reason = "; the values are pure ASCII, so C1 controls are rejected too"
                } else if c1 > 0 {
                    c1Reason = "; \(c1) values have C1 controls, so those stay allowed"
                } else {
                    c1Reason =
                        "; \(nonASCII) values have non-ASCII characters, so C1 controls (mis-decoded Windows-1252) "
                        + "stay allowed"
                }
                add(
                    .validText(column: name, rejectC1Controls: rejectC1), .validText,
                    "no control character (C0 other than tab, LF, CR; DEL) or U+FFFD in \(nonNull) values" + c1Reason,
                    [
                        ("non_null_count", Double(nonNull)), ("values_with_c1_controls", Double(c1)),
                        ("values_with_non_ascii", Double(nonASCII)),
                    ])
            }
            if nonNull >= configuration.minimumValuesForPattern, profile.valuesWithoutPattern == 0,
                profile.distinctPatternCount == 1, let shape = profile.patterns.first
            {
                add(
                    .matches(column: name, pattern: shape.pattern), .pattern,
                    "all \(nonNull) values have the shape \(shape.pattern)", [("non_null_count", Double(nonNull))])
            }
        }

        // Uniqueness.
        if let uniqueness,
            type == .integer || type == .text || type == .email || type == .url || type == .date,
            categoricalValues == nil
        {
            add(.unique(columns: [name]), .unique, uniqueness.0, uniqueness.1)
        }
        return out
    }

    /// Why uniqueness seen in `profile` carries to the whole table, or `nil` when it does not (or was not seen).
    private func uniquenessEvidence(_ profile: ColumnProfile, population: Int) -> (String, [(String, Double)])? {
        let n = profile.nonNullCount
        guard profile.isUnique, n >= configuration.minimumValuesForUniqueness else { return nil }
        var figures: [(String, Double)] = [("non_null_count", Double(n)), ("population_rows", Double(population))]
        if population <= profile.rows {
            return ("all \(n) non-null values are distinct (the whole table was profiled)", figures)
        }
        if profile.inferredType == .integer, let numeric = profile.numeric {
            let span = numeric.maximum - numeric.minimum + 1
            let repeats = Double(n) * Double(n - 1) / (2 * span)
            figures.append(("expected_repeats_if_independent", repeats))
            if repeats >= 3 {
                return (
                    "all \(n) sampled values are distinct, though \(n) values drawn independently from their span of "
                        + "\(Self.number(span)) would repeat about \(String(format: "%.1f", repeats)) times: a key",
                    figures
                )
            }
        }
        let hidden = 3 * pow(Double(population) / Double(n), 2)
        figures.append(("hidden_duplicate_pairs_bound", hidden))
        guard sampleUniquenessHolds(rows: n, population: population) else { return nil }
        return (
            "all \(n) sampled values are distinct; a unique sample of \(n) from \(population) rows hides at most "
                + "\(String(format: "%.0f", hidden)) duplicate pairs (95 %), within "
                + "\(Self.percent(configuration.maxUnseenDuplicateShare)) of the rows",
            figures
        )
    }

    /// Whether a sample of `rows` without duplicates bounds the table's duplicates (95 %: 3 · (N/n)² pairs) within
    /// ``Configuration/maxUnseenDuplicateShare`` of its `population` rows.
    private func sampleUniquenessHolds(rows: Int, population: Int) -> Bool {
        guard population > rows else { return true }
        let hidden = 3 * pow(Double(population) / Double(rows), 2)
        return hidden <= configuration.maxUnseenDuplicateShare * Double(population)
    }

    /// Any text with a non-whitespace character (the `regex` of `non_empty`; matched against the whole cell).
    public static let nonEmptyPattern = "\\s*\\S[\\s\\S]*"

    /// The `text_length` suggestion of a text column.
    private func lengthSuggestion(_ profile: ColumnProfile, _ lengths: ColumnProfile.NumericSummary)
        -> [SuggestedConstraint]
    {
        let longest = lengths.maximum
        let maximum = Int((configuration.maxLengthFactor * longest).rounded(.up))
        var minimum: Int?
        var figures: [SuggestionFigure] = [
            SuggestionFigure("shortest", lengths.minimum), SuggestionFigure("longest", longest),
            SuggestionFigure("lower_quartile", lengths.lowerQuartile),
            SuggestionFigure("upper_quartile", lengths.upperQuartile),
            SuggestionFigure("max_length_factor", configuration.maxLengthFactor),
        ]
        var reason =
            "lengths \(Self.number(lengths.minimum))…\(Self.number(longest)) (quartiles "
            + "\(Self.number(lengths.lowerQuartile)), \(Self.number(lengths.upperQuartile))); max is "
            + "\(Self.number(configuration.maxLengthFactor)) × the longest seen"
        if lengths.count >= configuration.minimumValuesForLengthFence {
            let q1 = max(1, lengths.lowerQuartile), q3 = max(1, lengths.upperQuartile)
            let fence = q1 * pow(q1 / q3, configuration.lengthFence)
            figures.append(SuggestionFigure("log_length_fence", fence))
            let candidate = Int(fence.rounded(.down))
            if candidate >= 2 {
                minimum = candidate
                let below = profile.lengthsBelow(candidate)
                figures.append(SuggestionFigure("sample_values_below_min", Double(below)))
                reason +=
                    "; min is Tukey's fence on the log-length, Q1 · (Q1/Q3)^\(Self.number(configuration.lengthFence))"
                    + " = \(String(format: "%.2f", fence)), rounded down"
                    + (below > 0
                        ? " — \(below) sampled value\(below == 1 ? " is" : "s are") shorter and would be flagged"
                        : "")
            }
        }
        return [
            SuggestedConstraint(
                constraint: Constraint(.length(column: profile.name, minimum: minimum, maximum: maximum)),
                rule: .textLength, column: profile.name, reason: reason, figures: figures)
        ]
    }

    /// The bounds of a numeric range: the span widened by the margin on each side, rounded outward (to whole numbers
    /// for integers, else to three significant digits of the span), and not below 0 when no value is negative.
    private func rangeBounds(_ numeric: ColumnProfile.NumericSummary, integer: Bool) -> (Double, Double) {
        var span = numeric.maximum - numeric.minimum
        if span == 0 { span = max(abs(numeric.maximum), 1) }
        var low = numeric.minimum - configuration.rangeMargin * span
        var high = numeric.maximum + configuration.rangeMargin * span
        // Round outward on a grid of whole numbers (integers) or three significant digits of the span; a bound
        // within rounding error of a grid point (10.950000000000001) is that point.
        let scale = integer ? 1 : pow(10, Double(min(12, max(0, 2 - Int(log10(span).rounded(.down))))))
        func outward(_ value: Double, _ rule: FloatingPointRoundingRule) -> Double {
            let scaled = value * scale
            let nearest = scaled.rounded()
            return (abs(scaled - nearest) < 1e-6 ? nearest : scaled.rounded(rule)) / scale
        }
        low = outward(low, .down)
        high = outward(high, .up)
        if numeric.minimum >= 0 { low = max(0, low) }
        return (low, high)
    }

    static func percent(_ value: Double) -> String {
        let text = String(format: "%.1f", value * 100)
        return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + " %"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

extension ColumnProfile {
    /// Profiled values shorter than `length` scalars (exact up to ``ColumnProfile/shortLengthCounts``' range).
    func lengthsBelow(_ length: Int) -> Int { shortLengthCounts.prefix(max(0, length)).reduce(0, +) }
}
