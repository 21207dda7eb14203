import Foundation
import FoundryCore
import GRDB

extension SQLiteStoreTransaction {
    /// Erases an example (right to be forgotten). Requires `delete` on the dataset.
    ///
    /// In one operation: removes the example's text and fields from every version of the dataset that holds it
    /// (the row keeps its position and id so label matrices stay aligned), deletes its gold labels, keeps a
    /// tombstone (id, time, who — no content), refuses later re-imports of the id, marks every artifact built from
    /// an affected version stale, and then every artifact derived from those, at any depth (an adapter trained on
    /// soft labels predicted from a stale label matrix), each with a reason naming its stale parent. Erasing an
    /// already-erased id again is allowed and changes nothing. Label matrices and soft labels keep their rows
    /// (votes are not content); files exported earlier cannot be recalled, which is why exports are recorded in
    /// the lineage.
    /// - Returns: the affected versions and the artifacts that just became stale.
    /// - Throws: ``DatasetStoreError/unknownVersion(dataset:version:)`` when no version holds the id,
    ///   ``DatasetStoreError/permissionDenied(principal:action:dataset:)`` without `delete`.
    /// - Complexity: O(rows of the dataset) (no index on example id, to keep imports fast), plus O(stale artifacts).
    public func eraseExample(_ exampleID: String, from dataset: String) throws -> ErasureReport {
        try perform("erase", action: .delete, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let affected = try Row.fetchAll(
                db,
                sql: """
                    SELECT v.key, v.id, v.idIsContentHash FROM version v
                    WHERE v.datasetId = ? AND EXISTS (
                        SELECT 1 FROM version_row r WHERE r.versionKey = v.key AND r.exampleId = ? AND r.erased = 0)
                    ORDER BY v.key
                    """, arguments: [row.id, exampleID])
            let alreadyErased =
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM tombstone WHERE datasetId = ? AND exampleId = ?",
                    arguments: [row.id, exampleID]) != nil
            if affected.isEmpty && !alreadyErased {
                throw DatasetStoreError.unknownVersion(
                    dataset: dataset, version: "any version holding example '\(exampleID)'")
            }
            let now = SQLiteDatasetStore.now()
            let when = FoundryJSON.isoTimestamp(milliseconds: now)
            let keys: [Int64] = affected.map { $0[0] }
            var staleIDs: [Int64] = []
            var affectedIDs: [String] = []
            for version in affected {
                let key: Int64 = version[0]
                var versionID: String = version[1]
                // The version's content changed: its keyed digest no longer describes it, and an id that was still
                // the content hash of its rows (from before ids were opaque) would keep the erased row guessable.
                if version[2] as Int64 == 1 {
                    versionID = try SQLiteDatasetStore.replaceVersionID(
                        db, versionKey: key, datasetID: row.id, oldID: versionID)
                }
                try db.execute(sql: "UPDATE version SET contentDigest = NULL WHERE key = ?", arguments: [key])
                affectedIDs.append(versionID)
                try db.execute(
                    sql:
                        "UPDATE version_row SET text = NULL, fields = NULL, erased = 1 WHERE versionKey = ? AND exampleId = ?",
                    arguments: [key, exampleID])
                try db.execute(
                    sql: "UPDATE version SET erasedCount = erasedCount + ? WHERE key = ?",
                    arguments: [db.changesCount, key])
                try db.execute(
                    sql: "DELETE FROM gold_label WHERE versionKey = ? AND exampleId = ?", arguments: [key, exampleID])
                let built = try Int64.fetchAll(
                    db, sql: "SELECT id FROM artifact WHERE versionKey = ? AND staleAt IS NULL ORDER BY id",
                    arguments: [key])
                let reason =
                    "example '\(exampleID)' was erased at \(when) by '\(principal.name)' from version \(versionID.prefix(12))"
                for id in built {
                    try markStale(id, at: now, reason: reason, db: db)
                    staleIDs.append(id)
                }
            }
            // Then everything derived from a stale artifact, breadth first, each naming its parent.
            var frontier = staleIDs
            while !frontier.isEmpty {
                var next: [Int64] = []
                for parent in frontier {
                    let parentRow = try Row.fetchOne(
                        db, sql: "SELECT kind, name FROM artifact WHERE id = ?", arguments: [parent])
                    let parentName = parentRow.map { "\($0["kind"] as String) '\($0["name"] as String)'" } ?? "?"
                    let children = try Int64.fetchAll(
                        db, sql: "SELECT id FROM artifact WHERE derivedFrom = ? AND staleAt IS NULL ORDER BY id",
                        arguments: [parent])
                    for child in children {
                        try markStale(
                            child, at: now,
                            reason:
                                "derived from \(parentName) (artifact \(parent)), stale since example '\(exampleID)' was erased at \(when) by '\(principal.name)'",
                            db: db)
                        next.append(child)
                    }
                }
                staleIDs += next
                frontier = next
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO tombstone(datasetId, exampleId, erasedAt, erasedBy) VALUES (?, ?, ?, ?)",
                arguments: [row.id, exampleID, now, principal.id])
            let stale = try store.artifacts(db, dataset: row, ids: staleIDs)
            let report = ErasureReport(
                dataset: dataset, exampleID: exampleID, affectedVersions: affectedIDs, staleArtifacts: stale,
                erasedAt: SQLiteDatasetStore.date(now))
            return (
                report,
                SQLiteDatasetStore.AuditNote(
                    detail: "example '\(exampleID)': \(keys.count) versions, \(stale.count) artifacts stale")
            )
        }
    }

    private func markStale(_ id: Int64, at now: Int64, reason: String, db: Database) throws {
        try db.execute(
            sql: "UPDATE artifact SET staleAt = ?, staleReason = ? WHERE id = ? AND staleAt IS NULL",
            arguments: [now, reason, id])
    }
}
