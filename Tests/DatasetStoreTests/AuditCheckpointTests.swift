import Crypto
import Foundation
import Testing

@testable import DatasetStore

@Suite("Audit checkpoints: RFC 6962 Merkle roots, signatures, display escaping")
struct AuditCheckpointTests {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    @Test("the Merkle tree hash follows RFC 6962: empty, one leaf, and an unbalanced tree of five computed by hand")
    func merkleRoot() {
        // MTH({}) = SHA-256 of the empty string.
        #expect(
            CanonicalEncoding.hex(SQLiteDatasetStore.merkleRoot([]))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let leaves: [[UInt8]] = (0..<5).map { Array("leaf \($0)".utf8) }
        func leaf(_ index: Int) -> [UInt8] { Self.sha256([0] + leaves[index]) }
        func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { Self.sha256([1] + left + right) }
        #expect(SQLiteDatasetStore.merkleRoot(leaves[0..<1]) == leaf(0))
        // n = 5 splits at 4: (((0 1) (2 3)) 4).
        let expected = node(node(node(leaf(0), leaf(1)), node(leaf(2), leaf(3))), leaf(4))
        #expect(SQLiteDatasetStore.merkleRoot(leaves[...]) == expected)
        // n = 3 splits at 2: ((0 1) 2).
        #expect(SQLiteDatasetStore.merkleRoot(leaves[0..<3]) == node(node(leaf(0), leaf(1)), leaf(2)))
    }

    @Test("a checkpoint verifies, and one edited in any field (or from another store) does not")
    func signatures() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 3)
        let checkpoint = try fixture.store.auditCheckpoint(as: fixture.owner)
        #expect(try fixture.store.verifyAuditLog(against: checkpoint, as: fixture.owner).ok)
        let edits = [
            AuditCheckpoint(
                storeID: checkpoint.storeID, entryCount: checkpoint.entryCount, root: checkpoint.head,
                head: checkpoint.head, createdAt: checkpoint.createdAt, signature: checkpoint.signature),
            AuditCheckpoint(
                storeID: checkpoint.storeID, entryCount: checkpoint.entryCount, root: checkpoint.root,
                head: checkpoint.head, createdAt: checkpoint.createdAt.addingTimeInterval(1),
                signature: checkpoint.signature),
            AuditCheckpoint(
                storeID: "another", entryCount: checkpoint.entryCount, root: checkpoint.root, head: checkpoint.head,
                createdAt: checkpoint.createdAt, signature: checkpoint.signature),
        ]
        for edited in edits {
            #expect(try !fixture.store.verifyAuditLog(against: edited, as: fixture.owner).ok)
        }
        let other = try TemporaryStore()
        #expect(try !other.store.verifyAuditLog(against: checkpoint, as: other.owner).ok)
    }

    @Test("display escaping makes control characters visible and keeps other text as it is")
    func escaping() {
        #expect(DisplayText.escaped("plain café 中文") == "plain café 中文")
        #expect(DisplayText.escaped("a\nb") == "a\\nb")
        #expect(DisplayText.escaped("\u{1B}[31mred") == "\\u{1B}[31mred")
        #expect(DisplayText.escaped("x\u{202E}y\\") == "x\\u{202E}y\\\\")
    }

    @Test("names: NFC, no control characters, no surrounding whitespace")
    func names() throws {
        #expect(try Validation.name("cafe\u{301}", kind: "dataset") == "caf\u{E9}")
        #expect(try Validation.name("caf\u{E9}", kind: "dataset").unicodeScalars.count == 4)
        for bad in ["", " a", "a ", "a\tb", "a\u{85}b", "a\u{2028}b", "\u{200B}a", "a\0b"] {
            #expect(throws: DatasetStoreError.self) { try Validation.name(bad, kind: "dataset") }
        }
    }
}
