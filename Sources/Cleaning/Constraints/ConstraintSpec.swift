import Foundation
import Yams

/// Reads a ``ConstraintSet`` from a YAML or JSON spec (JSON is read as YAML).
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
/// Kinds and their fields: `not_null` (column), `unique` (columns), `parses` (column, type: integer | decimal |
/// boolean | iso_date | url | email), `range` (column, min, max), `length` (column, min, max), `regex` (column,
/// pattern), `allowed_values` (column, values), `functional_dependency` (determinant, dependent), `denial`
/// (predicates), `row_predicate` (if, require: lists of {column, op, value}), `row_count` (min, max),
/// `class_distribution` (column, bounds: list of {value, min, max}), `labeled_fraction` (column, min, unlabeled),
/// `valid_text` (column, c1_controls), `near_duplicates` (column, threshold, shingle_size, permutations, seed), `no_pii`
/// (column, kinds). Every constraint also takes `name`, `severity` (error | warning), `mostly` and `repair`:
/// `drop_row`, `set_null`, `keep_first`, `{impute: mode | median | {constant: V}}`, `{standardize: [trim,
/// collapse_whitespace, lowercase, nfc]}`, `{redact_pii: mask | redact}`.
public enum ConstraintSpec {
    /// Loads and checks a spec file.
    ///
    /// - Throws: ``CleaningError/invalidInput(path:line:reason:)`` for an unreadable file or bad YAML;
    ///   ``CleaningError/invalidSpec(source:constraint:field:reason:)`` naming the file, constraint and field.
    public static func load(_ url: URL) throws -> ConstraintSet {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CleaningError.invalidInput(
                path: url.path, line: nil, reason: "cannot read the constraints file (\(error.localizedDescription))")
        }
        return try parse(text, source: url.path)
    }

    /// Parses and checks spec text; `source` names the file in errors.
    ///
    /// - Throws: see ``load(_:)``.
    public static func parse(_ text: String, source: String = "<spec>") throws -> ConstraintSet {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw CleaningError.invalidInput(path: source, line: nil, reason: "not valid YAML/JSON: \(error)")
        }
        guard let items = root?["constraints"]?.sequence else {
            throw CleaningError.invalidSpec(
                source: source, constraint: nil, field: "constraints",
                reason: "expected a top-level `constraints:` list")
        }
        var reader = SpecReader(source: source)
        let set = ConstraintSet(try items.enumerated().map { try reader.constraint($1, index: $0) })
        try set.validateDefinitions(source: source)
        return set
    }
}

/// Reads one constraint mapping; errors name the source, the constraint (its name or `#index`) and the field.
private struct SpecReader {
    let source: String
    var label = ""

    init(source: String) { self.source = source }

    func fail(_ field: String?, _ reason: String) -> CleaningError {
        .invalidSpec(source: source, constraint: label, field: field, reason: reason)
    }

    func string(_ node: Node?, _ field: String) throws -> String {
        guard let value = node?.scalar?.string else { throw fail(field, "expected a text value") }
        return value
    }

    func optionalString(_ map: Node, _ field: String) throws -> String? {
        guard let node = map[field] else { return nil }
        return try string(node, field)
    }

    func strings(_ map: Node, _ field: String) throws -> [String] {
        guard let node = map[field] else { throw fail(field, "is required") }
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else { throw fail(field, "expected a list of text values") }
        return try sequence.map { try string($0, field) }
    }

    func number(_ map: Node, _ field: String) throws -> Double? {
        guard let node = map[field] else { return nil }
        guard let text = node.scalar?.string, let value = Double(text) else { throw fail(field, "expected a number") }
        return value
    }

    func integer(_ map: Node, _ field: String) throws -> Int? {
        guard let node = map[field] else { return nil }
        guard let text = node.scalar?.string, let value = Int(text) else {
            throw fail(field, "expected a whole number")
        }
        return value
    }

