import Foundation
import GRDB
import Testing

@testable import DatasetStore

@Suite("Audit log: hash chain and tamper detection")
struct AuditLogTests {
    /// A store with a few audited operations.
    static func populated() throws -> TemporaryStore {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 3)
        let viewer = try fixture.principal("v", role: "viewer", dataset: "d")
        _ = try fixture.store.examples(of: "d", as: viewer)
        _ = try? fixture.store.export("d", as: viewer)
        return fixture
    }

    /// Raw SQL as an attacker with file access would run it (dropping the append-only triggers first).
    static func tamper(_ fixture: TemporaryStore, _ sql: String) throws {
        try fixture.store.pool.write { db in
            try db.execute(
                sql: "DROP TRIGGER IF EXISTS audit_entry_no_update; DROP TRIGGER IF EXISTS audit_entry_no_delete")
            try db.execute(sql: sql)
        }
    }

    @Test("every operation, allowed, denied or failed, is chained; an untouched log verifies")
    func intactChain() throws {
        let fixture = try Self.populated()
        let entries = try fixture.store.auditLog(limit: 1000, as: fixture.owner)
        #expect(entries.map(\.id) == Array(1...Int64(entries.count)))
        // The first entry seals the chain under the store's key; the owner's creation follows.
        #expect(entries.first?.operation == SQLiteDatasetStore.sealOperation)
        #expect(entries.dropFirst().first?.operation == "init")
        #expect(entries.first?.previousHash == String(repeating: "0", count: 64))
        for (earlier, later) in zip(entries, entries.dropFirst()) { #expect(later.previousHash == earlier.hash) }
        #expect(Set(entries.map(\.outcome)) == [.allowed, .denied])
        #expect(entries.contains { $0.principal == "v" && $0.operation == "read-examples" && $0.outcome == .allowed })
        #expect(entries.contains { $0.principal == "v" && $0.operation == "export" && $0.outcome == .denied })
        let verification = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(verification.ok)
        #expect(verification.firstBadEntry == nil)
    }

    @Test("the append-only triggers block ordinary UPDATE and DELETE")
    func triggersBlockEdits() throws {
        let fixture = try Self.populated()
        #expect(throws: DatabaseError.self) {
            try fixture.store.pool.write { db in try db.execute(sql: "UPDATE audit_entry SET detail = 'x' WHERE id = 2")
            }
        }
        #expect(throws: DatabaseError.self) {
            try fixture.store.pool.write { db in try db.execute(sql: "DELETE FROM audit_entry WHERE id = 2") }
        }
    }

    @Test("an edited entry is reported by id")
    func editedEntry() throws {
        let fixture = try Self.populated()
        try Self.tamper(fixture, "UPDATE audit_entry SET detail = 'nothing happened' WHERE id = 5")
        let result = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!result.ok)
        #expect(result.firstBadEntry == 5)
        #expect(result.reason?.contains("edited") == true)
    }

    @Test("a deleted entry is reported where the gap is")
    func deletedEntry() throws {
        let fixture = try Self.populated()
        try Self.tamper(fixture, "DELETE FROM audit_entry WHERE id = 4")
        let result = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!result.ok)
        #expect(result.firstBadEntry == 4)
    }

    @Test("a deleted entry with the ids renumbered is caught by the broken link")
    func deletedAndRenumbered() throws {
        let fixture = try Self.populated()
        try Self.tamper(
            fixture, "DELETE FROM audit_entry WHERE id = 4; UPDATE audit_entry SET id = id - 1 WHERE id > 4")
        let result = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!result.ok)
        #expect(result.firstBadEntry == 4)
    }

    @Test("reordered entries (contents swapped) are reported at the first moved entry")
    func reordered() throws {
        let fixture = try Self.populated()
        try Self.tamper(
            fixture,
            """
            UPDATE audit_entry SET id = -3 WHERE id = 3;
            UPDATE audit_entry SET id = 3 WHERE id = 6;
            UPDATE audit_entry SET id = 6 WHERE id = -3;
            """)
        let result = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!result.ok)
        #expect(result.firstBadEntry == 3)
    }

    @Test("a truncated tail is caught through the recorded head")
    func truncatedTail() throws {
        let fixture = try Self.populated()
        let count = try fixture.store.auditLog(limit: 1000, as: fixture.owner).count
        try Self.tamper(fixture, "DELETE FROM audit_entry WHERE id > \(count - 2)")
        let result = try fixture.store.verifyAuditLog(as: fixture.owner)
        #expect(!result.ok)
        #expect(result.firstBadEntry == Int64(count - 1))
    }

    @Test("reading and verifying the audit log needs store-wide admin, and the refusal is itself audited")
    func auditNeedsAdmin() throws {
        let fixture = try Self.populated()
        let maintainer = try fixture.principal("m", role: "maintainer", dataset: nil)
        #expect(throws: DatasetStoreError.permissionDenied(principal: "m", action: .admin, dataset: nil)) {
            try fixture.store.verifyAuditLog(as: maintainer)
        }
        let last = try fixture.store.auditLog(limit: 2, as: fixture.owner)
        #expect(last.last?.operation == "audit-verify")
        #expect(last.last?.outcome == .denied)
    }
}
