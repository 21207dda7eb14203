import Foundation
import GRDB

extension SQLiteDatasetStore {
    /// Records that an artifact (label model, adapter, …) was built from a dataset version. Requires `write`.
    ///
    /// - Parameters:
    ///   - kind: the artifact kind (`label-model`, `adapter`, …).
    ///   - name: a name unique per version and kind.
    ///   - details: free-form details (JSON or text).
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``.
    public func recordArtifact(
        kind: String, name: String, details: String = "", dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try Validation.name(kind, kind: "artifact kind")
        try Validation.name(name, kind: "artifact")
        guard Validation.storable(details) else {
            throw DatasetStoreError.invalidName(
                kind: "artifact details", name: details, reason: "contains a NUL character")
        }
        return try performWrite(
            principal, operation: "record-artifact", action: .write, dataset: dataset, version: version
        ) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let artifact = try insertArtifact(
                kind: kind, name: name, details: details, record: record, dataset: row, principal: principal, db: db)
            return (artifact, AuditNote(version: record.id, detail: "\(kind) '\(name)'"))
        }
    }

    /// Every artifact built from any version of the dataset, oldest first, with stale flags. Requires `read`.
    ///
    /// - Parameter staleOnly: list only artifacts that must be rebuilt after an erasure.
    public func lineage(of dataset: String, staleOnly: Bool = false, as principal: Principal) throws -> [Artifact] {
        try performRead(principal, operation: "lineage", action: .read, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let list = try artifacts(
                db, dataset: row, filter: staleOnly ? "AND a.staleAt IS NOT NULL" : "", arguments: [row.id])
            return (list, AuditNote(detail: "\(list.count) artifacts\(staleOnly ? " (stale)" : "")"))
        }
    }

    // MARK: - Helpers

    func insertArtifact(
        kind: String, name: String, details: String, record: VersionRecord, dataset: DatasetRow, principal: Principal,
        db: Database
    ) throws -> Artifact {
        if try Bool.fetchOne(
            db, sql: "SELECT 1 FROM artifact WHERE versionKey = ? AND kind = ? AND name = ?",
            arguments: [record.key, kind, name]) != nil
        {
            throw DatasetStoreError.duplicateName(kind: kind, name: name)
        }
        let now = Self.now()
        try db.execute(
            sql:
                "INSERT INTO artifact(versionKey, kind, name, details, createdBy, createdAt) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [record.key, kind, name, details, principal.id, now])
        return Artifact(
            id: db.lastInsertedRowID, kind: kind, name: name, dataset: dataset.name, version: record.id,
            details: details,
            createdBy: principal.name, createdAt: now, isStale: false, staleReason: nil)
    }

    func artifacts(_ db: Database, dataset: DatasetRow, filter: String, arguments: StatementArguments) throws
        -> [Artifact]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT a.id, a.kind, a.name, a.details, a.createdAt, a.staleReason, a.staleAt, v.id AS version, p.name AS creator
                FROM artifact a JOIN version v ON v.key = a.versionKey JOIN principal p ON p.id = a.createdBy
                WHERE v.datasetId = ? \(filter) ORDER BY a.id
                """, arguments: arguments
        ).map {
            Artifact(
                id: $0["id"], kind: $0["kind"], name: $0["name"], dataset: dataset.name, version: $0["version"],
                details: $0["details"], createdBy: $0["creator"], createdAt: $0["createdAt"],
                isStale: ($0["staleAt"] as Int64?) != nil, staleReason: $0["staleReason"])
        }
    }
}
