import Foundation
import FoundryCore
import GRDB
import Labeling

extension SQLiteStoreTransaction {
    /// Stores gold labels (class index per example id) for a version, replacing earlier ones for those ids. Requires
    /// `label`.
    ///
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` for an id not in the version (or
    ///   erased) or a negative class.
    public func setGoldLabels(_ labels: [String: Int], dataset: String, version: String?) throws {
        try perform("set-gold-labels", action: .label, dataset: dataset, version: version) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try store.resolveVersion(version, dataset: row, db: db)
            let ids = try Set(
                String.fetchAll(
                    db, sql: "SELECT exampleId FROM version_row WHERE versionKey = ? AND erased = 0",
                    arguments: [record.key]))
            let insert = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO gold_label(versionKey, exampleId, label) VALUES (?, ?, ?)")
            for (id, label) in labels.sorted(by: { $0.key < $1.key }) {
                guard ids.contains(id) else {
                    throw DatasetStoreError.invalidLabels(
                        dataset: dataset, version: record.id, reason: "example '\(id)' is not in the version")
                }
                guard label >= 0 else {
                    throw DatasetStoreError.invalidLabels(
                        dataset: dataset, version: record.id, reason: "example '\(id)': class \(label) is negative")
                }
                try insert.execute(arguments: [record.key, id, label])
            }
            return ((), SQLiteDatasetStore.AuditNote(version: record.id, detail: "\(labels.count) gold labels"))
        }
    }

    /// Stores a label matrix (one row per version row, in order) with the LF set that produced it. Requires `label`.
    ///
    /// Recorded in the lineage as an artifact of kind ``ArtifactKind/labelMatrix``.
    /// - Parameters:
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    ///   - derivedFrom: the artifact the matrix was built from, if any.
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` when the row count differs from the
    ///   version's; ``DatasetStoreError/duplicateName(kind:name:)``.
    public func storeLabelMatrix(
        _ matrix: LabelMatrix, name: String, dataset: String, version: String?, derivedFrom: Int64? = nil
    ) throws -> Artifact {
        struct Details: Encodable {
            let lfs: [String]
            let classes: [String]
            let rows: Int
            let votes: Int
        }
        let details = try FoundryJSON.string(
            Details(lfs: matrix.lfNames, classes: matrix.classNames, rows: matrix.rowCount, votes: matrix.voteCount))
        return try storeArtifact(
            ArtifactDraft(
                kind: .labelMatrix, name: name, details: details, derivedFrom: derivedFrom, rowCount: matrix.rowCount),
            operation: "store-label-matrix", action: .label, dataset: dataset, version: version,
            auditDetail: "label matrix '\(name)': \(matrix.lfCount) LFs, \(matrix.voteCount) votes"
        ) { db, artifact in
            try db.execute(
                sql: """
                    INSERT INTO label_matrix(artifactId, lfNames, classNames, rowCount, rowOffsets, voteLFs, voteClasses)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    artifact.id, SQLiteDatasetStore.encodeList(matrix.lfNames),
                    SQLiteDatasetStore.encodeList(matrix.classNames), matrix.rowCount,
                    BlobCoding.encode(matrix.rowOffsets.map { Int64($0) }), BlobCoding.encode(matrix.voteLFs),
                    BlobCoding.encode(matrix.voteClasses),
                ])
        }
    }

    /// Stores soft labels (n × k Float32 and the class names) with the label model that produced them. Requires
    /// `label`.
    ///
    /// Recorded in the lineage as an artifact of kind ``ArtifactKind/softLabels``.
    /// - Parameters:
    ///   - labelModelMethod: the label model's method (`dawid-skene`, `moments`, …).
    ///   - labelModelFile: the text of the fitted label model's JSON file (read back byte for byte).
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    ///   - derivedFrom: the label matrix (or label-model artifact) the labels were predicted from.
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` when the row count differs from the
    ///   version's or the method or file contain NUL; ``DatasetStoreError/duplicateName(kind:name:)``.
    public func storeSoftLabels(
        _ labels: SoftLabels, name: String, labelModelMethod: String, labelModelFile: String, dataset: String,
        version: String?, derivedFrom: Int64? = nil
    ) throws -> Artifact {
        struct Details: Encodable {
            let classes: [String]
            let rows: Int
            let labelModelMethod: String
        }
        let details = try FoundryJSON.string(
            Details(classes: labels.classNames, rows: labels.rowCount, labelModelMethod: labelModelMethod))
        return try storeArtifact(
            ArtifactDraft(
                kind: .softLabels, name: name, details: details, derivedFrom: derivedFrom, rowCount: labels.rowCount),
            operation: "store-soft-labels", action: .label, dataset: dataset, version: version,
            auditDetail: "soft labels '\(name)' from \(labelModelMethod)"
        ) { db, artifact in
            guard Validation.storable(labelModelMethod), Validation.storable(labelModelFile),
                labels.classNames.allSatisfy(Validation.storable)
            else {
                throw DatasetStoreError.invalidLabels(
                    dataset: dataset, version: artifact.version,
                    reason: "the label model method, its file or a class name contains NUL")
            }
            try db.execute(
                sql: """
                    INSERT INTO soft_labels(
                        artifactId, labelModel, labelModelJSON, rowCount, classCount, probabilities, classNames)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    artifact.id, labelModelMethod, labelModelFile, labels.rowCount, labels.classCount,
                    BlobCoding.encode(labels.probabilities), SQLiteDatasetStore.encodeList(labels.classNames),
                ])
        }
    }

    /// Stores cleaning decisions (an opaque JSON payload from the Cleaning module) for a version. Requires `write`.
    ///
    /// Recorded in the lineage as an artifact of kind ``ArtifactKind/cleaningDecisions``.
    public func storeCleaningDecisions(_ decisions: CleaningDecisions, dataset: String, version: String?) throws
        -> Artifact
    {
        try storeArtifact(
            ArtifactDraft(
                kind: .cleaningDecisions, name: decisions.name,
                details: "{\"kind\":\(SQLiteDatasetStore.encodeList([decisions.kind]))}"),
            operation: "store-cleaning-decisions", action: .write, dataset: dataset, version: version,
            auditDetail: "cleaning decisions '\(decisions.name)' (\(decisions.payload.count) bytes)"
        ) { db, artifact in
            try Validation.name(decisions.kind, kind: "cleaning decision kind")
            try db.execute(
                sql: "INSERT INTO cleaning_decision(artifactId, payload) VALUES (?, ?)",
                arguments: [artifact.id, decisions.payload])
        }
    }
}

