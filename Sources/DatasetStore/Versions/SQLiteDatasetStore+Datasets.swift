import Foundation
import GRDB
import Tabular

extension SQLiteStoreTransaction {
    /// Creates a dataset whose id and text columns are `id` and `text`. Requires store-wide `write`.
    ///
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``,
    ///   ``DatasetStoreError/invalidSensitiveColumn(dataset:column:reason:)``.
    public func createDataset(name: String, license: String, attribution: String, sensitiveFields: [String] = [])
        throws -> Dataset
    {
        try createDataset(
            name: name,
            settings: NewDataset(license: license, attribution: attribution, sensitiveFields: sensitiveFields))
    }

    /// Creates a dataset with its column names. Requires store-wide `write`.
    ///
    /// Sensitive columns are checked now against the id column (never sensitive) and, at every import, against the
    /// data's columns (an unknown name fails the import, listing the columns).
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``,
    ///   ``DatasetStoreError/invalidSensitiveColumn(dataset:column:reason:)``.
    public func createDataset(name: String, settings: NewDataset) throws -> Dataset {
        try perform("create-dataset", action: .write, dataset: nil) { db, _ in
            let dataset = try store.insertDataset(name: name, settings: settings, principal: principal, db: db)
            return (
                dataset,
                SQLiteDatasetStore.AuditNote(
                    detail:
                        "license '\(settings.license)'"
                        + (dataset.sensitiveFields.isEmpty
                            ? "" : ", sensitive: \(dataset.sensitiveFields.joined(separator: ","))"),
                    dataset: dataset.name)
            )
        }
    }

