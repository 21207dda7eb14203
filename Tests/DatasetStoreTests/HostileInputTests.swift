import Foundation
import GRDB
import Testing

@testable import DatasetStore

@Suite("Hostile names and fields: stored intact or rejected clearly, never executed")
struct HostileInputTests {
    static let hostile = [
        "'; DROP TABLE dataset; --",
        "\"; DELETE FROM principal; --",
        "Robert'); DROP TABLE version_row;--",
        "x' OR '1'='1",
        "SELECT * FROM audit_entry",
        "UPDATE; INSERT; VALUES; NULL; TABLE",
        "semi;colon;;",
        "back\\slash and `backtick` and $dollar",
        "emoji 🧪 and ñ and 中文 and \u{202E}rtl",
        "newline\nand\ttab",
        "%_ like wildcards %",
    ]

    static func tableNames(_ store: SQLiteDatasetStore) throws -> [String] {
        try store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master ORDER BY name") }
    }

    @Test(
        "hostile dataset, principal, role, field and example names round-trip and execute nothing", arguments: hostile)
    func hostileRoundTrip(_ value: String) throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let tablesBefore = try Self.tableNames(store)
        // Names are identifiers: a name with a control character is refused (data may hold anything).
        let isIdentifier = !value.unicodeScalars.contains(where: DisplayText.isControl)
        if !isIdentifier {
            #expect(throws: DatasetStoreError.self) {
                _ = try store.createDataset(
                    name: value, license: "MIT", attribution: "", sensitiveFields: [], as: fixture.owner)
            }
            #expect(throws: DatasetStoreError.self) {
                _ = try store.createPrincipal(name: value, kind: .person, as: fixture.owner)
            }
        }
        let value =
            isIdentifier
            ? value
            : value.unicodeScalars.filter { !DisplayText.isControl($0) }.map(String.init)
                .joined()
        let dataset = try store.createDataset(
            name: value, license: value, attribution: value, sensitiveFields: [value], as: fixture.owner)
        #expect(dataset.name == value)
        let person = try store.createPrincipal(name: value, kind: .person, as: fixture.owner)
        #expect(person.name == value)
        _ = try store.defineRole(name: "role " + value, actions: [.read, .readSensitive], as: fixture.owner)
        _ = try store.grant(role: "role " + value, to: value, dataset: value, as: fixture.owner)
        let rows = [
            Example(id: value, text: value, fields: [value: value, "plain": "x"]),
            Example(id: "other", text: "t", fields: [:]),
        ]
        let version = try store.importVersion(rows, into: value, message: value, as: fixture.owner).version
        #expect(version.message == value)
        #expect(try store.examples(of: value, as: person) == rows)
        _ = try store.recordArtifact(
            kind: ArtifactKind(rawValue: value), name: value, details: value, files: ["model.json": Data(value.utf8)],
            dataset: value, version: nil, as: fixture.owner)
        let artifact = try #require(try store.lineage(of: value, as: person).first)
        #expect(artifact.name == value && artifact.kind.rawValue == value && artifact.details == value)
        #expect(try store.artifactFiles(artifact: artifact.id, as: person) == ["model.json": Data(value.utf8)])
        #expect(try store.datasets(as: person).map(\.name) == [value])
        _ = try store.eraseExample(value, from: value, as: fixture.owner)
        #expect(try store.tombstones(of: value, as: person).map(\.exampleID) == [value])
        #expect(try Self.tableNames(store) == tablesBefore)
        #expect(try store.integrityCheck() == ["ok"])
        let audit = try store.auditLog(limit: 1000, as: fixture.owner)
        #expect(audit.contains { $0.dataset == value && $0.operation == "import" })
        #expect(try store.verifyAuditLog(as: fixture.owner).ok)
    }

    @Test("a 1 MB text and 1 MB field value are stored intact; a 1 MB name is rejected with a clear error")
    func megabyteStrings() throws {
        let fixture = try TemporaryStore()
        let big = String(repeating: "ab'\";-- ", count: 131_072)  // 1 MiB
        #expect(big.utf8.count == 1 << 20)
        _ = try fixture.store.createDataset(name: "d", license: big, attribution: "a", as: fixture.owner)
        let rows = [Example(id: "big", text: big, fields: ["f": big])]
        try fixture.store.importVersion(rows, into: "d", as: fixture.owner)
        #expect(try fixture.store.examples(of: "d", as: fixture.owner) == rows)
        #expect(try fixture.store.datasets(as: fixture.owner).first?.license == big)
        #expect {
            try fixture.store.createDataset(name: big, license: "x", attribution: "x", as: fixture.owner)
        } throws: { error in
            guard case let DatasetStoreError.invalidName(kind, _, reason) = error else { return false }
            return kind == "dataset" && reason.contains("1048576 bytes")
        }
        #expect(throws: DatasetStoreError.self) {
            try fixture.store.createPrincipal(name: "", kind: .person, as: fixture.owner)
        }
    }

    @Test("NUL characters, which SQLite's text API would truncate, are rejected with the row and field named")
    func nulCharacters() throws {
        let fixture = try TemporaryStore()
        try fixture.dataset("d", rows: 1)
        #expect(
            throws: DatasetStoreError.invalidExample(
                row: 1, exampleID: "b", field: "text", reason: "contains a NUL character")
        ) {
            try fixture.store.importVersion(
                [Example(id: "a", text: "ok"), Example(id: "b", text: "x\u{0}y")], into: "d", as: fixture.owner)
        }
        #expect(
            throws: DatasetStoreError.invalidName(kind: "dataset", name: "a\u{0}b", reason: "contains a NUL character")
        ) {
            try fixture.store.createDataset(name: "a\u{0}b", license: "", attribution: "", as: fixture.owner)
        }
        // In a field value NUL is escaped inside the JSON and survives.
        let rows = [Example(id: "n", text: "t", fields: ["f": "x\u{0}y"])]
        try fixture.store.importVersion(rows, into: "d", as: fixture.owner)
        #expect(try fixture.store.examples(of: "d", as: fixture.owner) == rows)
    }

    @Test("invalid UTF-8 bytes in an import file are rejected naming the file and line")
    func invalidUTF8File() throws {
        let fixture = try TemporaryStore()
        let url = fixture.directory.appendingPathComponent("bad.jsonl")
        var bytes = Array("{\"id\":\"a\",\"text\":\"fine\"}\n{\"id\":\"b\",\"text\":\"".utf8)
        bytes += [0xFF, 0xFE, 0xC3]
        bytes += Array("\"}\n".utf8)
        try Data(bytes).write(to: url)
        #expect(throws: DatasetStoreError.invalidFile(path: url.path, line: 2, reason: "text is not valid UTF-8")) {
            try ExampleFileReader.read(url)
        }
    }
}