extension SQLiteDatasetStore {
    /// The gold labels of a version by example id. Requires `read`.
    public func goldLabels(dataset: String, version: String?, as principal: Principal) throws -> [String: Int] {
        try performRead(principal, operation: "read-gold-labels", action: .read, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            var labels: [String: Int] = [:]
            for stored in try Row.fetchAll(
                db, sql: "SELECT exampleId, label FROM gold_label WHERE versionKey = ?", arguments: [record.key])
            {
                labels[stored[0]] = stored[1]
            }
            return (labels, AuditNote(version: record.id, detail: "\(labels.count) gold labels"))
        }
    }

    /// A stored label matrix. Requires `read`.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifact(dataset:version:name:)``.
    public func labelMatrix(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> LabelMatrix
    {
        try performRead(principal, operation: "read-label-matrix", action: .read, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let stored = try artifactRow(
                kind: .labelMatrix, table: "label_matrix", columns: "t.*", name: name, record: record,
                dataset: dataset, db: db)
            let matrix = try decodeLabelMatrix(stored, name: name)
            return (matrix, AuditNote(version: record.id, detail: "label matrix '\(name)'"))
        }
    }

    /// Stored soft labels with the label model that produced them and their lineage record. Requires `read`.
    ///
    /// Soft labels stored before class names were kept read back with the names `class_0`, `class_1`, ….
    /// - Throws: ``DatasetStoreError/unknownArtifact(dataset:version:name:)``; ``DatasetStoreError/storage(_:)`` when
    ///   the stored values are not a valid distribution per row.
    public func softLabels(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> StoredSoftLabels
    {
        try performRead(principal, operation: "read-soft-labels", action: .read, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let stored = try artifactRow(
                kind: .softLabels, table: "soft_labels", columns: "t.*", name: name, record: record,
                dataset: dataset, db: db)
            guard let artifact = try artifacts(db, dataset: row, ids: [stored["artifactId"]]).first else {
                throw DatasetStoreError.unknownArtifact(dataset: dataset, version: record.id, name: name)
            }
            let value = try decodeSoftLabels(stored, artifact: artifact)
            return (value, AuditNote(version: record.id, detail: "soft labels '\(name)'"))
        }
    }

    /// Stored cleaning decisions by name. Requires `read`.
    public func cleaningDecisions(named name: String, dataset: String, version: String?, as principal: Principal) throws
        -> CleaningDecisions
    {
        try performRead(
            principal, operation: "read-cleaning-decisions", action: .read, dataset: dataset, version: version
        ) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let stored = try artifactRow(
                kind: .cleaningDecisions, table: "cleaning_decision", columns: "a.details, t.payload", name: name,
                record: record, dataset: dataset, db: db)
            struct Details: Decodable { let kind: [String] }
            let details = try? JSONDecoder().decode(Details.self, from: Data((stored["details"] as String).utf8))
            let value = CleaningDecisions(kind: details?.kind.first ?? "", name: name, payload: stored["payload"])
            return (value, AuditNote(version: record.id, detail: "cleaning decisions '\(name)'"))
        }
    }

    /// A stored label matrix by artifact id (as lineage chains name them). Requires `read` on its dataset.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifactID(_:)``, also when the artifact is not a label matrix.
    public func labelMatrix(artifact id: Int64, as principal: Principal) throws -> LabelMatrix {
        try performArtifactRead(id, operation: "read-label-matrix", as: principal) { db, _ in
            guard
                let stored = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.*, a.name FROM label_matrix t JOIN artifact a ON a.id = t.artifactId
                        WHERE a.id = ? AND a.kind = ?
                        """, arguments: [id, ArtifactKind.labelMatrix.rawValue])
            else { throw DatasetStoreError.unknownArtifactID(id) }
            let name: String = stored["name"]
            return (try decodeLabelMatrix(stored, name: name), AuditNote(detail: "label matrix '\(name)' (\(id))"))
        }
    }

    /// Stored soft labels by artifact id (as lineage chains name them). Requires `read` on their dataset.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifactID(_:)``, also when the artifact is not soft labels.
    public func softLabels(artifact id: Int64, as principal: Principal) throws -> StoredSoftLabels {
        try performArtifactRead(id, operation: "read-soft-labels", as: principal) { db, row in
            guard
                let stored = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.* FROM soft_labels t JOIN artifact a ON a.id = t.artifactId
                        WHERE a.id = ? AND a.kind = ?
                        """, arguments: [id, ArtifactKind.softLabels.rawValue]),
                let artifact = try artifacts(db, dataset: row, ids: [id]).first
            else { throw DatasetStoreError.unknownArtifactID(id) }
            let value = try decodeSoftLabels(stored, artifact: artifact)
            return (value, AuditNote(version: artifact.version, detail: "soft labels '\(artifact.name)' (\(id))"))
        }
    }

