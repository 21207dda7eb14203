import Foundation

extension Constraint {
    /// Checks that the constraint is well formed: `mostly` and fractions within 0…1, bounds ordered, the regular
    /// expression compiles, lists non-empty, the repair applies to the kind.
    ///
    /// - Parameter source: the spec file (or a label) named in errors.
    /// - Throws: ``CleaningError/invalidSpec(source:constraint:field:reason:)`` naming constraint and field.
    public func validateDefinition(source: String = "<constraints>") throws {
        func fail(_ field: String, _ reason: String) -> CleaningError {
            .invalidSpec(source: source, constraint: name, field: field, reason: reason)
        }
        func fraction(_ value: Double?, _ field: String) throws {
            if let value, !(value >= 0 && value <= 1) { throw fail(field, "must be between 0 and 1, got \(value)") }
        }
        try fraction(mostly, "mostly")
        switch kind {
        case let .unique(columns):
            if columns.isEmpty { throw fail("columns", "needs at least one column") }
        case let .range(_, minimum, maximum):
            if let minimum, let maximum, minimum > maximum {
                throw fail("min", "minimum \(minimum) exceeds maximum \(maximum)")
            }
        case let .length(_, minimum, maximum):
            if let minimum, minimum < 0 { throw fail("min", "must not be negative") }
            if let minimum, let maximum, minimum > maximum {
                throw fail("min", "minimum \(minimum) exceeds maximum \(maximum)")
            }
        case let .matches(_, pattern):
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw fail("pattern", "invalid regular expression '\(pattern)'")
            }
        case let .allowedValues(_, values):
            if values.isEmpty { throw fail("values", "needs at least one value") }
        case let .functionalDependency(determinant, dependent):
            if determinant.isEmpty { throw fail("determinant", "needs at least one column") }
            if dependent.isEmpty { throw fail("dependent", "needs at least one column") }
        case let .denial(predicates):
            if !predicates.contains(where: { $0.relation == .notEqual }) {
                throw fail(
                    "predicates",
                    "needs at least one not_equal predicate (otherwise every pair of equal rows is denied)")
            }
        case let .rowPredicate(condition, requirement):
            if requirement.isEmpty { throw fail("require", "needs at least one comparison") }
            for comparison in condition + requirement {
                switch comparison.op {
                case .isNull, .isNotNull: break
                default:
                    if comparison.value == nil {
                        throw fail("value", "'\(comparison.op.rawValue)' on '\(comparison.column)' needs a value")
                    }
                }
            }
        case let .rowCount(minimum, maximum):
            if let minimum, let maximum, minimum > maximum {
                throw fail("min", "minimum \(minimum) exceeds maximum \(maximum)")
            }
        case let .classDistribution(_, bounds):
            if bounds.isEmpty { throw fail("bounds", "needs at least one class") }
            for bound in bounds {
                try fraction(bound.minimum, "bounds.\(bound.value).min")
                try fraction(bound.maximum, "bounds.\(bound.value).max")
            }
        case let .labeledFraction(_, minimum, _):
            try fraction(minimum, "min")
        case let .nearDuplicates(_, configuration):
            if !(configuration.threshold > 0 && configuration.threshold <= 1) {
                throw fail("threshold", "must be in (0, 1], got \(configuration.threshold)")
            }
            if configuration.shingleSize < 1 { throw fail("shingle_size", "must be at least 1") }
            if configuration.permutations < 2 || configuration.permutations > 1024 {
                throw fail("permutations", "must be in 2…1024")
            }
        case let .noPII(_, kinds):
            if kinds.isEmpty { throw fail("kinds", "needs at least one kind") }
        case .notNull, .parses, .validText: break
        }
        if let repair { try validateRepair(repair, fail: fail) }
    }

    private func validateRepair(_ repair: Repair, fail: (String, String) -> CleaningError) throws {
        switch repair {
        case .dropRow:
            if kind.isDatasetLevel, !isLabeledFraction { throw fail("repair", "drop_row needs a row-level constraint") }
        case .setNull, .impute, .standardize:
            if kind.targetColumn == nil { throw fail("repair", "\(repair.keyword) needs a single-column constraint") }
            if case let .standardize(steps) = repair, steps.isEmpty {
                throw fail("repair", "standardize needs at least one step")
            }
        case .redactPII:
            guard case .noPII = kind else { throw fail("repair", "redact_pii applies only to no_pii constraints") }
        case .keepFirst:
            switch kind {
            case .unique, .nearDuplicates: break
            default: throw fail("repair", "keep_first applies only to unique and near_duplicates constraints")
            }
        }
    }

    private var isLabeledFraction: Bool {
        if case .labeledFraction = kind { return true }
        return false
    }
}
