import Foundation
import Tabular

/// Reads a ``ConstraintSet`` from a YAML or JSON spec.
///
/// ```yaml
/// constraints:
///   - kind: not_null
///     column: text
///   - kind: allowed_values
///     column: label
///     values: [ham, spam]
///     severity: warning
///     mostly: 0.99
///     repair: {standardize: [trim, lowercase]}
///   - kind: denial            # no two rows with equal id and different label
///     predicates: [{column: id, relation: equal}, {column: label, relation: not_equal}]
///   - kind: no_pii
///     column: text
///     kinds: [email, phone]
///     repair: {redact_pii: redact}
/// ```
///
/// Kinds and their keys: `not_null` (column), `unique` (columns), `parses` (column, type: integer | decimal |
/// boolean | iso_date | url | email), `range` (column, min, max), `length` (column, min, max), `regex` (column,
/// pattern), `allowed_values` (column, values), `functional_dependency` (determinant, dependent), `denial`
/// (predicates), `row_predicate` (if, require: lists of {column, op, value}), `row_count` (min, max),
/// `class_distribution` (column, bounds: list of {value, min, max}), `labeled_fraction` (column, min, unlabeled),
/// `valid_text` (column, c1_controls), `near_duplicates` (column, threshold, shingle_size, permutations, seed), `no_pii`
/// (column, kinds). Every constraint also takes `name`, `severity` (error | warning), `mostly` and `repair`:
/// `drop_row`, `set_null`, `keep_first`, `{impute: mode | median | {constant: V}}`, `{standardize: [trim,
/// collapse_whitespace, lowercase, nfc]}`, `{redact_pii: mask | redact}`. The reference page
/// `docs/reference/constraints.md` lists every key with its type and default.
///
/// Files are read by Tabular's ``SpecDocument`` under its ``SpecLimits``; every error in a file is a
/// ``TabularError/invalidSpec(path:line:key:reason:)`` naming the file, the line, the key path
/// (`constraints[2].column`) and the constraint.
public enum ConstraintSpec {
    /// The keys every constraint takes, beside its kind's keys.
    public static let commonKeys = ["kind", "name", "severity", "mostly", "repair"]

    /// The keys of each constraint kind.
    public static let kindKeys: [String: [String]] = [
        "not_null": ["column"], "unique": ["columns"], "parses": ["column", "type"], "range": ["column", "min", "max"],
        "length": ["column", "min", "max"], "regex": ["column", "pattern"], "allowed_values": ["column", "values"],
        "functional_dependency": ["determinant", "dependent"], "denial": ["predicates"],
        "row_predicate": ["if", "require"], "row_count": ["min", "max"], "class_distribution": ["column", "bounds"],
        "labeled_fraction": ["column", "min", "unlabeled"], "valid_text": ["column", "c1_controls"],
        "near_duplicates": ["column", "threshold", "shingle_size", "permutations", "seed"],
        "no_pii": ["column", "kinds"],
    ]

