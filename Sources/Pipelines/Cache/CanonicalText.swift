/// A deterministic text rendering of any value, for cache keys: struct fields in declaration order, dictionary and
/// set entries sorted, numbers as Swift prints them (shortest round-trip), strings quoted and escaped.
///
/// Built on `Mirror`, so fields added to a spec type later (a new labeling-function kind's parameters) enter the key
/// without anyone remembering to list them. Fields named in `skipping` (locations, sources) are left out. A type on
/// the hot path of every run renders itself instead (``CanonicallyRendered``), tested equal to its reflection.
enum CanonicalText {
    /// The fields that say where a value was written, not what it is.
    static let locationFields: Set<String> = ["location", "keyLocations", "source"]

    static func of(_ value: Any, skipping: Set<String> = locationFields) -> String {
        if let rendered = value as? any CanonicallyRendered, skipping == locationFields {
            return rendered.canonicalText
        }
        return reflected(value, skipping: skipping)
    }

    /// The rendering of `value` itself through reflection (and the leaf types' own descriptions), not its
    /// ``CanonicallyRendered/canonicalText``; the values inside it are rendered by ``of(_:skipping:)``.
    static func reflected(_ value: Any, skipping: Set<String> = locationFields) -> String {
        // The leaves of spec values, without building a `Mirror` (a pipeline's re-run renders every labeling function
        // twice, and reflection was most of its fingerprinting time). Each returns what the reflecting path below
        // gives for the same value; an optional holding one of them is unwrapped by the cast, as `.optional` would.
        switch value {
        case let text as String: return String(reflecting: text)
        case let flag as Bool: return String(reflecting: flag)
        case let number as Int: return String(reflecting: number)
        case let number as Double: return String(reflecting: number)
        case let texts as [String]: return "[" + texts.map { String(reflecting: $0) }.joined(separator: ",") + "]"
        case let numbers as [Double]: return "[" + numbers.map { String(reflecting: $0) }.joined(separator: ",") + "]"
        case let numbers as [Float]: return "[" + numbers.map { String(reflecting: $0) }.joined(separator: ",") + "]"
        case let numbers as [Int]: return "[" + numbers.map { String(reflecting: $0) }.joined(separator: ",") + "]"
        // A raw-value enum (a function's kind, a threshold's measure) has no payload, so no children.
        case let choice as any RawRepresentable & CaseIterable:
            return "\(type(of: choice)).\(String(describing: choice))"
        default: break
        }
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
