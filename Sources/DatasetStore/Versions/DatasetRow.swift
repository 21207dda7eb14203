/// A dataset's row as the store uses it internally.
struct DatasetRow: Sendable {
    let id: Int64
    let name: String
    let license: String
    let attribution: String
    /// Sensitive columns, by their names in the data.
    let sensitiveFields: [String]
    let createdAt: Int64
    /// The data's name of the id column (`id` for datasets created before columns were recorded).
    let idColumn: String
    /// The data's name of the text column (`text` for datasets created before columns were recorded).
    let textColumn: String
    /// The other columns seen in the dataset's versions.
    let columns: [String]
    /// Whether the id and text column names were recorded (false for datasets created before they were).
    var columnNamesRecorded = true

    var dataset: Dataset {
        Dataset(
            id: id, name: name, license: license, attribution: attribution, sensitiveFields: sensitiveFields,
            createdAt: SQLiteDatasetStore.date(createdAt), idColumn: idColumn, textColumn: textColumn,
            columns: columns)
    }

    /// What to hide from a reader: nothing when `canReadSensitive`, else the sensitive columns.
    func mask(canReadSensitive: Bool) -> SensitivityMask {
        guard !canReadSensitive, !sensitiveFields.isEmpty else { return SensitivityMask(text: false, fields: []) }
        return SensitivityMask(
            text: sensitiveFields.contains(textColumn), fields: Set(sensitiveFields.filter { $0 != textColumn }))
    }
}

/// The columns a reader may not see, applied to every row it is given.
struct SensitivityMask: Sendable {
    /// Whether the text column is masked.
    let text: Bool
    /// The masked fields (other columns), by name.
    let fields: Set<String>

    var isEmpty: Bool { !text && fields.isEmpty }

    /// The masked columns, by name, for notes and manifests.
    func names(textColumn: String) -> [String] { ((text ? [textColumn] : []) + fields).sorted() }

    /// `example` with its masked columns replaced by ``Example/maskedValue``.
    func apply(_ example: inout Example) {
        if text { example.text = Example.maskedValue }
        for field in fields where example.fields[field] != nil { example.fields[field] = Example.maskedValue }
    }
}
