// The vocabulary of the ``ConstraintSet`` builder: one small struct per constraint kind, each a thin
// spelling of a ``ConstraintKind`` case (kept together because each is three lines).

/// The cell is not null.
public struct NotNull: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameter column: the column checked.
    public init(_ column: String) { constraint = Constraint(.notNull(column: column)) }
}

/// No row repeats an earlier row's values in the columns (later occurrences fail).
public struct Unique: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameter columns: one or more columns forming the key.
    public init(_ columns: String...) { constraint = Constraint(.unique(columns: columns)) }
}

/// The cell parses as a type.
public struct Parses: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the column; type: the type required.
    public init(_ column: String, as type: ValueType) { constraint = Constraint(.parses(column: column, type: type)) }
}

/// The cell is a number within bounds (inclusive).
public struct InRange: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the column; minimum/maximum: optional inclusive bounds.
    public init(_ column: String, minimum: Double? = nil, maximum: Double? = nil) {
        constraint = Constraint(.range(column: column, minimum: minimum, maximum: maximum))
    }
}

/// The cell's length in Unicode scalars is within bounds (inclusive).
public struct Length: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the column; minimum/maximum: optional inclusive bounds.
    public init(_ column: String, minimum: Int? = nil, maximum: Int? = nil) {
        constraint = Constraint(.length(column: column, minimum: minimum, maximum: maximum))
    }
}

/// The whole cell matches a regular expression.
public struct Matches: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the column; pattern: an ICU regular expression.
    public init(_ column: String, _ pattern: String) {
        constraint = Constraint(.matches(column: column, pattern: pattern))
    }
}

/// The cell is one of the allowed values.
public struct AllowedValues: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the column; values: the allowed values.
    public init(_ column: String, _ values: [String]) {
        constraint = Constraint(.allowedValues(column: column, values: values))
    }
}

/// Rows that agree on the determinant columns agree on the dependent columns.
public struct FunctionalDependency: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: determinant: the columns A; dependent: the columns B of A → B.
    public init(_ determinant: [String], _ dependent: [String]) {
        constraint = Constraint(.functionalDependency(determinant: determinant, dependent: dependent))
    }
}

/// No two rows satisfy all the pair predicates (HoloClean denial constraint).
public struct Denial: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameter predicates: e.g. `[PairPredicate("id", .equal), PairPredicate("label", .notEqual)]`.
    public init(_ predicates: [PairPredicate]) { constraint = Constraint(.denial(predicates: predicates)) }
}

/// Rows meeting every condition meet every requirement.
public struct RowCheck: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: condition: comparisons selecting rows (empty: all rows); requirement: what those rows satisfy.
    public init(if condition: [Comparison] = [], require requirement: [Comparison]) {
        constraint = Constraint(.rowPredicate(condition: condition, requirement: requirement))
    }
}

/// The table's row count is within bounds.
public struct RowCount: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: minimum/maximum: optional inclusive bounds.
    public init(minimum: Int? = nil, maximum: Int? = nil) {
        constraint = Constraint(.rowCount(minimum: minimum, maximum: maximum))
    }
}

/// Each class's share of a column is within bounds.
public struct ClassDistribution: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the label column; bounds: one bound per class of interest.
    public init(_ column: String, _ bounds: [ClassBound]) {
        constraint = Constraint(.classDistribution(column: column, bounds: bounds))
    }
}

/// At least a fraction of rows is labeled.
public struct LabeledFraction: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the label column; minimum: 0…1; unlabeled: values that mean "no label".
    public init(_ column: String, minimum: Double, unlabeled: [String] = []) {
        constraint = Constraint(.labeledFraction(column: column, minimum: minimum, unlabeled: unlabeled))
    }
}

/// Text without control characters (other than tab, LF, CR) or U+FFFD.
public struct ValidText: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the text column; rejectC1Controls: also fail on U+0080…U+009F.
    public init(_ column: String, rejectC1Controls: Bool = false) {
        constraint = Constraint(.validText(column: column, rejectC1Controls: rejectC1Controls))
    }
}

/// No row is a near-duplicate of an earlier row (MinHash + LSH).
public struct NearDuplicates: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the text column; configuration: threshold, shingles, permutations, seed.
    public init(_ column: String, configuration: NearDuplicateDetector.Configuration = .init()) {
        constraint = Constraint(.nearDuplicates(column: column, configuration: configuration))
    }
}

/// The text contains no personal data of the given kinds.
public struct NoPII: ConstraintComponent {
    /// The constraint value.
    public let constraint: Constraint
    /// - Parameters: column: the text column; kinds: what to detect (all kinds by default).
    public init(_ column: String, kinds: [PIIKind] = PIIKind.allCases) {
        constraint = Constraint(.noPII(column: column, kinds: kinds))
    }
}