    /// Loads and checks a spec file (`.json` is strict JSON; anything else YAML, which includes JSON).
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - limits: the size, nesting and node-count limits the file is read under.
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)``, ``TabularError/invalidUTF8(path:line:)`` and
    ///   ``TabularError/invalidSpec(path:line:key:reason:)`` naming the line, key and constraint.
    public static func load(_ url: URL, limits: SpecLimits = .standard) throws -> ConstraintSet {
        try decode(try SpecDocument.load(url, limits: limits).root)
    }

    /// Parses and checks spec text; `source` names the file in errors.
    ///
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` naming the line, key and constraint.
    public static func parse(
        _ text: String, format: SpecFormat = .yaml, source: String = "<spec>", limits: SpecLimits = .standard
    ) throws -> ConstraintSet {
        try decode(try SpecDocument(parsing: text, format: format, source: source, limits: limits).root)
    }

    /// Reads and checks the constraints of a parsed document (for example a section of a larger spec).
    ///
    /// - Parameter root: a mapping with a `constraints` list.
    /// - Throws: ``TabularError/invalidSpec(path:line:key:reason:)`` naming the line, key and constraint.
    public static func decode(_ root: SpecNode) throws -> ConstraintSet {
        try root.checkKeys(["constraints"])
        var constraints: [Constraint] = []
        var firstLines: [String: Int] = [:]
        for (index, item) in try root.required("constraints").list().enumerated() {
            let constraint = try ConstraintSpecReader.constraint(item, index: index)
            let node = item.describing("constraint '\(constraint.name)'")
            if let earlier = firstLines[constraint.name] {
                throw (node["name"] ?? node).error(
                    "the constraint on line \(earlier) has the same name; give one a different `name`")
            }
            firstLines[constraint.name] = item.line
            do {
                try constraint.validateDefinition(source: root.source)
            } catch let CleaningError.invalidSpec(_, _, field?, reason) {
                // Place the definition error at the key it is about (`bounds.spam.min` is under `bounds`).
                let key = String(field.prefix { $0 != "." })
                throw node.error(key: node.keys.contains(key) ? key : field, reason)
            }
            constraints.append(constraint)
        }
        return ConstraintSet(constraints)
    }
}

/// Reads one constraint mapping into a ``Constraint``.
private enum ConstraintSpecReader {
    static func constraint(_ item: SpecNode, index: Int) throws -> Constraint {
        try item.requireMap()
        let name = try item.optional("name")?.nonEmptyString()
        let node = item.describing(name.map { "constraint '\($0)'" } ?? "constraint #\(index + 1)")
        let keyword = try node.required("kind").choice(of: ConstraintSpec.kindKeys.keys.sorted())
        try node.checkKeys(ConstraintSpec.commonKeys + (ConstraintSpec.kindKeys[keyword] ?? []))
        let kind = try self.kind(keyword, node)
        let named = node.describing("constraint '\(name ?? kind.defaultName)'")
        return Constraint(
            kind, name: name, severity: try named.optional("severity")?.choice(Constraint.Severity.self) ?? .error,
            mostly: try named.optional("mostly")?.double(), repair: try named.optional("repair").map(repair))
    }

    static func kind(_ keyword: String, _ node: SpecNode) throws -> ConstraintKind {
        func column() throws -> String { try node.required("column").string() }
        func strings(_ key: String) throws -> [String] { try node.required(key).strings(acceptingSingleValue: true) }
        func number(_ key: String) throws -> Double? { try node.optional(key)?.double() }
        func integer(_ key: String) throws -> Int? { try node.optional(key)?.int() }
        switch keyword {
        case "not_null": return .notNull(column: try column())
        case "unique": return .unique(columns: try strings("columns"))
        case "parses": return .parses(column: try column(), type: try node.required("type").choice(ValueType.self))
        case "range": return .range(column: try column(), minimum: try number("min"), maximum: try number("max"))
        case "length": return .length(column: try column(), minimum: try integer("min"), maximum: try integer("max"))
        case "regex": return .matches(column: try column(), pattern: try node.required("pattern").string())
        case "allowed_values": return .allowedValues(column: try column(), values: try strings("values"))
        case "functional_dependency":
            return .functionalDependency(determinant: try strings("determinant"), dependent: try strings("dependent"))
        case "denial":
            return .denial(
                predicates: try node.required("predicates").list().map { item in
                    try item.checkKeys(["column", "relation"])
                    return PairPredicate(
                        try item.required("column").string(),
                        try item.required("relation").choice(PairPredicate.Relation.self))
                })
        case "row_predicate":
            return .rowPredicate(
                condition: try comparisons(node.optional("if")), requirement: try comparisons(node.optional("require")))
        case "row_count": return .rowCount(minimum: try integer("min"), maximum: try integer("max"))
        case "class_distribution":
            return .classDistribution(
                column: try column(),
                bounds: try node.required("bounds").list().map { item in
                    try item.checkKeys(["value", "min", "max"])
                    return ClassBound(
                        try item.required("value").string(), minimum: try item.optional("min")?.double(),
                        maximum: try item.optional("max")?.double())
                })
        case "labeled_fraction":
            return .labeledFraction(
                column: try column(), minimum: try node.required("min").double(),
                unlabeled: try node.optional("unlabeled")?.strings(acceptingSingleValue: true) ?? [])
        case "valid_text":
            return .validText(
                column: try column(), rejectC1Controls: try node.optional("c1_controls")?.bool() ?? false)
        case "near_duplicates":
            var configuration = NearDuplicateDetector.Configuration()
            if let value = try number("threshold") { configuration.threshold = value }
            if let value = try integer("shingle_size") { configuration.shingleSize = value }
            if let value = try integer("permutations") { configuration.permutations = value }
            if let seed = try node.optional("seed") {
                let value = try seed.int()
                guard value >= 0 else { throw seed.error("must not be negative") }
                configuration.seed = UInt64(value)
            }
            return .nearDuplicates(column: try column(), configuration: configuration)
        case "no_pii":
            let kinds = try node.optional("kinds").map { list in
                try (list.kind == .list ? list.list() : [list]).map { try $0.choice(PIIKind.self) }
            }
            return .noPII(column: try column(), kinds: kinds ?? PIIKind.allCases)
        default:
            throw node.error(key: "kind", "unknown constraint kind '\(keyword)'")
        }
    }

    static func comparisons(_ node: SpecNode?) throws -> [Comparison] {
        guard let node else { return [] }
        return try node.list().map { item in
            try item.checkKeys(["column", "op", "value"])
            let value = try item.optional("value").map { value -> String in
                guard let text = value.scalarText else {
                    throw value.error("expected a text value, found \(value.kind.phrase)")
                }
                return text
            }
            return Comparison(
                try item.required("column").string(), try item.required("op").choice(Comparison.Operator.self), value)
        }
    }

    static let repairWords = ["drop_row", "set_null", "keep_first", "impute", "standardize", "redact_pii"]

    static func repair(_ node: SpecNode) throws -> Repair {
        if node.kind == .scalar {
            switch try node.choice(of: repairWords) {
            case "drop_row": return .dropRow
            case "set_null": return .setNull
            case "keep_first": return .keepFirst
            default: throw node.error("'\(try node.string())' takes a setting: write {\(try node.string()): …}")
            }
        }
        guard node.kind == .map, node.keys.count == 1, let entry = try node.entries().first else {
            throw node.error("expected a repair name or a one-entry mapping such as {impute: mode}")
        }
        let value = entry.value
        switch entry.key {
        case "impute":
            if value.kind == .map {
                try value.checkKeys(["constant"])
                return .impute(.constant(try value.required("constant").string()))
            }
            switch try value.choice(of: ["mode", "median"]) {
            case "mode": return .impute(.mode)
            default: return .impute(.median)
            }
        case "standardize":
            let steps = value.kind == .list ? try value.list() : [value]
            return .standardize(try steps.map { try $0.choice(StandardizeStep.self) })
        case "redact_pii":
            return .redactPII(try value.choice(PIIRedaction.self))
        default:
            throw node.error(
                key: entry.key,
                "unknown repair '\(entry.key)'; valid repairs: \(repairWords.joined(separator: ", "))")
        }
    }
}
