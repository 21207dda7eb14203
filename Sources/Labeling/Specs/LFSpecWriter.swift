import Foundation

/// Writes an ``LFSpec`` as YAML that ``LFSpec/parse(_:format:source:limits:)`` reads back equal.
///
/// Every text is written double-quoted with JSON-style escapes (so keywords such as `no`, `null` or `1` stay text, and
/// regular expressions keep their backslashes); numbers are written in Swift's shortest round-trip form, so a
/// centroid's `Float` coordinates and a threshold's `Double` bound read back to the same values. One function per
/// block; a similarity function's centroid is one flow list on one line.
public enum LFSpecWriter {
    /// The YAML text of `spec`.
    ///
    /// - Parameters:
    ///   - spec: the spec (its `classes`, when present, are written first).
    ///   - header: comment lines written at the top (without `#`), for example what produced the file.
    /// - Returns: the text, ending with a line break.
    /// - Complexity: O(size of the spec).
    public static func yaml(_ spec: LFSpec, header: [String] = []) -> String {
        var lines = header.map { "# " + $0 }
        if let classes = spec.classNames { lines.append("classes: " + flowList(classes.map(quoted))) }
        if let balance = spec.classBalance { lines.append("class_balance: " + flowList(balance.map { "\($0)" })) }
        lines.append("labeling_functions:")
        for function in spec.labelingFunctions {
            lines.append("  - name: " + quoted(function.name))
            lines.append("    kind: " + function.kind.rawValue)
            if let field = function.field { lines.append("    field: " + quoted(field)) }
            lines.append("    label: " + quoted(function.label))
            switch function.kind {
            case .keyword:
                lines.append("    keywords: " + flowList(function.keywords.map(quoted)))
            case .regex:
                lines.append("    pattern: " + quoted(function.pattern ?? ""))
                if !function.ignoreCase { lines.append("    ignore_case: false") }
            case .lexicon:
                lines.append("    words: " + flowList(function.words.map(quoted)))
            case .threshold:
                switch function.comparison {
                case .lessThan(let bound): lines.append("    less_than: \(bound)")
                case .atMost(let bound): lines.append("    at_most: \(bound)")
                case .greaterThan(let bound): lines.append("    greater_than: \(bound)")
                case .atLeast(let bound): lines.append("    at_least: \(bound)")
                case nil: break
                }
                if function.measure != .value { lines.append("    measure: " + function.measure.rawValue) }
            case .similarity:
                if let minCosine = function.minCosine { lines.append("    min_cosine: \(minCosine)") }
                if let encoder = function.encoder { lines.append("    encoder: " + quoted(encoder)) }
                lines.append("    centroid: " + flowList(function.centroid.map { "\($0)" }))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `[a, b, c]`.
    static func flowList(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// `text` as a YAML double-quoted scalar: `"` and `\` escaped, control characters and YAML 1.1's other line
    /// breaks (U+0085, U+2028, U+2029) as `\uXXXX`.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x85 || scalar.value == 0x2028
                    || scalar.value == 0x2029 || scalar.value == 0xFEFF
                {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
