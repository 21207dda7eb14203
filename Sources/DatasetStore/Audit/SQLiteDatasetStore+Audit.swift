import Crypto
import Foundation
import GRDB

extension SQLiteDatasetStore {
    static let genesisHash = [UInt8](repeating: 0, count: 32)
    /// The sub-key purposes of the audit chain, its recorded head and its checkpoints.
    static let auditPurpose = "foundry.audit-entry.v2"
    static let headPurpose = "foundry.audit-head.v1"
    static let checkpointPurpose = "foundry.audit-checkpoint.v1"
    /// The operation of the first keyed entry.
    static let sealOperation = "audit-seal"
    /// The operation of an entry the store appends when it finds the log does not end at its signed head.
    static let alarmOperation = "audit-alarm"

    /// The canonical bytes of an entry, hashed (legacy) or MACed (keyed) after the previous entry's hash.
    static func entryBytes(
        previous: [UInt8], id: Int64, timestamp: Int64, principal: String, operation: String, action: String,
        dataset: String?, version: String?, outcome: String, detail: String, change: String?
    ) -> CanonicalHasher {
        var hasher = CanonicalHasher(domain: CanonicalEncoding.auditDomain, capacity: 1024)
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
        if let change { hasher.append("1" + change) }
        return hasher
    }

    /// The hash of an entry written before the store was keyed (plain SHA-256 chain).
    static func legacyEntryHash(
        previous: [UInt8], id: Int64, timestamp: Int64, principal: String, operation: String, action: String,
        dataset: String?, version: String?, outcome: String, detail: String
    ) -> [UInt8] {
        var hasher = entryBytes(
            previous: previous, id: id, timestamp: timestamp, principal: principal, operation: operation,
            action: action, dataset: dataset, version: version, outcome: outcome, detail: detail, change: nil)
        return hasher.finalize()
    }

    /// The MAC of a keyed entry: HMAC under the audit key of the SHA-256 of its canonical bytes.
    static func keyedEntryHash(
        key: StoreKey, previous: [UInt8], id: Int64, timestamp: Int64, principal: String, operation: String,
        action: String, dataset: String?, version: String?, outcome: String, detail: String, change: String?
    ) -> [UInt8] {
        var hasher = entryBytes(
            previous: previous, id: id, timestamp: timestamp, principal: principal, operation: operation,
            action: action, dataset: dataset, version: version, outcome: outcome, detail: detail, change: change)
        return key.mac(auditPurpose, hasher.finalize())
    }

    /// The MAC of the recorded head (entry id and hash), so that the head cannot be moved back without the key.
    static func headMAC(key: StoreKey, id: Int64, hash: [UInt8]) -> [UInt8] {
        var bytes = Array(String(id).utf8)
        bytes.append(0)
        bytes += hash
        return key.mac(headPurpose, bytes)
    }

    /// Appends one entry to the chain inside the caller's write transaction.
    ///
    /// The entry follows the *recorded* head (not the last row): if entries were cut from the end of the table, the
    /// next entry leaves a gap that `audit verify` reports instead of papering over it.
    func appendAudit(
        _ db: Database, principal: String, operation: String, action: String, dataset: String?, version: String?,
        outcome: AuditOutcome, detail: String, change: [AuditChange]? = nil
    ) throws {
        try Self.appendAudit(
            db, key: key, principal: principal, operation: operation, action: action, dataset: dataset,
            version: version, outcome: outcome, detail: detail, change: change)
    }

