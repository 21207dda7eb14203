import Foundation
import GRDB

extension SQLiteDatasetStore {
    static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The canonical bytes of an entry, hashed after the previous entry's hash.
    static func entryHash(
        previous: [UInt8], id: Int64, timestamp: Int64, principal: String, operation: String, action: String,
        dataset: String?, version: String?, outcome: String, detail: String
    ) -> [UInt8] {
        var hasher = CanonicalHasher(domain: CanonicalEncoding.auditDomain)
        hasher.append(previous)
        hasher.append(String(id))
        hasher.append(String(timestamp))
        hasher.append(principal)
        hasher.append(operation)
        hasher.append(action)
        hasher.append(dataset.map { "1" + $0 } ?? "0")
        hasher.append(version.map { "1" + $0 } ?? "0")
        hasher.append(outcome)
        hasher.append(detail)
        return hasher.finalize()
    }

    /// Appends one entry to the chain inside the caller's write transaction.
    func appendAudit(
        _ db: Database, principal: String, operation: String, action: String, dataset: String?, version: String?,
        outcome: AuditOutcome, detail: String
    ) throws {
        let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1")
        let id = (last?["id"] as Int64? ?? 0) + 1
        let previous: [UInt8] = (last?["hash"] as Data?).map { Array($0) } ?? Self.genesisHash
        let timestamp = Self.now()
        let hash = Self.entryHash(
            previous: previous, id: id, timestamp: timestamp, principal: principal, operation: operation,
            action: action, dataset: dataset, version: version, outcome: outcome.rawValue, detail: detail)
        try db.execute(
            sql: """
                INSERT INTO audit_entry(id, timestamp, principal, operation, action, dataset, version, outcome, detail,
                                        previousHash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, timestamp, principal, operation, action, dataset, version, outcome.rawValue, detail,
                Data(previous), Data(hash),
            ])
        try db.execute(sql: "UPDATE store_meta SET value = ? WHERE key = 'audit_head_id'", arguments: [id])
        try db.execute(sql: "UPDATE store_meta SET value = ? WHERE key = 'audit_head_hash'", arguments: [Data(hash)])
    }

    /// The most recent audit entries, oldest first. Requires store-wide `admin`.
    ///
    /// - Parameters:
    ///   - limit: at most this many entries (the latest ones).
    ///   - principal: the acting principal.
    public func auditLog(limit: Int = 100, as principal: Principal) throws -> [AuditEntry] {
        try performRead(principal, operation: "audit-log", action: .admin, dataset: nil) { db, _ in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM audit_entry ORDER BY id DESC LIMIT ?", arguments: [max(0, limit)])
            let entries = rows.reversed().map { row in
                AuditEntry(
                    id: row["id"], timestamp: Self.date(row["timestamp"]), principal: row["principal"],
                    operation: row["operation"], action: row["action"], dataset: row["dataset"],
                    version: row["version"], outcome: AuditOutcome(rawValue: row["outcome"]) ?? .failed,
                    detail: row["detail"], previousHash: CanonicalEncoding.hex(row["previousHash"] as Data),
                    hash: CanonicalEncoding.hex(row["hash"] as Data))
            }
            return (entries, AuditNote(detail: "\(entries.count) entries"))
        }
    }

    /// Recomputes the hash chain and reports the first entry that does not check out. Requires store-wide `admin`.
    ///
    /// Detects an edited entry (its hash no longer matches), a deleted one (a gap in the ids, or the next
    /// entry's previous hash not matching), reordered ones (hashes cover the id and the previous hash)
    /// and a truncated tail (the recorded head no longer exists).
    /// - Complexity: O(entries).
    public func verifyAuditLog(as principal: Principal) throws -> AuditVerification {
        try performRead(principal, operation: "audit-verify", action: .admin, dataset: nil) { db, _ in
            let result = try Self.verifyChain(db)
            return (
                result,
                AuditNote(
                    detail: result.ok
                        ? "ok, \(result.entryCount) entries"
                        : "BAD at \(result.firstBadEntry ?? 0): \(result.reason ?? "")")
            )
        }
    }

    static func verifyChain(_ db: Database) throws -> AuditVerification {
        var previous = genesisHash
        var expectedID: Int64 = 1
        var count = 0
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM audit_entry ORDER BY id")
        while let row = try cursor.next() {
            let id: Int64 = row["id"]
            func bad(_ reason: String) -> AuditVerification {
                AuditVerification(ok: false, entryCount: count, firstBadEntry: id, reason: reason)
            }
            guard id == expectedID else {
                return AuditVerification(
                    ok: false, entryCount: count, firstBadEntry: expectedID,
                    reason: "entry \(expectedID) is missing (next entry is \(id))")
            }
            guard let storedPrevious = row["previousHash"] as Data?, Array(storedPrevious) == previous else {
                return bad(
                    "previous-hash link does not match entry \(id - 1): an entry was deleted, reordered or edited")
            }
            guard let outcome = row["outcome"] as String?, let stored = row["hash"] as Data? else {
                return bad("entry has missing fields")
            }
            let recomputed = entryHash(
                previous: previous, id: id, timestamp: row["timestamp"], principal: row["principal"] ?? "",
                operation: row["operation"] ?? "", action: row["action"] ?? "", dataset: row["dataset"],
                version: row["version"], outcome: outcome, detail: row["detail"] ?? "")
            guard Array(stored) == recomputed else {
                return bad("entry content does not match its hash: it was edited")
            }
            previous = recomputed
            expectedID += 1
            count += 1
        }
        let headID = try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'audit_head_id'") ?? 0
        let headHash =
            try Data.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'audit_head_hash'") ?? Data()
        if headID != expectedID - 1 || (headID > 0 && Array(headHash) != previous) {
            return AuditVerification(
                ok: false, entryCount: count, firstBadEntry: expectedID,
                reason:
                    "the recorded head is entry \(headID) but the log ends at \(expectedID - 1): entries were removed from the end"
            )
        }
        return AuditVerification(ok: true, entryCount: count, firstBadEntry: nil, reason: nil)
    }
}
