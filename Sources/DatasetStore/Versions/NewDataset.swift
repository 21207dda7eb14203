/// What a dataset is created with when an import finds it missing: its license, attribution and sensitive fields.
///
/// Passed as `createIfMissing` to ``DatasetVersionStore/importVersion(_:into:message:createIfMissing:as:progress:)``,
/// so that creating the dataset and importing its first version are one unit of work.
public struct NewDataset: Sendable, Hashable {
    /// The license text or SPDX id recorded with every export.
    public var license: String
    /// The attribution recorded with every export.
    public var attribution: String
    /// Fields (`text` or field names) masked for principals without `read-sensitive`.
    public var sensitiveFields: [String]

    /// Creates the description of a dataset to create.
    public init(license: String, attribution: String = "", sensitiveFields: [String] = []) {
        self.license = license
        self.attribution = attribution
        self.sensitiveFields = sensitiveFields
    }
}
