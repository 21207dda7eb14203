import Labeling

/// A value that renders its own ``CanonicalText``, equal to what reflection gives, without reflection's cost.
protocol CanonicallyRendered {
    /// The same text as ``CanonicalText/reflected(_:skipping:)`` with the location fields skipped.
    var canonicalText: String { get }
}

/// A labeling function's canonical text, field by field in declaration order: an apply step renders every function
/// of its spec on every run (for its key and each column's), and reflection took 40 µs a function. A test checks it
/// against the reflected rendering with every field set, so a field added to the spec and not here fails it.
extension LabelingFunctionSpec: CanonicallyRendered {
    var canonicalText: String {
        func optional(_ value: (some Any)?) -> String { value.map { CanonicalText.of($0) } ?? "nil" }
        let fields = [
            "name:" + CanonicalText.of(name), "kind:Kind." + String(describing: kind), "field:" + optional(field),
            "label:" + CanonicalText.of(label), "keywords:" + CanonicalText.of(keywords),
            "pattern:" + optional(pattern), "ignoreCase:" + CanonicalText.of(ignoreCase),
            "words:" + CanonicalText.of(words), "comparison:" + optional(comparison),
            "measure:Measure." + String(describing: measure), "centroid:" + CanonicalText.of(centroid),
            "minCosine:" + optional(minCosine), "encoder:" + optional(encoder),
        ]
        return "LabelingFunctionSpec(" + fields.joined(separator: ",") + ")"
    }
}
