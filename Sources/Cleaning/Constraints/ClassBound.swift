/// Bounds on one class's share of a column's non-null values.
public struct ClassBound: Sendable, Equatable, Hashable, Codable {
    /// The class value.
    public var value: String
    /// Lowest allowed share (0…1), if any.
    public var minimum: Double?
    /// Highest allowed share (0…1), if any.
    public var maximum: Double?

    /// Creates a bound on the share of `value`.
    public init(_ value: String, minimum: Double? = nil, maximum: Double? = nil) {
        self.value = value
        self.minimum = minimum
        self.maximum = maximum
    }
}
