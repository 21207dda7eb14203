/// What a dataset is created with when an import finds it missing: its license, attribution and sensitive fields.
///
/// Passed as `createIfMissing` to ``DatasetVersionStore/importVersion(_:into:message:createIfMissing:as:progress:)``,
/// so that creating the dataset and importing its first version are one unit of work.
public struct NewDataset: Sendable, Hashable {
    /// The license text or SPDX id recorded with every export.
    public var license: String
    /// The attribution recorded with every export.
    public var attribution: String
    /// Columns masked for principals without `read-sensitive`, by their names in the data: the text column's name
    /// (``textColumn``) or field names. Checked against the imported columns: an unknown name, or the id column, is an
    /// error.
    public var sensitiveFields: [String]
    /// The name of the id column in the data.
    public var idColumn: String
    /// The name of the text column in the data.
    public var textColumn: String
    /// Whether the caller insists on these settings: when the dataset already exists (created meanwhile by another
    /// import, say) with a different license, attribution or sensitive columns, the import fails instead of silently
    /// going ahead under the existing settings. The id and text column names are always checked.
    public var settingsRequired: Bool

    /// Creates the description of a dataset to create.
    public init(
        license: String, attribution: String = "", sensitiveFields: [String] = [], idColumn: String = "id",
        textColumn: String = "text", settingsRequired: Bool = false
    ) {
        self.license = license
        self.attribution = attribution
        self.sensitiveFields = sensitiveFields
        self.idColumn = idColumn
        self.textColumn = textColumn
        self.settingsRequired = settingsRequired
    }
}
