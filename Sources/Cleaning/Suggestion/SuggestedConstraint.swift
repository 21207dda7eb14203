/// A constraint proposed from a profile, with the rule that proposed it, why, and the profile figures it came from.
public struct SuggestedConstraint: Sendable, Equatable, Codable {
    /// The proposed constraint; its name is unique among one suggester's suggestions and identifies the suggestion
    /// in review decisions.
    public var constraint: Constraint
    /// The rule that proposed it.
    public var rule: SuggestionRule
    /// The column it is about (`nil` for a rule about whole rows).
    public var column: String?
    /// Why, in words, with the figures that led to it.
    public var reason: String
    /// The profile figures the rule read, by name (`null_count`, `longest`, …).
    public var figures: [SuggestionFigure]

    /// Creates a suggestion.
    public init(
        constraint: Constraint, rule: SuggestionRule, column: String?, reason: String, figures: [SuggestionFigure]
    ) {
        self.constraint = constraint
        self.rule = rule
        self.column = column
        self.reason = reason
        self.figures = figures
    }

    /// The suggestion's identity in review decisions: the constraint's name.
    public var id: String { constraint.name }

    /// The value of the figure called `name`, if the rule recorded it.
    public func figure(_ name: String) -> Double? { figures.first { $0.name == name }?.value }
}

/// One number a suggestion rule read from the profile (or derived from it).
public struct SuggestionFigure: Sendable, Equatable, Codable {
    /// What the number is (`rows`, `null_count`, `lower_quartile`, …).
    public var name: String
    /// The number.
    public var value: Double

    /// Creates a figure.
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// The rules of ``ConstraintSuggester`` (AWS Deequ's suggestion rules, adapted; the last five are Foundry's).
public enum SuggestionRule: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// No null in the sample: `not_null` (Deequ's `CompleteIfCompleteRule`).
    case complete
    /// Some nulls: `not_null` with `mostly` at the 95 % lower confidence bound of the non-null share (Deequ's
    /// `RetainCompletenessRule`).
    case retainCompleteness = "retain_completeness"
    /// Every value parses as one type: `parses` (Deequ's `RetainTypeRule`).
    case type
    /// Few distinct values: `allowed_values` (Deequ's `CategoricalRangeRule`).
    case categoricalRange = "categorical_range"
    /// A numeric column: `range` widened by a margin of the sample's span (Deequ's `NonNegativeNumbersRule`,
    /// extended to both bounds).
    case numericRange = "numeric_range"
    /// A unique integer key with no negative value: `range` with `min: 0` only (Deequ's `NonNegativeNumbersRule`).
    case nonNegative = "non_negative"
    /// Every value distinct: `unique` (Deequ's `UniqueIfApproximatelyUniqueRule`, exact in the sample).
    case unique
    /// No empty or whitespace-only text: a `regex` requiring a non-space character.
    case nonEmpty = "non_empty"
    /// Text lengths: `length` between Tukey's fence on the log-length and a multiple of the longest seen.
    case textLength = "text_length"
    /// No control character seen: `valid_text`.
    case validText = "valid_text"
    /// Every value has one shape: `regex`.
    case pattern
    /// No row repeats another in every column, and no single column is unique: `unique` over all columns.
    case uniqueRows = "unique_rows"
}
