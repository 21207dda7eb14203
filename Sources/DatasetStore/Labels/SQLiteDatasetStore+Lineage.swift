import Foundation
import FoundryCore
import GRDB

extension SQLiteStoreTransaction {
    /// Records that an artifact (label model, adapter, …) was built from a dataset version or derived from another
    /// artifact, with its files. Requires `write`.
    ///
    /// - Parameters:
    ///   - kind: the artifact kind.
    ///   - name: a name unique per version and kind.
    ///   - details: free-form details (JSON or text).
    ///   - files: contents by plain file name (no `/`); stored with their SHA-256.
    ///   - derivedFrom: the parent artifact (same dataset).
    ///   - version: an id or unique prefix; nil is the version of `derivedFrom` when given, else the latest.
    /// - Throws: ``DatasetStoreError/duplicateName(kind:name:)``, ``DatasetStoreError/invalidName(kind:name:reason:)``,
    ///   ``DatasetStoreError/invalidLineage(artifact:reason:)``.
    public func recordArtifact(
        kind: ArtifactKind, name: String, details: String = "", files: [String: Data] = [:], derivedFrom: Int64? = nil,
        dataset: String, version: String?
    ) throws -> Artifact {
        try storeArtifact(
            ArtifactDraft(kind: kind, name: name, details: details, derivedFrom: derivedFrom, files: files),
            operation: "record-artifact", action: .write, dataset: dataset, version: version,
            auditDetail: "\(kind) '\(name)'" + (files.isEmpty ? "" : ", \(files.count) files")
        ) { _, _ in }
    }

    /// One artifact by id, as this unit sees it. Requires `read` on its dataset.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifactID(_:)``.
    public func artifact(id: Int64) throws -> Artifact {
        let dataset = try store.datasetName(ofArtifact: id, db: db)
        let readable = try dataset.map {
            try store.authorize(principal, .read, datasetID: try store.datasetID(named: $0, db: db), db: db)
        }
        guard let dataset, readable == true else {
            return try perform("show-artifact", action: nil, dataset: nil) { _, _ in
                throw DatasetStoreError.unknownArtifactID(id)
            }
        }
        return try perform("show-artifact", action: .read, dataset: dataset) { db, row in
            guard let row,
                let artifact = try store.redacted(store.artifacts(db, dataset: row, ids: [id]), principal, row, db)
                    .first
            else {
                throw DatasetStoreError.unknownArtifactID(id)
            }
            return (artifact, SQLiteDatasetStore.AuditNote(version: artifact.version, detail: "artifact \(id)"))
        }
    }

    /// The one artifact-writing path: resolve the version (or the parent's), check the row count and the parent,
    /// insert the artifact and its files, then `payload` (the kind's own table), all as one audited operation.
    func storeArtifact(
        _ draft: ArtifactDraft, operation: String, action: Action, dataset: String, version: String?,
        auditDetail: String, payload: (Database, Artifact) throws -> Void
    ) throws -> Artifact {
        try perform(operation, action: action, dataset: dataset, version: version) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let store = self.store
            let record: VersionRecord
            if version == nil, let parent = draft.derivedFrom {
                record = try store.parentVersion(of: parent, dataset: row, db: db)
            } else {
                record = try store.resolveVersion(version, dataset: row, db: db)
            }
            if let rows = draft.rowCount, rows != record.rowCount {
                throw DatasetStoreError.invalidLabels(
                    dataset: dataset, version: record.id,
                    reason: "\(draft.kind) '\(draft.name)' has \(rows) rows, the version has \(record.rowCount)")
            }
            let artifact = try store.insertArtifact(draft, record: record, dataset: row, principal: principal, db: db)
            try payload(db, artifact)
            return (artifact, SQLiteDatasetStore.AuditNote(version: record.id, detail: auditDetail))
        }
    }
}

extension SQLiteDatasetStore {
    /// One artifact by id, with its file list and stale flag. Requires `read` on its dataset.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifactID(_:)``.
    public func artifact(id: Int64, as principal: Principal) throws -> Artifact {
        try performArtifactRead(id, operation: "show-artifact", as: principal) { db, row in
            guard let artifact = try redacted(artifacts(db, dataset: row, ids: [id]), principal, row, db).first else {
                throw DatasetStoreError.unknownArtifactID(id)
            }
            return (artifact, AuditNote(version: artifact.version, detail: "artifact \(id)"))
        }
    }

