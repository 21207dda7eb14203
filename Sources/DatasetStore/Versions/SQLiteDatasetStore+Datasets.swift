import Foundation
import GRDB
import Tabular

extension SQLiteStoreTransaction {
    /// Creates a dataset. Requires store-wide `write`.
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``.
    public func createDataset(name: String, license: String, attribution: String, sensitiveFields: [String] = [])
        throws -> Dataset
    {
        try perform("create-dataset", action: .write, dataset: nil) { db, _ in
            (
                try store.insertDataset(
                    name: name, license: license, attribution: attribution, sensitiveFields: sensitiveFields,
                    principal: principal, db: db),
                SQLiteDatasetStore.AuditNote(detail: "'\(name)', license '\(license)'")
            )
        }
    }
}

extension SQLiteDatasetStore {
    /// The datasets the principal may read (store-wide readers see all).
    public func datasets(as principal: Principal) throws -> [Dataset] {
        try performRead(principal, operation: "list-datasets", action: nil, dataset: nil) { db, _ in
            let snapshot = try permissionSnapshot(principal, db: db)
            let all = try Row.fetchAll(db, sql: "SELECT * FROM dataset ORDER BY name").map(Self.datasetRow(from:))
            let visible = all.filter { snapshot.allows(.read, datasetID: $0.id) }.map(\.dataset)
            return (visible, AuditNote(detail: "\(visible.count) datasets"))
        }
    }

    /// One dataset by name. Requires `read` on it.
    public func dataset(named name: String, as principal: Principal) throws -> Dataset {
        try performRead(principal, operation: "show-dataset", action: .read, dataset: name) { _, row in
            guard let row else { throw DatasetStoreError.unknownDataset(name) }
            return (row.dataset, AuditNote(detail: ""))
        }
    }

    // MARK: - Helpers

    func insertDataset(
        name: String, license: String, attribution: String, sensitiveFields: [String], principal: Principal,
        db: Database
    ) throws -> Dataset {
        try Validation.name(name, kind: "dataset")
        for (field, value) in [("license", license), ("attribution", attribution)]
            + sensitiveFields.map({ ("sensitive field", $0) })
        {
            guard Validation.storable(value) else {
                throw DatasetStoreError.invalidName(kind: field, name: value, reason: "contains a NUL character")
            }
        }
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM dataset WHERE name = ?", arguments: [name]) != nil {
            throw DatasetStoreError.duplicateName(kind: "dataset", name: name)
        }
        let now = Self.now()
        let sensitive = Array(Set(sensitiveFields)).sorted()
        try db.execute(
            sql: """
                INSERT INTO dataset(name, license, attribution, sensitiveFields, createdAt, createdBy)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [name, license, attribution, Self.encodeList(sensitive), now, principal.id])
        return Dataset(
            id: db.lastInsertedRowID, name: name, license: license, attribution: attribution,
            sensitiveFields: sensitive, createdAt: Self.date(now))
    }

    func datasetRow(named name: String, db: Database) throws -> DatasetRow {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM dataset WHERE name = ?", arguments: [name]) else {
            throw DatasetStoreError.unknownDataset(name)
        }
        return try Self.datasetRow(from: row)
    }

    static func datasetRow(from row: Row) throws -> DatasetRow {
        DatasetRow(
            id: row["id"], name: row["name"], license: row["license"], attribution: row["attribution"],
            sensitiveFields: try decodeList(row["sensitiveFields"]), createdAt: row["createdAt"])
    }

    static func encodeList(_ list: [String]) -> String {
        "["
            + list.map { item -> String in
                var out = ""
                JSONText.append(item, to: &out)
                return out
            }.joined(separator: ",") + "]"
    }

    static func decodeList(_ json: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(json.utf8))
        } catch {
            throw DatasetStoreError.storage("stored list is not a JSON array of strings: \(error)")
        }
    }
}