    /// A label matrix from its stored row (the CSR arrays as little-endian blobs).
    private func decodeLabelMatrix(_ stored: Row, name: String) throws -> LabelMatrix {
        let rowCount: Int = stored["rowCount"]
        let offsets = try BlobCoding.decode(
            stored["rowOffsets"], as: Int64.self, count: rowCount + 1, what: "row offsets")
        let voteCount = Int(offsets.last ?? 0)
        do {
            return try LabelMatrix(
                rowCount: rowCount, lfNames: try Self.decodeList(stored["lfNames"]),
                classNames: try Self.decodeList(stored["classNames"]), rowOffsets: offsets.map { Int($0) },
                voteLFs: try BlobCoding.decode(stored["voteLFs"], as: UInt16.self, count: voteCount, what: "vote LFs"),
                voteClasses: try BlobCoding.decode(
                    stored["voteClasses"], as: UInt16.self, count: voteCount, what: "vote classes"),
                source: "label matrix '\(name)'")
        } catch let error as LabelingError {
            throw DatasetStoreError.storage(error.description)
        }
    }

    /// Soft labels from their stored row; rows stored before class names were kept get `class_0`, `class_1`, ….
    private func decodeSoftLabels(_ stored: Row, artifact: Artifact) throws -> StoredSoftLabels {
        let rows: Int = stored["rowCount"], classes: Int = stored["classCount"]
        let classNames =
            try (stored["classNames"] as String?).map(Self.decodeList) ?? (0..<classes).map { "class_\($0)" }
        let labels: SoftLabels
        do {
            labels = try SoftLabels(
                probabilities: try BlobCoding.decode(
                    stored["probabilities"], floats: rows * classes, what: "probabilities"),
                classNames: classNames, source: "soft labels '\(artifact.name)'")
        } catch let error as FoundryCoreError {
            throw DatasetStoreError.storage(error.description)
        }
        guard labels.rowCount == rows else {
            throw DatasetStoreError.storage(
                "soft labels '\(artifact.name)': \(classNames.count) class names for \(classes) stored columns")
        }
        return StoredSoftLabels(
            softLabels: labels, labelModelMethod: stored["labelModel"], labelModelFile: stored["labelModelJSON"],
            artifact: artifact)
    }

    /// The row of artifact `name` of `kind` in `record`, joined with its detail table (aliased `t`; the artifact is `a`).
    ///
    /// `table` and `columns` are fixed by the callers in this file, never user input; `name` is bound.
    /// - Throws: ``DatasetStoreError/unknownArtifact(dataset:version:name:)`` when there is no such artifact.
    private func artifactRow(
        kind: ArtifactKind, table: String, columns: String, name: String, record: VersionRecord, dataset: String,
        db: Database
    ) throws -> Row {
        let sql =
            "SELECT \(columns) FROM \(table) t JOIN artifact a ON a.id = t.artifactId WHERE a.versionKey = ? AND a.kind = ? AND a.name = ?"
        guard let stored = try Row.fetchOne(db, sql: sql, arguments: [record.key, kind.rawValue, name]) else {
            throw DatasetStoreError.unknownArtifact(dataset: dataset, version: record.id, name: name)
        }
        return stored
    }
}
