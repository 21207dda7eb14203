/// What a ``Constraint`` checks.
public enum ConstraintKind: Sendable, Equatable, Hashable, Codable {
    // Column constraints (null cells are not evaluated, except by `notNull`).
    /// The cell is not null.
    case notNull(column: String)
    /// No row repeats an earlier row's values in `columns` (exact duplicates, by hash); later occurrences fail.
    case unique(columns: [String])
    /// The cell parses as `type`.
    case parses(column: String, type: ValueType)
    /// The cell is a number within `minimum…maximum` (either bound optional, both inclusive).
    case range(column: String, minimum: Double?, maximum: Double?)
    /// The cell has `minimum…maximum` Unicode scalars (either bound optional, both inclusive).
    case length(column: String, minimum: Int?, maximum: Int?)
    /// The whole cell matches the regular expression (ICU syntax).
    case matches(column: String, pattern: String)
    /// The cell is one of `values`.
    case allowedValues(column: String, values: [String])
    // Cross-row and cross-column.
    /// Rows that agree on `determinant` agree on `dependent` (A → B); every row of a conflicting group fails.
    case functionalDependency(determinant: [String], dependent: [String])
    /// HoloClean-style denial constraint: no two rows t1, t2 satisfy all `predicates` together.
    case denial(predicates: [PairPredicate])
    /// Rows satisfying every `condition` comparison must satisfy every `requirement` comparison.
    case rowPredicate(condition: [Comparison], requirement: [Comparison])
    // Dataset level.
    /// The table has `minimum…maximum` rows.
    case rowCount(minimum: Int?, maximum: Int?)
    /// Each listed class's share of the non-null values of `column` is within its bounds.
    case classDistribution(column: String, bounds: [ClassBound])
    /// At least `minimum` (0…1) of the rows have a non-null value in `column` that is not in `unlabeled`.
    case labeledFraction(column: String, minimum: Double, unlabeled: [String])
    // Text.
    /// The text has no C0 control characters other than tab, LF and CR, no DEL and no U+FFFD (left by invalid
    /// UTF-8); C1 controls (U+0080…U+009F, often mis-decoded Windows-1252 quotes) only when `rejectC1Controls`.
    case validText(column: String, rejectC1Controls: Bool)
    /// No row is a near-duplicate (estimated Jaccard ≥ `threshold` of character shingles) of an earlier row.
    case nearDuplicates(column: String, configuration: NearDuplicateDetector.Configuration)
    /// The text contains none of the personal-data `kinds`.
    case noPII(column: String, kinds: [PIIKind])

    /// The columns the constraint reads, with the spec field that names each.
    public var referencedColumns: [(field: String, column: String)] {
        switch self {
        case let .notNull(c), let .parses(c, _), let .range(c, _, _), let .length(c, _, _), let .matches(c, _),
            let .allowedValues(c, _), let .classDistribution(c, _), let .labeledFraction(c, _, _),
            let .validText(c, _), let .nearDuplicates(c, _), let .noPII(c, _):
            return [("column", c)]
        case let .unique(columns): return columns.map { ("columns", $0) }
        case let .functionalDependency(a, b): return a.map { ("determinant", $0) } + b.map { ("dependent", $0) }
        case let .denial(predicates): return predicates.map { ("predicates", $0.column) }
        case let .rowPredicate(condition, requirement):
            return condition.map { ("condition", $0.column) } + requirement.map { ("requirement", $0.column) }
        case .rowCount: return []
        }
    }

    /// The single column a column-level repair writes to, when there is one.
    public var targetColumn: String? {
        switch self {
        case let .notNull(c), let .parses(c, _), let .range(c, _, _), let .length(c, _, _), let .matches(c, _),
            let .allowedValues(c, _), let .validText(c, _), let .noPII(c, _):
            return c
        default: return nil
        }
    }

    /// Whether the constraint is about the whole table rather than individual rows.
    public var isDatasetLevel: Bool {
        switch self {
        case .rowCount, .classDistribution, .labeledFraction: return true
        default: return false
        }
    }

