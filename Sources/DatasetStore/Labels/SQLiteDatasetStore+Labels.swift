import Foundation
import GRDB
import Labeling

extension SQLiteDatasetStore {
    /// Stores gold labels (class index per example id) for a version, replacing earlier ones for those ids. Requires `label`.
    ///
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` for an id not in the version (or erased) or a negative class.
    public func setGoldLabels(_ labels: [String: Int], dataset: String, version: String?, as principal: Principal)
        throws
    {
        try performWrite(principal, operation: "set-gold-labels", action: .label, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
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
            return ((), AuditNote(version: record.id, detail: "\(labels.count) gold labels"))
        }
    }

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

    /// Stores a label matrix (one row per version row, in order) with the LF set that produced it. Requires `label`.
    ///
    /// Recorded in the lineage as an artifact of kind `label-matrix`.
    /// - Throws: ``DatasetStoreError/invalidLabels(dataset:version:reason:)`` when the row count differs from the version's;
    ///   ``DatasetStoreError/duplicateName(kind:name:)``.
    public func storeLabelMatrix(
        _ matrix: LabelMatrix, name: String, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try Validation.name(name, kind: "label matrix")
        return try performWrite(
            principal, operation: "store-label-matrix", action: .label, dataset: dataset, version: version
        ) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            guard matrix.rowCount == record.rowCount else {
                throw DatasetStoreError.invalidLabels(
                    dataset: dataset, version: record.id,
                    reason: "label matrix has \(matrix.rowCount) rows, the version has \(record.rowCount)")
            }
            let details = "{\"lfs\":\(Self.encodeList(matrix.lfNames)),\"votes\":\(matrix.voteCount)}"
            let artifact = try insertArtifact(
                kind: "label-matrix", name: name, details: details, record: record, dataset: row, principal: principal,
                db: db)
            try db.execute(
                sql: """
                    INSERT INTO label_matrix(artifactId, lfNames, classNames, rowCount, rowOffsets, voteLFs, voteClasses)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    artifact.id, Self.encodeList(matrix.lfNames), Self.encodeList(matrix.classNames), matrix.rowCount,
                    BlobCoding.encode(matrix.rowOffsets.map { Int64($0) }), BlobCoding.encode(matrix.voteLFs),
                    BlobCoding.encode(matrix.voteClasses),
                ])
            return (
                artifact,
                AuditNote(
                    version: record.id,
                    detail: "label matrix '\(name)': \(matrix.lfCount) LFs, \(matrix.voteCount) votes")
            )
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
                kind: "label-matrix", table: "label_matrix", columns: "t.*", name: name, record: record,
                dataset: dataset, db: db)
            let rowCount: Int = stored["rowCount"]
            let offsets = try BlobCoding.decode(
                stored["rowOffsets"], as: Int64.self, count: rowCount + 1, what: "row offsets")
            let voteCount = Int(offsets.last ?? 0)
            let matrix: LabelMatrix
            do {
                matrix = try LabelMatrix(
                    rowCount: rowCount, lfNames: try Self.decodeList(stored["lfNames"]),
                    classNames: try Self.decodeList(stored["classNames"]), rowOffsets: offsets.map { Int($0) },
                    voteLFs: try BlobCoding.decode(
                        stored["voteLFs"], as: UInt16.self, count: voteCount, what: "vote LFs"),
                    voteClasses: try BlobCoding.decode(
                        stored["voteClasses"], as: UInt16.self, count: voteCount, what: "vote classes"),
                    source: "label matrix '\(name)'")
            } catch let error as LabelingError {
                throw DatasetStoreError.storage(error.description)
            }
            return (matrix, AuditNote(version: record.id, detail: "label matrix '\(name)'"))
        }
    }

    /// Stores probabilistic labels (n × k Float32) and the label model that produced them. Requires `label`.
    ///
    /// Recorded in the lineage as an artifact of kind `probabilistic-labels`.
    public func storeProbabilisticLabels(
        _ labels: ProbabilisticLabels, name: String, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try Validation.name(name, kind: "probabilistic labels")
        return try performWrite(
            principal, operation: "store-probabilistic-labels", action: .label, dataset: dataset, version: version
        ) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            guard labels.rowCount == record.rowCount else {
                throw DatasetStoreError.invalidLabels(
                    dataset: dataset, version: record.id,
                    reason: "probabilistic labels have \(labels.rowCount) rows, the version has \(record.rowCount)")
            }
            guard Validation.storable(labels.labelModel), Validation.storable(labels.labelModelJSON) else {
                throw DatasetStoreError.invalidLabels(
                    dataset: dataset, version: record.id, reason: "label model name or JSON contains NUL")
            }
            let artifact = try insertArtifact(
                kind: "probabilistic-labels", name: name,
                details: "{\"labelModel\":\(Self.encodeList([labels.labelModel]))}",
                record: record, dataset: row, principal: principal, db: db)
            try db.execute(
                sql: """
                    INSERT INTO probabilistic_labels(artifactId, labelModel, labelModelJSON, rowCount, classCount, probabilities)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    artifact.id, labels.labelModel, labels.labelModelJSON, labels.rowCount, labels.classCount,
                    BlobCoding.encode(labels.probabilities),
                ])
            return (
                artifact,
                AuditNote(version: record.id, detail: "probabilistic labels '\(name)' from \(labels.labelModel)")
            )
        }
    }

    /// Stored probabilistic labels. Requires `read`.
    public func probabilisticLabels(named name: String, dataset: String, version: String?, as principal: Principal)
        throws -> ProbabilisticLabels
    {
        try performRead(
            principal, operation: "read-probabilistic-labels", action: .read, dataset: dataset, version: version
        ) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let stored = try artifactRow(
                kind: "probabilistic-labels", table: "probabilistic_labels", columns: "t.*", name: name, record: record,
                dataset: dataset, db: db)
            let rows: Int = stored["rowCount"], classes: Int = stored["classCount"]
            let labels = try ProbabilisticLabels(
                rowCount: rows, classCount: classes,
                probabilities: try BlobCoding.decode(
                    stored["probabilities"], floats: rows * classes, what: "probabilities"),
                labelModel: stored["labelModel"], labelModelJSON: stored["labelModelJSON"])
            return (labels, AuditNote(version: record.id, detail: "probabilistic labels '\(name)'"))
        }
    }

    /// Stores cleaning decisions (an opaque JSON payload from the Cleaning module) for a version. Requires `write`.
    ///
    /// Recorded in the lineage as an artifact of kind `cleaning-decisions`.
    public func storeCleaningDecisions(
        _ decisions: CleaningDecisions, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try Validation.name(decisions.name, kind: "cleaning decisions")
        try Validation.name(decisions.kind, kind: "cleaning decision kind")
        return try performWrite(
            principal, operation: "store-cleaning-decisions", action: .write, dataset: dataset, version: version
        ) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            let artifact = try insertArtifact(
                kind: "cleaning-decisions", name: decisions.name,
                details: "{\"kind\":\(Self.encodeList([decisions.kind]))}",
                record: record, dataset: row, principal: principal, db: db)
            try db.execute(
                sql: "INSERT INTO cleaning_decision(artifactId, payload) VALUES (?, ?)",
                arguments: [artifact.id, decisions.payload])
            return (
                artifact,
                AuditNote(
                    version: record.id,
                    detail: "cleaning decisions '\(decisions.name)' (\(decisions.payload.count) bytes)")
            )
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
                kind: "cleaning-decisions", table: "cleaning_decision", columns: "a.details, t.payload", name: name,
                record: record, dataset: dataset, db: db)
            struct Details: Decodable { let kind: [String] }
            let details = try? JSONDecoder().decode(Details.self, from: Data((stored["details"] as String).utf8))
            let value = CleaningDecisions(kind: details?.kind.first ?? "", name: name, payload: stored["payload"])
            return (value, AuditNote(version: record.id, detail: "cleaning decisions '\(name)'"))
        }
    }

    /// The row of artifact `name` of `kind` in `record`, joined with its detail table (aliased `t`; the artifact is `a`).
    ///
    /// `table` and `columns` are fixed by the callers in this file, never user input; `name` is bound.
    /// - Throws: ``DatasetStoreError/unknownArtifact(dataset:version:name:)`` when there is no such artifact.
    private func artifactRow(
        kind: String, table: String, columns: String, name: String, record: VersionRecord, dataset: String, db: Database
    ) throws -> Row {
        let sql =
            "SELECT \(columns) FROM \(table) t JOIN artifact a ON a.id = t.artifactId WHERE a.versionKey = ? AND a.kind = ? AND a.name = ?"
        guard let stored = try Row.fetchOne(db, sql: sql, arguments: [record.key, kind, name]) else {
            throw DatasetStoreError.unknownArtifact(dataset: dataset, version: record.id, name: name)
        }
        return stored
    }
}
