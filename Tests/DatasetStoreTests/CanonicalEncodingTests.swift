import Foundation
import Testing

@testable import DatasetStore

@Suite("Canonical encodings, blobs and stored-data errors")
struct CanonicalEncodingTests {
    @Test("the version hash is length-prefixed: moving bytes between id and text changes it")
    func lengthPrefixing() {
        let a = SQLiteDatasetStore.contentHash(of: [Example(id: "ab", text: "c")])
        let b = SQLiteDatasetStore.contentHash(of: [Example(id: "a", text: "bc")])
        #expect(a != b)
        #expect(
            SQLiteDatasetStore.contentHash(of: []) != SQLiteDatasetStore.contentHash(of: [Example(id: "", text: "")]))
        // Row order is part of the content (row i of a version is row i of its label matrices).
        let rows = [Example(id: "x", text: "1"), Example(id: "y", text: "2")]
        #expect(SQLiteDatasetStore.contentHash(of: rows) != SQLiteDatasetStore.contentHash(of: rows.reversed()))
    }

    @Test("canonical field JSON escapes control characters and parses back")
    func fieldsJSON() throws {
        let fields = ["z": "\u{1}\u{1F}", "a": "tab\there", "quote": "\"\\"]
        let json = CanonicalEncoding.fieldsJSON(fields)
        #expect(json == #"{"a":"tab\there","quote":"\"\\","z":"\u0001\u001f"}"#)
        #expect(try CanonicalEncoding.parseFields(json) == fields)
        #expect(throws: DatasetStoreError.self) { try CanonicalEncoding.parseFields("{not json") }
        #expect(throws: DatasetStoreError.self) { try CanonicalEncoding.parseFields(#"{"a":1}"#) }
    }

    @Test("blobs round-trip little-endian arrays and reject a wrong length")
    func blobs() throws {
        let offsets: [Int64] = [0, 3, -1, .max]
        #expect(try BlobCoding.decode(BlobCoding.encode(offsets), as: Int64.self, count: 4, what: "x") == offsets)
        let floats: [Float] = [0.25, 1, .leastNonzeroMagnitude]
        #expect(try BlobCoding.decode(BlobCoding.encode(floats), floats: 3, what: "p") == floats)
        #expect(BlobCoding.encode([UInt16(0x0102)]) == Data([0x02, 0x01]))
        #expect(throws: DatasetStoreError.storage("x: expected 8 bytes, found 3")) {
            try BlobCoding.decode(Data([1, 2, 3]), as: Int64.self, count: 1, what: "x")
        }
    }

    @Test("tokens: minted tokens parse and verify; malformed ones are rejected before any lookup")
    func tokenFormat() throws {
        let minted = TokenHasher.mint()
        let parsed = try #require(TokenHasher.parse(minted.token))
        #expect(parsed.lookup == minted.lookup)
        #expect(TokenHasher.matches(secret: parsed.secret, salt: minted.salt, digest: minted.digest))
        #expect(!TokenHasher.matches(secret: parsed.secret, salt: TokenHasher.randomBytes(16), digest: minted.digest))
        #expect(minted.salt.count == 16 && parsed.secret.count == 32)
        for bad in [
            "", "fdy_", "fdy_abc_def", "xyz_" + minted.token.dropFirst(4), minted.token.uppercased(),
            minted.token + "_x",
        ] {
            #expect(TokenHasher.parse(bad) == nil, "\(bad)")
        }
        #expect(TokenHasher.mint().token != minted.token)
    }

    @Test("opening a file that is not a database is a clear error, and the file is left untouched")
    func notADatabase() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "not-a-store-\(UUID().uuidString).sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try SQLiteDatasetStore(path: url.path) } throws: { error in
            guard case let DatasetStoreError.notAStore(path, _) = error else { return false }
            return path == url.path
        }
        #expect(try Data(contentsOf: url) == Data(repeating: 0x41, count: 4096))
    }

    @Test("version prefixes: too short or non-hex prefixes are unknown versions, not patterns")
    func versionPrefixes() throws {
        let fixture = try TemporaryStore()
        let id = try fixture.dataset("d", rows: 1)
        #expect(try fixture.store.version(String(id.prefix(4)), of: "d", as: fixture.owner).id == id)
        #expect(try fixture.store.version("latest", of: "d", as: fixture.owner).id == id)
        for bad in [String(id.prefix(3)), "%", "____", "' OR 1=1 --"] {
            #expect(throws: DatasetStoreError.unknownVersion(dataset: "d", version: bad)) {
                try fixture.store.version(bad, of: "d", as: fixture.owner)
            }
        }
        _ = try fixture.store.createDataset(name: "empty", license: "", attribution: "", as: fixture.owner)
        #expect(throws: DatasetStoreError.unknownVersion(dataset: "empty", version: "latest")) {
            try fixture.store.examples(of: "empty", as: fixture.owner)
        }
    }
}
