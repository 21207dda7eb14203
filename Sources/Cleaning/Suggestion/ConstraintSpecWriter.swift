/// Writes a ``ConstraintSet`` as a YAML constraint spec that ``ConstraintSpec/parse(_:format:source:limits:)`` reads
/// back equal: every kind, key, severity, `mostly` and repair of `docs/reference/constraints.md`.
///
/// Text is written double-quoted with YAML escapes (so values such as `"yes"`, `"0"` or `"null"` stay text and
/// control characters survive); numbers in Swift's shortest round-tripping form; a name only when it differs from
/// the kind's default name.
public enum ConstraintSpecWriter {
    /// The spec text of `set`.
    ///
    /// - Parameter set: the constraints.
    /// - Returns: YAML with one `constraints` list.
    public static func yaml(_ set: ConstraintSet) -> String {
        yaml(set.constraints.map { ($0, nil) }, header: nil)
    }

    /// The spec text of suggestions, each preceded by a comment with its rule and reason.
    ///
    /// - Parameters:
    ///   - suggestions: the suggested constraints, in order.
    ///   - header: comment lines put at the top of the file (without `#`).
    /// - Returns: YAML with one `constraints` list.
    public static func yaml(_ suggestions: [SuggestedConstraint], header: [String] = []) -> String {
        yaml(suggestions.map { ($0.constraint, "\($0.rule.rawValue): \($0.reason)") }, header: header)
    }

    /// The YAML mapping of one constraint, as an item of a `constraints` list (`  - kind: …` lines).
    ///
    /// - Parameter constraint: the constraint.
    /// - Returns: the lines, each ending in a line break.
    public static func item(_ constraint: Constraint) -> String {
        var entries: [(String, String)] = [("kind", constraint.kind.keyword)]
        if constraint.name != constraint.kind.defaultName { entries.append(("name", quoted(constraint.name))) }
        entries += kindEntries(constraint.kind)
        if constraint.severity != .error { entries.append(("severity", constraint.severity.rawValue)) }
        if let mostly = constraint.mostly { entries.append(("mostly", number(mostly))) }
        if let repair = constraint.repair { entries.append(("repair", self.repair(repair))) }
        var out = ""
        for (index, (key, value)) in entries.enumerated() {
            out += (index == 0 ? "  - " : "    ") + key + ": " + value + "\n"
        }
        return out
    }

    private static func yaml(_ items: [(Constraint, String?)], header: [String]?) -> String {
        var out = ""
        for line in header ?? [] { out += comment(line, indent: "") }
        if items.isEmpty { return out + "constraints: []\n" }
        out += "constraints:\n"
        for (constraint, note) in items {
            if let note { out += comment(note, indent: "  ") }
            out += item(constraint)
        }
        return out
    }

    /// `text` as comment lines (line breaks inside it start new comment lines).
    private static func comment(_ text: String, indent: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            indent + "#" + (line.isEmpty ? "" : " " + line.filter { $0 != "\r" }) + "\n"
        }.joined()
    }

    private static func kindEntries(_ kind: ConstraintKind) -> [(String, String)] {
        func optional(_ key: String, _ value: Double?) -> [(String, String)] {
            value.map { [(key, number($0))] } ?? []
        }
        func optional(_ key: String, _ value: Int?) -> [(String, String)] { value.map { [(key, String($0))] } ?? [] }
        switch kind {
        case let .notNull(column): return [("column", quoted(column))]
        case let .unique(columns): return [("columns", list(columns))]
        case let .parses(column, type): return [("column", quoted(column)), ("type", type.rawValue)]
        case let .range(column, minimum, maximum):
            return [("column", quoted(column))] + optional("min", minimum) + optional("max", maximum)
        case let .length(column, minimum, maximum):
            return [("column", quoted(column))] + optional("min", minimum) + optional("max", maximum)
        case let .matches(column, pattern): return [("column", quoted(column)), ("pattern", quoted(pattern))]
        case let .allowedValues(column, values): return [("column", quoted(column)), ("values", list(values))]
        case let .functionalDependency(determinant, dependent):
            return [("determinant", list(determinant)), ("dependent", list(dependent))]
        case let .denial(predicates):
            let items = predicates.map { "{column: \(quoted($0.column)), relation: \($0.relation.rawValue)}" }
            return [("predicates", "[" + items.joined(separator: ", ") + "]")]
        case let .rowPredicate(condition, requirement):
            return (condition.isEmpty ? [] : [("if", comparisons(condition))])
                + [("require", comparisons(requirement))]
        case let .rowCount(minimum, maximum): return optional("min", minimum) + optional("max", maximum)
        case let .classDistribution(column, bounds):
            let items = bounds.map { bound in
                "{value: \(quoted(bound.value))" + (bound.minimum.map { ", min: \(number($0))" } ?? "")
                    + (bound.maximum.map { ", max: \(number($0))" } ?? "") + "}"
            }
            return [("column", quoted(column)), ("bounds", "[" + items.joined(separator: ", ") + "]")]
        case let .labeledFraction(column, minimum, unlabeled):
            return [("column", quoted(column)), ("min", number(minimum))]
                + (unlabeled.isEmpty ? [] : [("unlabeled", list(unlabeled))])
        case let .validText(column, rejectC1):
            return [("column", quoted(column)), ("c1_controls", rejectC1 ? "true" : "false")]
        case let .nearDuplicates(column, configuration):
            return [
                ("column", quoted(column)), ("threshold", number(configuration.threshold)),
                ("shingle_size", String(configuration.shingleSize)),
                ("permutations", String(configuration.permutations)), ("seed", String(configuration.seed)),
            ]
        case let .noPII(column, kinds):
            return [("column", quoted(column)), ("kinds", "[" + kinds.map(\.rawValue).joined(separator: ", ") + "]")]
        }
    }

    private static func comparisons(_ comparisons: [Comparison]) -> String {
        "["
            + comparisons.map { comparison in
                "{column: \(quoted(comparison.column)), op: \(quoted(comparison.op.rawValue))"
                    + (comparison.value.map { ", value: \(quoted($0))" } ?? "") + "}"
            }.joined(separator: ", ") + "]"
    }

    private static func repair(_ repair: Repair) -> String {
        switch repair {
        case .dropRow: return "drop_row"
        case .setNull: return "set_null"
        case .keepFirst: return "keep_first"
        case .impute(.mode): return "{impute: mode}"
        case .impute(.median): return "{impute: median}"
        case let .impute(.constant(value)): return "{impute: {constant: \(quoted(value))}}"
        case let .standardize(steps): return "{standardize: [" + steps.map(\.rawValue).joined(separator: ", ") + "]}"
        case let .redactPII(redaction): return "{redact_pii: \(redaction.rawValue)}"
        }
    }

    private static func list(_ values: [String]) -> String { "[" + values.map(quoted).joined(separator: ", ") + "]" }

    /// A finite number in Swift's shortest form that reads back as the same `Double`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// `text` as a YAML double-quoted scalar: `"` and `\` escaped, and every character YAML does not allow
    /// unescaped (controls, DEL, C1 controls, U+FEFF, surrogates' neighbours U+FFFE/U+FFFF, the line separators
    /// U+0085, U+2028, U+2029) written as `\x`, `\u` or `\U` escapes.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if v < 0x20 || (0x7F...0x9F).contains(v) {
                    out += "\\x" + hex(v, digits: 2)
                } else if v == 0x2028 || v == 0x2029 || v == 0xFEFF || v == 0xFFFE || v == 0xFFFF {
                    out += "\\u" + hex(v, digits: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
