import Labeling

// Short spellings of declarative labeling functions for inline use in a pipeline (``Apply``), each equal to the
// function the LF spec format reads from the same keys.
extension LabelingFunctionSpec {
    /// A `keyword` function: votes `label` when the field contains any of the substrings (case-insensitive).
    ///
    /// - Parameters:
    ///   - name: the function's name.
    ///   - keywords: the substrings.
    ///   - label: a class name (or an index written as a number).
    ///   - field: the column it reads; nil means the data step's text field.
    public static func keyword(_ name: String, _ keywords: [String], label: String, field: String? = nil) -> Self {
        var spec = LabelingFunctionSpec(name: name, kind: .keyword, field: field, label: label)
        spec.keywords = keywords
        return spec
    }

    /// A `regex` function: votes `label` when the pattern matches the field.
    ///
    /// - Parameters:
    ///   - pattern: the regular expression (checked when the pipeline is validated).
    ///   - ignoreCase: case-insensitive matching (the spec's default).
    public static func regex(
        _ name: String, _ pattern: String, label: String, ignoreCase: Bool = true, field: String? = nil
    ) -> Self {
        var spec = LabelingFunctionSpec(name: name, kind: .regex, field: field, label: label)
        spec.pattern = pattern
        spec.ignoreCase = ignoreCase
        return spec
    }

    /// A `lexicon` function: votes `label` when any lowercased word token of the field is one of `words`.
    public static func lexicon(_ name: String, _ words: [String], label: String, field: String? = nil) -> Self {
        var spec = LabelingFunctionSpec(name: name, kind: .lexicon, field: field, label: label)
        spec.words = words
        return spec
    }

    /// A `threshold` function: votes `label` when the measure of the field passes the comparison.
    ///
    /// - Parameters:
    ///   - comparison: `.lessThan(5)`, `.atMost(0.2)`, `.greaterThan(…)` or `.atLeast(…)`.
    ///   - measure: `.value` (the field as a number, the default) or `.wordCount`.
    public static func threshold(
        _ name: String, _ comparison: ThresholdComparison, measure: Measure = .value, label: String,
        field: String? = nil
    ) -> Self {
        var spec = LabelingFunctionSpec(name: name, kind: .threshold, field: field, label: label)
        spec.comparison = comparison
        spec.measure = measure
        return spec
    }
}
