/// A change to an existing dataset's settings (``StoreTransaction/configureDataset(_:change:)``): each non-nil
/// property replaces the current value.
public struct DatasetSettings: Sendable, Hashable, Codable {
    /// The new license.
    public var license: String?
    /// The new attribution.
    public var attribution: String?
    /// The new sensitive columns, by their names in the data (replacing the current list; empty = none).
    public var sensitiveFields: [String]?

    /// Creates a change.
    public init(license: String? = nil, attribution: String? = nil, sensitiveFields: [String]? = nil) {
        self.license = license
        self.attribution = attribution
        self.sensitiveFields = sensitiveFields
    }
}
