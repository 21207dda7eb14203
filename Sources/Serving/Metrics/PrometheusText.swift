/// Prometheus' text exposition format, version 0.0.4: the escaping and number rules, and the rendering of metric
/// families.
///
/// Per family: `# HELP name text` (with `\` and newline escaped), `# TYPE name counter|gauge|histogram`, then one line
/// per sample, `name{label="value",…} number`, label values escaping `\`, `"` and newline. A histogram series writes
/// cumulative `name_bucket{…,le="bound"}` lines ending with `le="+Inf"` (equal to the count), then `name_sum` and
/// `name_count`. Families are sorted by name and series by their label sets, so the output is deterministic.
enum PrometheusText {
    /// The HTTP `Content-Type` of the format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Renders families in name order.
    static func render(_ families: some Sequence<MetricFamily>) -> String {
        var output = ""
        for family in families.sorted(by: { $0.name < $1.name }) {
            append(family, to: &output)
        }
        return output
    }

    /// Whether `name` is a valid metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    static func isValidMetricName(_ name: String) -> Bool {
        isValidName(name, allowColon: true)
    }

    /// Whether `name` is a valid label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`, which is reserved).
    static func isValidLabelName(_ name: String) -> Bool {
        isValidName(name, allowColon: false) && !name.hasPrefix("__")
    }

    /// A label value with `\`, `"` and newline escaped.
    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Help text with `\` and newline escaped.
    static func escapeHelp(_ help: String) -> String {
        var escaped = ""
        for character in help.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A sample value: `+Inf`, `-Inf`, `NaN`, an integer without a fraction when the value is integral (and exactly
    /// representable), otherwise Swift's shortest round-trip decimal form (which Prometheus' parser reads back
    /// exactly).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    // MARK: - Rendering

    private static func append(_ family: MetricFamily, to output: inout String) {
        output += "# HELP \(family.name) \(escapeHelp(family.help))\n"
        output += "# TYPE \(family.name) \(family.kind.rawValue)\n"
        switch family.kind {
        case .counter, .gauge:
            for (labels, value) in family.values.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                output += "\(family.name)\(render(labels)) \(format(value))\n"
            }
        case .histogram:
            for (labels, histogram) in family.histograms.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
                let cumulative = histogram.cumulativeCounts
                for (index, bound) in histogram.upperBounds.enumerated() {
                    let le = render(labels + [MetricLabel(name: "le", value: format(bound))])
                    output += "\(family.name)_bucket\(le) \(cumulative[index])\n"
                }
                let infinity = render(labels + [MetricLabel(name: "le", value: "+Inf")])
                output += "\(family.name)_bucket\(infinity) \(histogram.count)\n"
                output += "\(family.name)_sum\(render(labels)) \(format(histogram.sum))\n"
                output += "\(family.name)_count\(render(labels)) \(histogram.count)\n"
            }
        }
    }

    private static func render(_ labels: [MetricLabel]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ",") + "}"
    }

    private static func isValidName(_ name: String, allowColon: Bool) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func isLetter(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
                || (allowColon && scalar == ":")
        }
        guard isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { isLetter($0) || ("0"..."9").contains($0) }
    }
}