    func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw fail(field, "is required") }
        return value
    }

    func enumValue<T: RawRepresentable & CaseIterable>(_ text: String, _ field: String, _: T.Type) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw fail(
                field,
                "unknown value '\(text)' (expected one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return value
    }

    mutating func constraint(_ map: Node, index: Int) throws -> Constraint {
        label = "#\(index + 1)"
        guard map.mapping != nil else { throw fail(nil, "expected a mapping with a `kind`") }
        if let name = map["name"]?.scalar?.string { label = name }
        let keyword = try string(map["kind"], "kind")
        let kind = try self.kind(keyword, map)
        if map["name"] == nil { label = kind.defaultName }
        var severity = Constraint.Severity.error
        if let text = try optionalString(map, "severity") {
            severity = try enumValue(text, "severity", Constraint.Severity.self)
        }
        let repair = try map["repair"].map { try self.repair($0) }
        let known = Set(["name", "kind", "severity", "mostly", "repair"]).union(Self.fields[keyword] ?? [])
        for key in map.mapping?.keys.compactMap({ $0.scalar?.string }) ?? [] where !known.contains(key) {
            throw fail(
                key,
                "unknown field for \(keyword) (expected: \((Self.fields[keyword] ?? []).sorted().joined(separator: ", ")))"
            )
        }
        return Constraint(
            kind, name: map["name"]?.scalar?.string, severity: severity, mostly: try number(map, "mostly"),
            repair: repair)
    }

    static let fields: [String: Set<String>] = [
        "not_null": ["column"], "unique": ["columns"], "parses": ["column", "type"], "range": ["column", "min", "max"],
        "length": ["column", "min", "max"], "regex": ["column", "pattern"], "allowed_values": ["column", "values"],
        "functional_dependency": ["determinant", "dependent"], "denial": ["predicates"],
        "row_predicate": ["if", "require"], "row_count": ["min", "max"], "class_distribution": ["column", "bounds"],
        "labeled_fraction": ["column", "min", "unlabeled"], "valid_text": ["column", "c1_controls"],
        "near_duplicates": ["column", "threshold", "shingle_size", "permutations", "seed"],
        "no_pii": ["column", "kinds"],
    ]

    func kind(_ keyword: String, _ map: Node) throws -> ConstraintKind {
        func column() throws -> String { try string(map["column"], "column") }
        switch keyword {
        case "not_null": return .notNull(column: try column())
        case "unique": return .unique(columns: try strings(map, "columns"))
        case "parses":
            return .parses(
                column: try column(), type: try enumValue(try string(map["type"], "type"), "type", ValueType.self))
        case "range":
            return .range(column: try column(), minimum: try number(map, "min"), maximum: try number(map, "max"))
        case "length":
            return .length(column: try column(), minimum: try integer(map, "min"), maximum: try integer(map, "max"))
        case "regex": return .matches(column: try column(), pattern: try string(map["pattern"], "pattern"))
        case "allowed_values": return .allowedValues(column: try column(), values: try strings(map, "values"))
        case "functional_dependency":
            return .functionalDependency(
                determinant: try strings(map, "determinant"), dependent: try strings(map, "dependent"))
        case "denial":
            guard let items = map["predicates"]?.sequence else {
                throw fail("predicates", "expected a list of {column, relation}")
            }
            return .denial(
                predicates: try items.map { item in
                    PairPredicate(
                        try string(item["column"], "predicates.column"),
                        try enumValue(
                            try string(item["relation"], "predicates.relation"), "predicates.relation",
                            PairPredicate.Relation.self))
                })
        case "row_predicate":
            return .rowPredicate(
                condition: try comparisons(map["if"], "if"), requirement: try comparisons(map["require"], "require"))
        case "row_count": return .rowCount(minimum: try integer(map, "min"), maximum: try integer(map, "max"))
        case "class_distribution":
            guard let items = map["bounds"]?.sequence else {
                throw fail("bounds", "expected a list of {value, min, max}")
            }
            return .classDistribution(
                column: try column(),
                bounds: try items.map { item in
                    ClassBound(
                        try string(item["value"], "bounds.value"), minimum: try number(item, "min"),
                        maximum: try number(item, "max"))
                })
        case "labeled_fraction":
            return .labeledFraction(
                column: try column(), minimum: try required(try number(map, "min"), "min"),
                unlabeled: map["unlabeled"] == nil ? [] : try strings(map, "unlabeled"))
        case "valid_text":
            let c1 =
                try optionalString(map, "c1_controls").map { text -> Bool in
                    guard let value = Bool(text) else { throw fail("c1_controls", "expected true or false") }
                    return value
                } ?? false
            return .validText(column: try column(), rejectC1Controls: c1)
        case "near_duplicates":
            var configuration = NearDuplicateDetector.Configuration()
            if let value = try number(map, "threshold") { configuration.threshold = value }
            if let value = try integer(map, "shingle_size") { configuration.shingleSize = value }
            if let value = try integer(map, "permutations") { configuration.permutations = value }
            if let value = try integer(map, "seed") {
                guard value >= 0 else { throw fail("seed", "must not be negative") }
                configuration.seed = UInt64(value)
            }
            return .nearDuplicates(column: try column(), configuration: configuration)
        case "no_pii":
            let kinds =
                map["kinds"] == nil
                ? PIIKind.allCases : try strings(map, "kinds").map { try enumValue($0, "kinds", PIIKind.self) }
            return .noPII(column: try column(), kinds: kinds)
        default:
            throw fail(
                "kind",
                "unknown constraint kind '\(keyword)' (expected one of: \(Self.fields.keys.sorted().joined(separator: ", ")))"
            )
        }
    }

    func comparisons(_ node: Node?, _ field: String) throws -> [Comparison] {
        guard let node else { return [] }
        guard let items = node.sequence else { throw fail(field, "expected a list of {column, op, value}") }
        return try items.map { item in
            let op = try enumValue(try string(item["op"], "\(field).op"), "\(field).op", Comparison.Operator.self)
            return Comparison(try string(item["column"], "\(field).column"), op, item["value"]?.scalar?.string)
        }
    }

    func repair(_ node: Node) throws -> Repair {
        if let word = node.scalar?.string {
            switch word {
            case "drop_row": return .dropRow
            case "set_null": return .setNull
            case "keep_first": return .keepFirst
            default:
                throw fail(
                    "repair",
                    "unknown repair '\(word)' (expected drop_row, set_null, keep_first, impute, standardize, redact_pii)"
                )
            }
        }
        guard let mapping = node.mapping, mapping.count == 1, let (key, value) = mapping.first,
            let word = key.scalar?.string
        else {
            throw fail("repair", "expected a repair name or a one-entry mapping such as {impute: mode}")
        }
        switch word {
        case "impute":
            if let text = value.scalar?.string {
                switch text {
                case "mode": return .impute(.mode)
                case "median": return .impute(.median)
                default: throw fail("repair.impute", "expected mode, median or {constant: VALUE}")
                }
            }
            guard let constant = value["constant"]?.scalar?.string else {
                throw fail("repair.impute", "expected mode, median or {constant: VALUE}")
            }
            return .impute(.constant(constant))
        case "standardize":
            let steps = value.sequence.map(Array.init) ?? [value]
            return .standardize(
                try steps.map {
                    try enumValue(try string($0, "repair.standardize"), "repair.standardize", StandardizeStep.self)
                })
        case "redact_pii":
            return .redactPII(
                try enumValue(try string(value, "repair.redact_pii"), "repair.redact_pii", PIIRedaction.self))
        default:
            throw fail(
                "repair",
                "unknown repair '\(word)' (expected drop_row, set_null, keep_first, impute, standardize, redact_pii)")
        }
    }
}