    /// One artifact by kind and name on a version (nil = latest). Requires `read`.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifact(dataset:version:name:)``.
    public func artifact(
        kind: ArtifactKind, name: String, dataset: String, version: String?, as principal: Principal
    ) throws -> Artifact {
        try performRead(principal, operation: "show-artifact", action: .read, dataset: dataset, version: version) {
            db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let record = try resolveVersion(version, dataset: row, db: db)
            guard
                let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM artifact WHERE versionKey = ? AND kind = ? AND name = ?",
                    arguments: [record.key, kind.rawValue, name]),
                let artifact = try redacted(artifacts(db, dataset: row, ids: [id]), principal, row, db).first
            else { throw DatasetStoreError.unknownArtifact(dataset: dataset, version: record.id, name: name) }
            return (artifact, AuditNote(version: record.id, detail: "\(kind) '\(name)'"))
        }
    }

    /// The files stored with an artifact, by name, each checked against its recorded SHA-256. Requires `read` on the
    /// artifact's dataset.
    ///
    /// - Throws: ``DatasetStoreError/unknownArtifactID(_:)``; ``DatasetStoreError/storage(_:)`` naming a file whose
    ///   bytes no longer match their digest.
    public func artifactFiles(artifact id: Int64, as principal: Principal) throws -> [String: Data] {
        try performArtifactRead(id, operation: "read-artifact-files", as: principal) { db, _ in
            var files: [String: Data] = [:]
            var total = 0
            let rows = try Row.fetchCursor(
                db, sql: "SELECT name, bytes, sha256 FROM artifact_file WHERE artifactId = ? ORDER BY name",
                arguments: [id])
            while let row = try rows.next() {
                let name: String = row["name"]
                let bytes: Data = row["bytes"] ?? Data()
                guard Digest.sha256Hex(bytes) == row["sha256"] as String else {
                    throw DatasetStoreError.storage(
                        "artifact \(id), file '\(name)': the stored bytes do not match their SHA-256")
                }
                files[name] = bytes
                total += bytes.count
            }
            return (files, AuditNote(detail: "artifact \(id): \(files.count) files, \(total) bytes"))
        }
    }

    /// Every artifact built from any version of the dataset, oldest first, with stale flags. Requires `read`.
    ///
    /// - Parameter staleOnly: list only artifacts that must be rebuilt after an erasure.
    public func lineage(of dataset: String, staleOnly: Bool = false, as principal: Principal) throws -> [Artifact] {
        try performRead(principal, operation: "lineage", action: .read, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let list = try redacted(artifacts(db, dataset: row, staleOnly: staleOnly), principal, row, db)
            return (list, AuditNote(detail: "\(list.count) artifacts\(staleOnly ? " (stale)" : "")"))
        }
    }

    /// The dataset's lineage as chains: each version, the artifacts built directly from it, and under each artifact
    /// those derived from it (version → label matrix → soft labels → adapter). Requires `read`.
    ///
    /// An artifact derived from an artifact of another version appears under its parent.
    /// - Parameter staleOnly: keep only stale artifacts and the artifacts on the way to them (and only versions
    ///   that lead to some).
    /// - Complexity: O(versions + artifacts).
    public func lineageTree(of dataset: String, staleOnly: Bool = false, as principal: Principal) throws
        -> DatasetLineage
    {
        try performRead(principal, operation: "lineage", action: .read, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            let records = try Row.fetchAll(
                db, sql: "SELECT * FROM version WHERE datasetId = ? ORDER BY key", arguments: [row.id]
            ).map(VersionRecord.init(row:))
            let all = try redacted(artifacts(db, dataset: row, staleOnly: false), principal, row, db)
            let known = Set(all.map(\.id))
            var children: [Int64: [Artifact]] = [:]
            var roots: [String: [Artifact]] = [:]
            for artifact in all {
                if let parent = artifact.derivedFrom, known.contains(parent) {
                    children[parent, default: []].append(artifact)
                } else {
                    roots[artifact.version, default: []].append(artifact)
                }
            }
            func node(_ artifact: Artifact) -> LineageNode? {
                let derived = (children[artifact.id] ?? []).compactMap(node)
                guard !staleOnly || artifact.isStale || !derived.isEmpty else { return nil }
                return LineageNode(artifact: artifact, derived: derived)
            }
            var versions: [VersionLineage] = []
            for record in records {
                let nodes = (roots[record.id] ?? []).compactMap(node)
                guard !staleOnly || !nodes.isEmpty else { continue }
                versions.append(
                    VersionLineage(version: try version(record, dataset: row.name, db: db), artifacts: nodes))
            }
            let tree = DatasetLineage(dataset: row.name, versions: versions)
            let count = tree.artifacts.count
            return (
                tree,
                AuditNote(detail: "\(count) artifacts in \(versions.count) versions\(staleOnly ? " (stale)" : "")")
            )
        }
    }

    // MARK: - Helpers

    /// `list` with erasure details removed from stale reasons unless the principal holds `read-sensitive`.
    func redacted(_ list: [Artifact], _ principal: Principal, _ dataset: DatasetRow, _ db: Database) throws
        -> [Artifact]
    {
        guard list.contains(where: { $0.staleReason != nil }),
            try !authorize(principal, .readSensitive, datasetID: dataset.id, db: db)
        else { return list }
        return list.map { $0.redactingErasure() }
    }

    /// Runs a read of the artifact with id `id`, authorized as `read` on its dataset.
    func performArtifactRead<T>(
        _ id: Int64, operation: String, as principal: Principal, _ body: (Database, DatasetRow) throws -> (T, AuditNote)
    ) throws -> T {
        let (dataset, readable) = try storage {
            try pool.read { db -> (String?, Bool) in
                guard let name = try datasetName(ofArtifact: id, db: db) else { return (nil, false) }
                return (name, try authorize(principal, .read, datasetID: try datasetID(named: name, db: db), db: db))
            }
        }
        guard let dataset, readable else {
            // One answer for a missing artifact and one on a dataset the principal may not read: the id reveals
            // neither its existence nor its dataset.
            let error = DatasetStoreError.unknownArtifactID(id)
            try auditOutcome(
                principal.name, operation, Action.read.rawValue, nil, nil, dataset == nil ? .failed : .denied,
                error.description)
            throw error
        }
        return try performRead(principal, operation: operation, action: .read, dataset: dataset) { db, row in
            guard let row else { throw DatasetStoreError.unknownDataset(dataset) }
            return try body(db, row)
        }
    }

    /// The name of the dataset an artifact belongs to, or nil when there is no such artifact.
    func datasetName(ofArtifact id: Int64, db: Database) throws -> String? {
        try String.fetchOne(
            db,
            sql: """
                SELECT d.name FROM artifact a JOIN version v ON v.key = a.versionKey JOIN dataset d ON d.id = v.datasetId
                WHERE a.id = ?
                """, arguments: [id])
    }

    /// The version of artifact `parent`, which must belong to `dataset`.
    func parentVersion(of parent: Int64, dataset: DatasetRow, db: Database) throws -> VersionRecord {
        guard
            let row = try Row.fetchOne(
                db,
                sql: "SELECT v.* FROM artifact a JOIN version v ON v.key = a.versionKey WHERE a.id = ?",
                arguments: [parent])
        else { throw DatasetStoreError.invalidLineage(artifact: parent, reason: "there is no artifact \(parent)") }
        let record = VersionRecord(row: row)
        guard (row["datasetId"] as Int64) == dataset.id else {
            throw DatasetStoreError.invalidLineage(
                artifact: parent, reason: "it belongs to another dataset than '\(dataset.name)'")
        }
        return record
    }

    /// Inserts an artifact, its files and its parent link, refusing a duplicate name, bad file names or a parent of
    /// another dataset. A child of a stale artifact is born stale.
    func insertArtifact(
        _ draft: ArtifactDraft, record: VersionRecord, dataset: DatasetRow, principal: Principal, db: Database
    ) throws -> Artifact {
        try Validation.name(draft.kind.rawValue, kind: "artifact kind")
        try Validation.name(draft.name, kind: "artifact")
        guard Validation.storable(draft.details) else {
            throw DatasetStoreError.invalidName(
                kind: "artifact details", name: draft.details, reason: "contains a NUL character")
        }
        for name in draft.files.keys {
            try Validation.name(name, kind: "artifact file")
            guard !name.contains("/"), !name.contains("\\"), name != ".", name != ".." else {
                throw DatasetStoreError.invalidName(
                    kind: "artifact file", name: name, reason: "must be a plain file name, without '/' or '\\'")
            }
        }
        var staleReason: String?
        if let parent = draft.derivedFrom {
            _ = try parentVersion(of: parent, dataset: dataset, db: db)
            if let stale = try Row.fetchOne(
                db, sql: "SELECT kind, name, staleReason FROM artifact WHERE id = ? AND staleAt IS NOT NULL",
                arguments: [parent])
            {
                staleReason =
                    "derived from stale \(stale["kind"] as String) '\(stale["name"] as String)' (artifact \(parent))"
                    + ((stale["staleReason"] as String?).map { ": \($0)" } ?? "")
            }
        }
        if try Bool.fetchOne(
            db, sql: "SELECT 1 FROM artifact WHERE versionKey = ? AND kind = ? AND name = ?",
            arguments: [record.key, draft.kind.rawValue, draft.name]) != nil
        {
            throw DatasetStoreError.duplicateName(kind: draft.kind.rawValue, name: draft.name)
        }
        let now = Self.now()
        try db.execute(
            sql: """
                INSERT INTO artifact(versionKey, kind, name, details, createdBy, createdAt, staleReason, staleAt, derivedFrom)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.key, draft.kind.rawValue, draft.name, draft.details, principal.id, now, staleReason,
                staleReason == nil ? nil : now, draft.derivedFrom,
            ])
        let id = db.lastInsertedRowID
        var files: [ArtifactFileInfo] = []
        for (name, bytes) in draft.files.sorted(by: { $0.key < $1.key }) {
            let digest = Digest.sha256Hex(bytes)
            try db.execute(
                sql: "INSERT INTO artifact_file(artifactId, name, bytes, sha256) VALUES (?, ?, ?, ?)",
                arguments: [id, name, bytes, digest])
            files.append(ArtifactFileInfo(name: name, byteCount: bytes.count, sha256: digest))
        }
        return Artifact(
            id: id, kind: draft.kind, name: draft.name, dataset: dataset.name, version: record.id,
            derivedFrom: draft.derivedFrom, details: draft.details, files: files, createdBy: principal.name,
            createdAt: Self.date(now), isStale: staleReason != nil, staleReason: staleReason,
            staleAt: staleReason == nil ? nil : Self.date(now))
    }

    /// The dataset's artifacts, oldest first (optionally only stale ones).
    func artifacts(_ db: Database, dataset: DatasetRow, staleOnly: Bool) throws -> [Artifact] {
        try artifacts(
            db, dataset: dataset, filter: staleOnly ? "AND a.staleAt IS NOT NULL" : "", arguments: [dataset.id])
    }

    /// The dataset's artifacts with these ids, oldest first.
    func artifacts(_ db: Database, dataset: DatasetRow, ids: [Int64]) throws -> [Artifact] {
        guard !ids.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ",")
        return try artifacts(
            db, dataset: dataset, filter: "AND a.id IN (\(placeholders))",
            arguments: StatementArguments([dataset.id] + ids))
    }

    /// `filter` is fixed by the callers in this file; values are bound through `arguments`.
    private func artifacts(_ db: Database, dataset: DatasetRow, filter: String, arguments: StatementArguments) throws
        -> [Artifact]
    {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT a.id, a.kind, a.name, a.details, a.derivedFrom, a.createdAt, a.staleReason, a.staleAt,
                       v.id AS version, p.name AS creator
                FROM artifact a JOIN version v ON v.key = a.versionKey JOIN principal p ON p.id = a.createdBy
                WHERE v.datasetId = ? \(filter) ORDER BY a.id
                """, arguments: arguments)
        var files: [Int64: [ArtifactFileInfo]] = [:]
        if !rows.isEmpty {
            let ids = rows.map { $0["id"] as Int64 }
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for file in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT artifactId, name, length(bytes) AS size, sha256 FROM artifact_file
                        WHERE artifactId IN (\(placeholders)) ORDER BY artifactId, name
                        """, arguments: StatementArguments(chunk))
                {
                    files[file["artifactId"], default: []].append(
                        ArtifactFileInfo(name: file["name"], byteCount: file["size"], sha256: file["sha256"]))
                }
            }
        }
        return rows.map {
            let id: Int64 = $0["id"]
            let staleAt: Int64? = $0["staleAt"]
            return Artifact(
                id: id, kind: ArtifactKind(rawValue: $0["kind"]), name: $0["name"], dataset: dataset.name,
                version: $0["version"], derivedFrom: $0["derivedFrom"], details: $0["details"], files: files[id] ?? [],
                createdBy: $0["creator"], createdAt: Self.date($0["createdAt"]), isStale: staleAt != nil,
                staleReason: $0["staleReason"], staleAt: staleAt.map(Self.date))
        }
    }
}
