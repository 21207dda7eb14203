import Foundation

/// Cleaning decisions for a version as an opaque JSON payload, filled by the Cleaning module.
public struct CleaningDecisions: Sendable, Equatable {
    /// The kind of decisions (`repairs`, `review`, `label-issues`, …).
    public let kind: String
    /// The name they are stored under.
    public let name: String
    /// The JSON payload, stored and returned byte for byte.
    public let payload: Data

    /// Creates a record.
    public init(kind: String, name: String, payload: Data) {
        self.kind = kind
        self.name = name
        self.payload = payload
    }
}
