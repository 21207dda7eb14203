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