    /// The spec keyword of this kind (`not_null`, `unique`, …).
    public var keyword: String {
        switch self {
        case .notNull: return "not_null"
        case .unique: return "unique"
        case .parses: return "parses"
        case .range: return "range"
        case .length: return "length"
        case .matches: return "regex"
        case .allowedValues: return "allowed_values"
        case .functionalDependency: return "functional_dependency"
        case .denial: return "denial"
        case .rowPredicate: return "row_predicate"
        case .rowCount: return "row_count"
        case .classDistribution: return "class_distribution"
        case .labeledFraction: return "labeled_fraction"
        case .validText: return "valid_text"
        case .nearDuplicates: return "near_duplicates"
        case .noPII: return "no_pii"
        }
    }

    /// A readable default name such as `not_null(text)`.
    public var defaultName: String {
        let columns = referencedColumns.map(\.column)
        switch self {
        case let .functionalDependency(a, b):
            return "functional_dependency(\(a.joined(separator: ",")) -> \(b.joined(separator: ",")))"
        case let .parses(c, type): return "parses(\(c) as \(type.rawValue))"
        default:
            var seen = Set<String>()
            let unique = columns.filter { seen.insert($0).inserted }
            return unique.isEmpty ? keyword : "\(keyword)(\(unique.joined(separator: ",")))"
        }
    }
}

/// The types a cell can be required to parse as.
public enum ValueType: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// An optional sign and decimal digits.
    case integer
    /// A decimal number (optional sign, digits, optional fraction and exponent).
    case decimal
    /// `true`/`false`, `yes`/`no`, `1`/`0`, `t`/`f`, `y`/`n` (case-insensitive).
    case boolean
    /// An ISO 8601 calendar date `YYYY-MM-DD`, optionally followed by `T` and a time.
    case isoDate = "iso_date"
    /// An absolute `http`/`https`/`ftp` URL with a host.
    case url
    /// An email address `local@domain.tld`.
    case email
}

/// A comparison of one column of two rows t1 and t2 inside a ``ConstraintKind/denial(predicates:)``.
public struct PairPredicate: Sendable, Equatable, Hashable, Codable {
    /// How the two values are compared.
    public enum Relation: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// t1.column = t2.column
        case equal
        /// t1.column ≠ t2.column
        case notEqual = "not_equal"
    }
    /// The column compared.
    public var column: String
    /// The relation between t1's and t2's values.
    public var relation: Relation

    /// Creates a predicate `t1.column <relation> t2.column`.
    public init(_ column: String, _ relation: Relation) {
        self.column = column
        self.relation = relation
    }
}

/// A single-row comparison `column <op> value` used by ``ConstraintKind/rowPredicate(condition:requirement:)``.
public struct Comparison: Sendable, Equatable, Hashable, Codable {
    /// The comparison operator. Ordering operators compare numerically when both sides are numbers, else as text.
    public enum Operator: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
        /// Equal text.
        case equal = "=="
        /// Different text (null never compares).
        case notEqual = "!="
        /// Less than.
        case less = "<"
        /// Less than or equal.
        case lessOrEqual = "<="
        /// Greater than.
        case greater = ">"
        /// Greater than or equal.
        case greaterOrEqual = ">="
        /// The cell is null (`value` ignored).
        case isNull = "is_null"
        /// The cell is not null (`value` ignored).
        case isNotNull = "not_null"
        /// The cell contains `value` as a substring.
        case contains
    }
    /// The column read.
    public var column: String
    /// The operator.
    public var op: Operator
    /// The right-hand side (unused by the null tests).
    public var value: String?

    /// Creates a comparison `column <op> value`.
    public init(_ column: String, _ op: Operator, _ value: String? = nil) {
        self.column = column
        self.op = op
        self.value = value
    }
}

/// Bounds on one class's share of a column's non-null values.
public struct ClassBound: Sendable, Equatable, Hashable, Codable {
    /// The class value.
    public var value: String
    /// Lowest allowed share (0…1), if any.
    public var minimum: Double?
    /// Highest allowed share (0…1), if any.
    public var maximum: Double?

    /// Creates a bound on the share of `value`.
    public init(_ value: String, minimum: Double? = nil, maximum: Double? = nil) {
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
    }
}
