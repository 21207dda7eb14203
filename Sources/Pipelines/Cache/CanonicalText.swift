/// A deterministic text rendering of any value, for cache keys: struct fields in declaration order, dictionary and
/// set entries sorted, numbers as Swift prints them (shortest round-trip), strings quoted and escaped.
///
/// Built on `Mirror`, so fields added to a spec type later (a new labeling-function kind's parameters) enter the key
/// without anyone remembering to list them. Fields named in `skipping` (locations, sources) are left out.
enum CanonicalText {
    /// The fields that say where a value was written, not what it is.
    static let locationFields: Set<String> = ["location", "keyLocations", "source"]

    static func of(_ value: Any, skipping: Set<String> = locationFields) -> String {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let child = mirror.children.first else { return "nil" }
            return of(child.value, skipping: skipping)
        case .collection, .tuple:
            return "[" + mirror.children.map { of($0.value, skipping: skipping) }.joined(separator: ",") + "]"
        case .dictionary, .set:
            return "{" + mirror.children.map { of($0.value, skipping: skipping) }.sorted().joined(separator: ",") + "}"
        case .struct, .class, .enum:
            if mirror.children.isEmpty { return "\(mirror.subjectType).\(String(describing: value))" }
            let fields = mirror.children.compactMap { child -> String? in
                if let label = child.label, skipping.contains(label) { return nil }
                return (child.label ?? "_") + ":" + of(child.value, skipping: skipping)
            }
            return "\(mirror.subjectType)(" + fields.joined(separator: ",") + ")"
        default:
            return String(reflecting: value)
        }
    }
}