    /// Changes an existing dataset's license, attribution or sensitive columns. Requires `write` and
    /// `read-sensitive` on the dataset (whoever changes what is masked must be allowed to see it).
    ///
    /// Audited with the old and new values. Making columns sensitive also replaces any version id that was still the
    /// (unsalted) content hash of its rows by an opaque id, since that hash could now reveal masked values.
    /// - Throws: ``DatasetStoreError/invalidSensitiveColumn(dataset:column:reason:)`` for an unknown column or the id
    ///   column; ``DatasetStoreError/invalidName(kind:name:reason:)`` for a NUL character.
    public func configureDataset(_ dataset: String, change: DatasetSettings) throws -> Dataset {
        try perform("configure-dataset", action: .write, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            guard try store.authorize(principal, .readSensitive, datasetID: row.id, db: db) else {
                throw DatasetStoreError.permissionDenied(
                    principal: principal.name, action: .readSensitive, dataset: dataset)
            }
            let license = change.license ?? row.license
            let attribution = change.attribution ?? row.attribution
            var sensitive = row.sensitiveFields
            if let requested = change.sensitiveFields {
                sensitive = try SQLiteDatasetStore.checkSensitive(
                    requested, dataset: row.name, idColumn: row.idColumn, textColumn: row.textColumn,
                    known: try store.hasVersions(row.id, db: db) ? row.columns : nil)
            }
            try SQLiteDatasetStore.checkStorable([("license", license), ("attribution", attribution)])
            try db.execute(
                sql: "UPDATE dataset SET license = ?, attribution = ?, sensitiveFields = ? WHERE id = ?",
                arguments: [license, attribution, SQLiteDatasetStore.encodeList(sensitive), row.id])
            var replaced = 0
            if !sensitive.isEmpty {
                for version in try Row.fetchAll(
                    db, sql: "SELECT key, id FROM version WHERE datasetId = ? AND idIsContentHash = 1",
                    arguments: [row.id])
                {
                    try SQLiteDatasetStore.replaceVersionID(
                        db, versionKey: version["key"], datasetID: row.id, oldID: version["id"])
                    replaced += 1
                }
            }
            let updated = try store.datasetRow(named: row.name, db: db)
            var changes: [String] = []
            if license != row.license { changes.append("license '\(row.license)' → '\(license)'") }
            if attribution != row.attribution { changes.append("attribution '\(row.attribution)' → '\(attribution)'") }
            if sensitive != row.sensitiveFields {
                changes.append(
                    "sensitive [\(row.sensitiveFields.joined(separator: ","))] → [\(sensitive.joined(separator: ","))]")
            }
            if replaced > 0 { changes.append("\(replaced) version ids replaced by opaque ids") }
            return (
                updated.dataset,
                SQLiteDatasetStore.AuditNote(detail: changes.isEmpty ? "no change" : changes.joined(separator: "; "))
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

    func insertDataset(name: String, settings: NewDataset, principal: Principal, db: Database) throws -> Dataset {
        let name = try Validation.name(name, kind: "dataset")
        let idColumn = try Validation.name(settings.idColumn, kind: "id column")
        let textColumn = try Validation.name(settings.textColumn, kind: "text column")
        guard idColumn != textColumn else {
            throw DatasetStoreError.invalidName(
                kind: "text column", name: textColumn, reason: "is also the id column")
        }
        try Self.checkStorable([("license", settings.license), ("attribution", settings.attribution)])
        let sensitive = try Self.checkSensitive(
            settings.sensitiveFields, dataset: name, idColumn: idColumn, textColumn: textColumn, known: nil)
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM dataset WHERE name = ?", arguments: [name]) != nil {
            throw DatasetStoreError.duplicateName(kind: "dataset", name: name)
        }
        let now = Self.now()
        try db.execute(
            sql: """
                INSERT INTO dataset(name, license, attribution, sensitiveFields, createdAt, createdBy, idColumn, textColumn)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                name, settings.license, settings.attribution, Self.encodeList(sensitive), now, principal.id, idColumn,
                textColumn,
            ])
        return Dataset(
            id: db.lastInsertedRowID, name: name, license: settings.license, attribution: settings.attribution,
            sensitiveFields: sensitive, createdAt: Self.date(now), idColumn: idColumn, textColumn: textColumn)
    }

    /// Checks sensitive column names: exact names, never the id column, and — when `known` is given (the dataset's
    /// other columns) — each the text column or a known column. Returns them sorted, without duplicates.
    ///
    /// - Throws: ``DatasetStoreError/invalidSensitiveColumn(dataset:column:reason:)``.
    static func checkSensitive(
        _ names: [String], dataset: String, idColumn: String, textColumn: String, known: [String]?
    ) throws -> [String] {
        for name in names {
            guard Validation.storable(name), !name.isEmpty else {
                throw DatasetStoreError.invalidSensitiveColumn(
                    dataset: dataset, column: name, reason: "a column name is non-empty and has no NUL character")
            }
            if name == idColumn {
                throw DatasetStoreError.invalidSensitiveColumn(
                    dataset: dataset, column: name,
                    reason: "it is the id column, which identifies rows and cannot be masked")
            }
            if let known, name != textColumn, !known.contains(name) {
                throw DatasetStoreError.invalidSensitiveColumn(
                    dataset: dataset, column: name,
                    reason: "no such column (columns: \(([idColumn, textColumn] + known).joined(separator: ", ")))")
            }
        }
        return Array(Set(names)).sorted()
    }

    static func checkStorable(_ values: [(String, String)]) throws {
        for (field, value) in values where !Validation.storable(value) {
            throw DatasetStoreError.invalidName(kind: field, name: value, reason: "contains a NUL character")
        }
    }

    func hasVersions(_ datasetID: Int64, db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM version WHERE datasetId = ? LIMIT 1", arguments: [datasetID]) != nil
    }

    /// The dataset called `name` (as stored, or in NFC).
    func datasetRow(named name: String, db: Database) throws -> DatasetRow {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM dataset WHERE name IN (?, ?) LIMIT 1",
                arguments: [name, Validation.normalized(name)])
        else {
            throw DatasetStoreError.unknownDataset(name)
        }
        return try Self.datasetRow(from: row)
    }

    static func datasetRow(from row: Row) throws -> DatasetRow {
        DatasetRow(
            id: row["id"], name: row["name"], license: row["license"], attribution: row["attribution"],
            sensitiveFields: try decodeList(row["sensitiveFields"]), createdAt: row["createdAt"],
            idColumn: row["idColumn"] ?? "id", textColumn: row["textColumn"] ?? "text",
            columns: try decodeList(row["columns"] ?? "[]"), columnNamesRecorded: row["idColumn"] as String? != nil)
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
