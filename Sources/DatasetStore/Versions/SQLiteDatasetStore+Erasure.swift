import Foundation
import GRDB

extension SQLiteDatasetStore {
    /// Erases an example (right to be forgotten). Requires `delete` on the dataset.
    ///
    /// In one transaction: removes the example's text and fields from every version of the dataset
    /// that holds it (the row keeps its position and id so label matrices stay aligned), deletes its
    /// gold labels, keeps a tombstone (id, time, who — no content), refuses later re-imports of the
    /// id, and marks every artifact built from an affected version stale.
    /// Erasing an already-erased id again is allowed and changes nothing. Label matrices and
    /// probabilistic labels keep their rows (votes are not content) but are marked stale with every
    /// other artifact of the affected versions; files exported earlier cannot be recalled, which is
    /// why exports are recorded in the lineage.
    /// - Returns: the affected versions and the artifacts that just became stale.
    /// - Throws: ``DatasetStoreError/unknownVersion(dataset:version:)`` when no version holds the id,
    ///   ``DatasetStoreError/permissionDenied(principal:action:dataset:)`` without `delete`.
    /// - Complexity: O(rows of the dataset) (no index on example id, to keep imports fast).
    public func eraseExample(_ exampleID: String, from dataset: String, as principal: Principal) throws -> ErasureReport
    {
        try performWrite(principal, operation: "erase", action: .delete, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let affected = try Row.fetchAll(
                db,
                sql: """
                    SELECT v.key, v.id FROM version v
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
            let now = Self.now()
            let keys: [Int64] = affected.map { $0[0] }
            for key in keys {
                try db.execute(
                    sql:
                        "UPDATE version_row SET text = NULL, fields = NULL, erased = 1 WHERE versionKey = ? AND exampleId = ?",
                    arguments: [key, exampleID])
                try db.execute(
                    sql: "UPDATE version SET erasedCount = erasedCount + ? WHERE key = ?",
                    arguments: [db.changesCount, key])
                try db.execute(
                    sql: "DELETE FROM gold_label WHERE versionKey = ? AND exampleId = ?", arguments: [key, exampleID])
                try db.execute(
                    sql: "UPDATE artifact SET staleAt = ?, staleReason = ? WHERE versionKey = ? AND staleAt IS NULL",
                    arguments: [now, "example '\(exampleID)' was erased at \(now) by '\(principal.name)'", key])
            }
            try db.execute(
                sql: "INSERT OR IGNORE INTO tombstone(datasetId, exampleId, erasedAt, erasedBy) VALUES (?, ?, ?, ?)",
                arguments: [row.id, exampleID, now, principal.id])
            let stale: [Artifact]
            if keys.isEmpty {
                stale = []
            } else {
                let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ",")
                stale = try artifacts(
                    db, dataset: row, filter: "AND a.versionKey IN (\(placeholders)) AND a.staleAt = \(now)",
                    arguments: StatementArguments([row.id] + keys))
            }
            let report = ErasureReport(
                dataset: dataset, exampleID: exampleID, affectedVersions: affected.map { $0[1] }, staleArtifacts: stale,
                erasedAt: now)
            return (
                report,
                AuditNote(detail: "example '\(exampleID)': \(keys.count) versions, \(stale.count) artifacts stale")
            )
        }
    }
}
