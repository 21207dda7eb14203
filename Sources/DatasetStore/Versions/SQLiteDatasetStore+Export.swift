import Foundation
import GRDB

extension SQLiteStoreTransaction {
    /// Exports a version's rows with the dataset's license and attribution. Requires `export` on the dataset.
    ///
    /// Sensitive fields are masked unless the exporter also holds `read-sensitive`; erased rows are left out. The
    /// export is recorded in the lineage (kind ``ArtifactKind/export``, details holding license and attribution) and
    /// in the audit log, so it is marked stale if an exported example is later erased. Write the exported rows to
    /// their file inside the same unit of work: if writing fails, the export is not recorded either.
    public func export(_ dataset: String, version: String? = nil) throws -> ExportedDataset {
        try export(dataset, version: version, destination: nil)
    }

    /// Exports a version as ``export(_:version:)`` does, naming the file it is written to in the audit entry.
    ///
    /// - Parameter destination: where the caller writes the rows (recorded in the audit log).
    public func export(_ dataset: String, version: String?, destination: String?) throws -> ExportedDataset {
        try perform("export", action: .export, dataset: dataset, version: version) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let store = self.store
            let record = try store.resolveVersion(version, dataset: row, db: db)
            let mask = row.mask(
                canReadSensitive: try store.authorize(principal, .readSensitive, datasetID: row.id, db: db))
            let masked = mask.names(textColumn: row.textColumn)
            var examples: [Example] = []
            let cursor = try Row.fetchCursor(
                db,
                sql:
                    "SELECT exampleId, text, fields FROM version_row WHERE versionKey = ? AND erased = 0 ORDER BY position",
                arguments: [record.key])
            while let stored = try cursor.next() {
                var example = Example(
                    id: stored[0], text: stored[1] ?? "", fields: try CanonicalEncoding.parseFields(stored[2] ?? "{}"))
                mask.apply(&example)
                examples.append(example)
            }
            let now = SQLiteDatasetStore.now()
            // The path goes to the audit log (administrators), not to the lineage every reader sees.
            let details = CanonicalEncoding.fieldsJSON([
                "license": row.license, "attribution": row.attribution, "rows": String(examples.count),
                "masked": masked.joined(separator: ","),
            ])
            let artifact = try store.insertArtifact(
                ArtifactDraft(
                    kind: .export, name: "export-\(now)-\(CanonicalEncoding.hex(TokenHasher.randomBytes(4)))",
                    details: details),
                record: record, dataset: row, principal: principal, db: db)
            let exported = ExportedDataset(
                dataset: row.dataset, version: try store.version(record, dataset: row.name, db: db),
                examples: examples, maskedFields: masked, artifact: artifact)
            return (
                exported,
                SQLiteDatasetStore.AuditNote(
                    version: record.id,
                    detail: "\(examples.count) rows" + (destination.map { " to \($0)" } ?? "")
                        + ", license '\(row.license)', attribution '\(row.attribution)'")
            )
        }
    }
}
