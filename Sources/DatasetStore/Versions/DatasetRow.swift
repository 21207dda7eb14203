/// A dataset's row as the store uses it internally.
struct DatasetRow: Sendable {
    let id: Int64
    let name: String
    let license: String
    let attribution: String
    let sensitiveFields: [String]
    let createdAt: Int64

    var dataset: Dataset {
        Dataset(
            id: id, name: name, license: license, attribution: attribution, sensitiveFields: sensitiveFields,
            createdAt: SQLiteDatasetStore.date(createdAt))
    }
}