    /// ``appendAudit(_:principal:operation:action:dataset:version:outcome:detail:change:)`` with an explicit key
    /// (the migration that keys the chain has no store yet).
    static func appendAudit(
        _ db: Database, key: StoreKey, principal: String, operation: String, action: String, dataset: String?,
        version: String?, outcome: AuditOutcome, detail: String, change: [AuditChange]?, checkHead: Bool = true
    ) throws {
        let head = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT (SELECT value FROM store_meta WHERE key = 'audit_head_id') AS id,
                           (SELECT value FROM store_meta WHERE key = 'audit_head_hash') AS hash,
                           (SELECT value FROM store_meta WHERE key = 'audit_head_mac') AS mac,
                           (SELECT id FROM audit_entry ORDER BY id DESC LIMIT 1) AS lastID,
                           (SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1) AS lastHash
                    """))
        var headID: Int64 = head?["id"] ?? 0
        var previous: [UInt8] = (head?["hash"] as Data?).flatMap { $0.isEmpty ? nil : Array($0) } ?? genesisHash
        if checkHead {
            let lastID: Int64 = head?["lastID"] ?? 0
            let lastHash: [UInt8] = (head?["lastHash"] as Data?).map { Array($0) } ?? genesisHash
            let signed = (head?["mac"] as Data?).map { Array($0) } == headMAC(key: key, id: headID, hash: previous)
            if !signed || lastID != headID || lastHash != previous {
                // The log does not end where its signed head says: entries were removed, or the head was moved. Record
                // that for good (an alarm entry under the key, which nobody without the key can remove or forge
                // without breaking the chain), and continue the chain from the entries that are there.
                let reason =
                    "the log ended at entry \(lastID) but its "
                    + (signed
                        ? "signed head is entry \(headID)" : "recorded head (entry \(headID)) is not signed by the key")
                    + ": entries were removed or the head was moved before this entry"
                try insertEntry(
                    db, key: key, id: lastID + 1, previous: lastHash, principal: "-", operation: alarmOperation,
                    action: "verify", dataset: nil, version: nil, outcome: .failed, detail: reason, change: nil)
                headID = lastID + 1
                previous =
                    try Data.fetchOne(db, sql: "SELECT hash FROM audit_entry WHERE id = ?", arguments: [headID])
                    .map { Array($0) } ?? genesisHash
            }
        }
        try insertEntry(
            db, key: key, id: headID + 1, previous: previous, principal: principal, operation: operation,
            action: action, dataset: dataset, version: version, outcome: outcome, detail: detail, change: change)
    }

    /// Inserts one keyed entry after `previous` and records it as the signed head.
    private static func insertEntry(
        _ db: Database, key: StoreKey, id: Int64, previous: [UInt8], principal: String, operation: String,
        action: String, dataset: String?, version: String?, outcome: AuditOutcome, detail: String,
        change: [AuditChange]?
    ) throws {
        let timestamp = now()
        let changeText = change.map(AuditChange.encode)
        let hash = keyedEntryHash(
            key: key, previous: previous, id: id, timestamp: timestamp, principal: principal, operation: operation,
            action: action, dataset: dataset, version: version, outcome: outcome.rawValue, detail: detail,
            change: changeText)
        // Cached statements: a unit may append many entries (one per item of a large grant).
        try db.cachedStatement(
            sql: """
                INSERT INTO audit_entry(id, timestamp, principal, operation, action, dataset, version, outcome, detail,
                                        previousHash, hash, change, keyed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                """
        ).execute(
            arguments: [
                id, timestamp, principal, operation, action, dataset, version, outcome.rawValue, detail,
                Data(previous), Data(hash), changeText,
            ])
        try db.cachedStatement(
            sql: """
                UPDATE store_meta SET value = CASE key
                    WHEN 'audit_head_id' THEN ?1 WHEN 'audit_head_hash' THEN ?2 ELSE ?3 END
                WHERE key IN ('audit_head_id', 'audit_head_hash', 'audit_head_mac')
                """
        ).execute(arguments: [id, Data(hash), Data(headMAC(key: key, id: id, hash: hash))])
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
                    detail: row["detail"], change: row["change"],
                    previousHash: CanonicalEncoding.hex(row["previousHash"] as Data),
                    hash: CanonicalEncoding.hex(row["hash"] as Data))
            }
            return (entries, AuditNote(detail: "\(entries.count) entries"))
        }
    }

    /// Checks the log (see ``verifyAuditLog(against:as:)``) without a checkpoint. Requires store-wide `admin`.
    public func verifyAuditLog(as principal: Principal) throws -> AuditVerification {
        try verifyAuditLog(against: nil, as: principal)
    }

    /// Recomputes the keyed chain, replays the access changes and compares them with the tables, and checks the
    /// checkpoint if given. Requires store-wide `admin`.
    ///
    /// The check runs in one read snapshot before anything is written (the audit entry of the verification itself
    /// comes after). It detects an edited entry (its MAC no longer matches), a deleted or reordered one (a gap in the
    /// ids, or a previous-hash link that does not match), a truncated tail (the recorded, keyed head is not the last
    /// entry; or, with a checkpoint, fewer entries than it covers), a rewritten log (MACs need the key; with a
    /// checkpoint, a different Merkle root), and a principal, token, role or grant changed in the tables without an
    /// audited operation (the replay differs).
    /// - Complexity: O(entries + grants).
    public func verifyAuditLog(against checkpoint: AuditCheckpoint?, as principal: Principal) throws
        -> AuditVerification
    {
        try performRead(principal, operation: "audit-verify", action: .admin, dataset: nil) { db, _ in
            let result = try Self.verifyChain(db, key: key, against: checkpoint)
            return (result, AuditNote(detail: Self.describe(result)))
        }
    }

    /// Verifies the log in a read snapshot *before* authenticating `token` (authenticating appends an entry, which
    /// must not move the head an attacker left behind), then requires store-wide `admin` and audits the verification.
    ///
    /// - Returns: the principal and the result of the check made before anything was written.
    /// - Throws: ``DatasetStoreError/unauthenticated(reason:)``, ``DatasetStoreError/permissionDenied(principal:action:dataset:)``.
    public func verifyAuditLogBeforeWriting(token: String, against checkpoint: AuditCheckpoint?) throws -> (
        principal: Principal, verification: AuditVerification
    ) {
        let result = try storage { try pool.read { db in try Self.verifyChain(db, key: key, against: checkpoint) } }
        let principal = try authenticate(token: token)
        // Authorize and audit the verification, reporting the result computed before the writes.
        _ = try performRead(principal, operation: "audit-verify", action: .admin, dataset: nil) { _, _ in
            ((), AuditNote(detail: Self.describe(result)))
        }
        return (principal, result)
    }

    /// A signed head of the log as it is now (count, Merkle root, last hash). Requires store-wide `admin`.
    ///
    /// The checkpoint covers the entries before its own audit entry.
    public func auditCheckpoint(as principal: Principal) throws -> AuditCheckpoint {
        try performRead(principal, operation: "audit-checkpoint", action: .admin, dataset: nil) { db, _ in
            let hashes = try Data.fetchAll(db, sql: "SELECT hash FROM audit_entry ORDER BY id").map { Array($0) }
            let storeID = try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'store_id'") ?? ""
            let root = CanonicalEncoding.hex(Self.merkleRoot(hashes[...]))
            let head = CanonicalEncoding.hex(hashes.last ?? Self.genesisHash)
            let created = Self.now()
            let checkpoint = AuditCheckpoint(
                storeID: storeID, entryCount: hashes.count, root: root, head: head, createdAt: Self.date(created),
                signature: CanonicalEncoding.hex(
                    Self.checkpointSignature(
                        key: key, storeID: storeID, count: hashes.count, root: root, head: head, createdAt: created)))
            return (checkpoint, AuditNote(detail: "\(hashes.count) entries, root \(root.prefix(16))"))
        }
    }

    static func checkpointSignature(
        key: StoreKey, storeID: String, count: Int, root: String, head: String, createdAt: Int64
    ) -> [UInt8] {
        var hasher = CanonicalHasher(domain: "foundry.audit-checkpoint.v1")
        hasher.append(storeID)
        hasher.append(String(count))
        hasher.append(root)
        hasher.append(head)
        hasher.append(String(createdAt))
        return key.mac(checkpointPurpose, hasher.finalize())
    }

    /// The RFC 6962 Merkle tree hash of `leaves` (each an entry's hash): leaves hashed as SHA-256(0x00 ‖ leaf),
    /// nodes as SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below the count.
    ///
    /// - Complexity: O(n) hashes, O(log n) depth.
    static func merkleRoot(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leaves.count {
        case 0: return Array(SHA256.hash(data: [UInt8]()))
        case 1: return Array(SHA256.hash(data: [0] + leaves[leaves.startIndex]))
        default:
            var split = 1
            while split * 2 < leaves.count { split *= 2 }
            let middle = leaves.startIndex + split
            let left = merkleRoot(leaves[leaves.startIndex..<middle])
            let right = merkleRoot(leaves[middle...])
            return Array(SHA256.hash(data: [1] + left + right))
        }
    }

    /// Whether two byte strings are equal, in time independent of where they differ.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func describe(_ result: AuditVerification) -> String {
        result.ok
            ? "ok, \(result.entryCount) entries"
                + (result.checkpointEntries.map { ", checkpoint of \($0) holds" } ?? "")
            : "BAD at \(result.firstBadEntry ?? 0): \(result.reason ?? "")"
    }

    /// Checks the chain, the keyed head, the access replay and the checkpoint in the caller's snapshot.
    static func verifyChain(_ db: Database, key: StoreKey, against checkpoint: AuditCheckpoint?) throws
        -> AuditVerification
    {
        let meta = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT key, value FROM store_meta").map {
                ($0["key"] as String, $0["value"] as DatabaseValue)
            })
        let keyedFrom = Int64.fromDatabaseValue(meta["audit_keyed_from"] ?? .null)
        let storeID = String.fromDatabaseValue(meta["store_id"] ?? .null) ?? ""
        if let checkpoint {
            guard checkpoint.storeID == storeID else {
                return AuditVerification(
                    ok: false, entryCount: 0, firstBadEntry: nil,
                    reason: "the checkpoint is of another store (\(checkpoint.storeID.prefix(16)))")
            }
            let expected = checkpointSignature(
                key: key, storeID: checkpoint.storeID, count: checkpoint.entryCount, root: checkpoint.root,
                head: checkpoint.head, createdAt: Int64((checkpoint.createdAt.timeIntervalSince1970 * 1000).rounded()))
            guard let given = TokenHasher.bytes(fromHex: Substring(checkpoint.signature.lowercased())),
                constantTimeEquals(given, expected)
            else {
                return AuditVerification(
                    ok: false, entryCount: 0, firstBadEntry: nil,
                    reason: "the checkpoint's signature does not check out under this store's key")
            }
        }
        guard let keyedFrom else {
            return AuditVerification(
                ok: false, entryCount: 0, firstBadEntry: nil, reason: "the store records no keyed audit chain")
        }
        var previous = genesisHash
        var expectedID: Int64 = 1
        var count = 0
        var replay = AccessState()
        var hashes: [[UInt8]] = []
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
            let isKeyed = id >= keyedFrom
            if id == keyedFrom && (row["operation"] as String? != sealOperation || row["keyed"] as Int64? != 1) {
                return bad("the first keyed entry is not the seal of the chain")
            }
            if !isKeyed && row["keyed"] as Int64? == 1 {
                return bad("a keyed entry precedes the seal")
            }
            let change = row["change"] as String?
            let recomputed =
                isKeyed
                ? keyedEntryHash(
                    key: key, previous: previous, id: id, timestamp: row["timestamp"],
                    principal: row["principal"] ?? "",
                    operation: row["operation"] ?? "", action: row["action"] ?? "", dataset: row["dataset"],
                    version: row["version"], outcome: outcome, detail: row["detail"] ?? "", change: change)
                : legacyEntryHash(
                    previous: previous, id: id, timestamp: row["timestamp"], principal: row["principal"] ?? "",
                    operation: row["operation"] ?? "", action: row["action"] ?? "", dataset: row["dataset"],
                    version: row["version"], outcome: outcome, detail: row["detail"] ?? "")
            guard Array(stored) == recomputed else {
                return bad(
                    isKeyed
                        ? "entry content does not match its keyed hash: it was edited, or written without the store's key"
                        : "entry content does not match its hash: it was edited")
            }
            if !isKeyed && change != nil { return bad("an entry before the seal carries access changes") }
            if isKeyed && row["operation"] as String? == alarmOperation {
                return bad("the store found the log tampered with: \(row["detail"] as String? ?? "")")
            }
            if isKeyed, outcome == AuditOutcome.allowed.rawValue, let change {
                guard let changes = AuditChange.decode(change) else { return bad("its access changes are malformed") }
                for item in changes {
                    if let problem = replay.apply(item) { return bad(problem) }
                }
            }
            hashes.append(recomputed)
            previous = recomputed
            expectedID += 1
            count += 1
        }
        if Int64(count) < keyedFrom {
            return AuditVerification(
                ok: false, entryCount: count, firstBadEntry: Int64(count) + 1,
                reason: "the log ends before its keyed seal (entry \(keyedFrom)): entries were removed from the end")
        }
        let headID = Int64.fromDatabaseValue(meta["audit_head_id"] ?? .null) ?? 0
        let headHash = Data.fromDatabaseValue(meta["audit_head_hash"] ?? .null) ?? Data()
        let headMACStored = Data.fromDatabaseValue(meta["audit_head_mac"] ?? .null) ?? Data()
        if headID != expectedID - 1 || Array(headHash) != previous {
            return AuditVerification(
                ok: false, entryCount: count, firstBadEntry: min(headID, expectedID - 1) + 1,
                reason:
                    "the recorded head is entry \(headID) but the log ends at \(expectedID - 1): entries were removed from the end"
            )
        }
        if Array(headMACStored) != headMAC(key: key, id: headID, hash: previous) {
            return AuditVerification(
                ok: false, entryCount: count, firstBadEntry: headID,
                reason: "the recorded head is not signed by the store's key: the end of the log was moved")
        }
        if let checkpoint {
            guard count >= checkpoint.entryCount else {
                return AuditVerification(
                    ok: false, entryCount: count, firstBadEntry: Int64(count) + 1,
                    reason:
                        "the checkpoint covers \(checkpoint.entryCount) entries but the log has \(count): entries were removed",
                    checkpointEntries: checkpoint.entryCount)
            }
            let root = CanonicalEncoding.hex(merkleRoot(hashes[0..<checkpoint.entryCount]))
            let head = CanonicalEncoding.hex(
                checkpoint.entryCount == 0 ? genesisHash : hashes[checkpoint.entryCount - 1])
            guard root == checkpoint.root, head == checkpoint.head else {
                return AuditVerification(
                    ok: false, entryCount: count, firstBadEntry: nil,
                    reason:
                        "the first \(checkpoint.entryCount) entries no longer match the checkpoint's root: the log was rewritten",
                    checkpointEntries: checkpoint.entryCount)
            }
        }
        let tables = try accessState(db)
        if let difference = replay.difference(from: tables) {
            return AuditVerification(
                ok: false, entryCount: count, firstBadEntry: nil,
                reason: "the access tables differ from the audit log's replay: \(difference)",
                checkpointEntries: checkpoint?.entryCount)
        }
        return AuditVerification(
            ok: true, entryCount: count, firstBadEntry: nil, reason: nil, checkpointEntries: checkpoint?.entryCount)
    }

    /// The principals, tokens, custom roles and grants (on datasets, on models, store-wide) as the tables hold them.
    static func accessState(_ db: Database) throws -> AccessState {
        var state = AccessState()
        for row in try Row.fetchAll(db, sql: "SELECT name, kind FROM principal") {
            state.principals[row["name"]] = row["kind"]
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT t.lookup, p.name, t.revokedAt FROM api_token t JOIN principal p ON p.id = t.principalId")
        {
            state.tokens[row["lookup"]] = AccessState.TokenState(
                principal: row["name"], revoked: row["revokedAt"] as Int64? != nil)
        }
        for row in try Row.fetchAll(db, sql: "SELECT name, actions FROM custom_role") {
            state.roles[row["name"]] = String(row["actions"] as Int64)
        }
        let grants = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.name AS principal, g.role, d.name AS dataset FROM role_grant g
                JOIN principal p ON p.id = g.principalId LEFT JOIN dataset d ON d.id = g.datasetId
                """)
        while let row = try grants.next() {
            state.grants.insert([row["principal"], row["role"], row["dataset"] as String? ?? "", ""])
        }
        // Model grants exist from migration v7 on (the keyed migration, v6, reads this state before that table).
        if try db.tableExists("model_grant") {
            let modelGrants = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.name AS principal, g.role, g.model FROM model_grant g
                    JOIN principal p ON p.id = g.principalId
                    """)
            while let row = try modelGrants.next() {
                state.grants.insert([row["principal"], row["role"], "", row["model"]])
            }
        }
        return state
    }
}
