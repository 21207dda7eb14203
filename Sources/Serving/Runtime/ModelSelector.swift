import Foundation

/// What a request's `model` field names: the base encoder, one adapter, or a weighted merge of adapters
/// (`"a:0.7,b:0.3"`, computed once and cached as a derived adapter).
public enum ModelSelector: Sendable, Hashable, CustomStringConvertible {
    /// The base encoder (`model` absent, `"base"`, or the base model's name).
    case base
    /// One registered adapter.
    case adapter(String)
    /// A weighted linear merge of registered adapters, in the order given.
    case merge([WeightedAdapter])

    /// One part of a merge.
    public struct WeightedAdapter: Sendable, Hashable {
        /// The adapter's id.
        public var id: String
        /// Its weight.
        public var weight: Double

        /// One part of a merge.
        public init(id: String, weight: Double) {
            self.id = id
            self.weight = weight
        }
    }

    /// Parses a `model` field.
    ///
    /// - Parameters:
    ///   - text: the field (nil when absent).
    ///   - baseName: the base model's name, which also selects the base.
    /// - Throws: ``ServingError/invalidRequest(field:reason:)`` for an empty name, a weight that is not a finite
    ///   number, or the same adapter twice in a merge.
    public init(parsing text: String?, baseName: String) throws {
        guard let raw = text?.trimmingCharacters(in: .whitespaces) else {
            self = .base
            return
        }
        if raw.isEmpty { throw ServingError.invalidRequest(field: "model", reason: "must not be empty") }
        if raw == "base" || raw == baseName {
            self = .base
            return
        }
        guard raw.contains(":") || raw.contains(",") else {
            self = .adapter(raw)
            return
        }
        var parts: [WeightedAdapter] = []
        for piece in raw.split(separator: ",", omittingEmptySubsequences: false) {
            let fields = piece.split(separator: ":", omittingEmptySubsequences: false)
            let id = fields[0].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, fields.count <= 2 else {
                throw ServingError.invalidRequest(
                    field: "model", reason: "expected ADAPTER:WEIGHT,ADAPTER:WEIGHT, got '\(raw)'")
            }
            var weight = 1.0
            if fields.count == 2 {
                guard let value = Double(fields[1].trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw ServingError.invalidRequest(
                        field: "model", reason: "the weight of '\(id)' is not a number: '\(fields[1])'")
                }
                weight = value
            }
            guard !parts.contains(where: { $0.id == id }) else {
                throw ServingError.invalidRequest(field: "model", reason: "'\(id)' appears twice in the merge")
            }
            parts.append(WeightedAdapter(id: id, weight: weight))
        }
        self = parts.count == 1 && parts[0].weight == 1 ? .adapter(parts[0].id) : .merge(parts)
    }

    /// The id the adapter cache knows it by (nil for the base): a merge's canonical `a:0.7,b:0.3`.
    public var cacheID: String? {
        switch self {
        case .base: nil
        case let .adapter(id): id
        case .merge: description
        }
    }

    /// The selector as a request names it: `base`, `spam`, or the canonical `a:0.7,b:0.3`.
    public var description: String {
        switch self {
        case .base: "base"
        case let .adapter(id): id
        case let .merge(parts): parts.map { "\($0.id):\($0.weight)" }.joined(separator: ",")
        }
    }
}
