import Foundation
import FoundryCore
import GRDB
import Labeling
import Testing

@testable import DatasetStore

@Suite("Lineage chains and artifact files: version → label matrix → soft labels → adapter")
struct LineageTests {
    static let adapterFiles: [String: Data] = [
        "adapter_config.json": Data(#"{"r":8,"lora_alpha":16}"#.utf8),
        "adapter_model.safetensors": Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
        "training.json": Data(#"{"epochs":2,"seed":0}"#.utf8),
    ]

    /// A dataset `d` with two versions and, on the first, the chain matrix → soft labels → adapter.
    static func chain(_ fixture: TemporaryStore) throws -> (v1: String, v2: String, chain: [Artifact]) {
        let store = fixture.store
        let v1 = try fixture.dataset("d", rows: 5)
        let matrix = try store.storeLabelMatrix(
            try UnitOfWorkTests.matrix(), name: "lfs", dataset: "d", version: v1, as: fixture.owner)
        // A newer version exists before the rest of the chain is stored: nil follows the parent, not the latest.
        let v2 = try store.importVersion(TemporaryStore.rows(6, tag: "b"), into: "d", as: fixture.owner).version.id
        let soft = try store.storeSoftLabels(
            try UnitOfWorkTests.softLabels(rows: 5), name: "ds", labelModelMethod: "dawid-skene",
            labelModelFile: "{}", dataset: "d", version: nil, derivedFrom: matrix.id, as: fixture.owner)
        let adapter = try store.recordArtifact(
            kind: .adapter, name: "lora", details: #"{"accuracy":0.9}"#, files: adapterFiles, derivedFrom: soft.id,
            dataset: "d", version: nil, as: fixture.owner)
        return (v1, v2, [matrix, soft, adapter])
    }

    @Test("derived artifacts follow their parent's version, and the tree shows each chain under its version")
    func chainsAndTree() throws {
        let fixture = try TemporaryStore()
        let (v1, v2, chain) = try Self.chain(fixture)
        #expect(chain.map(\.version) == [v1, v1, v1])
        #expect(chain[1].derivedFrom == chain[0].id && chain[2].derivedFrom == chain[1].id)
        let export = try fixture.store.export("d", version: v2, as: fixture.owner).artifact
        let tree = try fixture.store.lineageTree(of: "d", as: fixture.owner)
        #expect(tree.dataset == "d")
        #expect(tree.versions.map(\.version.id) == [v1, v2])
        let root = try #require(tree.versions.first?.artifacts.first)
        #expect(tree.versions[0].artifacts.count == 1)
        #expect(root.artifact.kind == .labelMatrix)
        #expect(root.derived.map(\.artifact.kind) == [.softLabels])
        #expect(root.derived.first?.derived.map(\.artifact.name) == ["lora"])
        #expect(tree.versions[1].artifacts.map(\.artifact.id) == [export.id])
        #expect(tree.artifacts.map(\.id) == chain.map(\.id) + [export.id])
        #expect(try fixture.store.lineage(of: "d", as: fixture.owner).map(\.id) == chain.map(\.id) + [export.id])
        // Following the chain by artifact id.
        #expect(try fixture.store.labelMatrix(artifact: chain[0].id, as: fixture.owner) == UnitOfWorkTests.matrix())
        let soft = try fixture.store.softLabels(artifact: chain[1].id, as: fixture.owner)
        #expect(soft.softLabels == (try UnitOfWorkTests.softLabels(rows: 5)))
        #expect(soft.labelModelMethod == "dawid-skene" && soft.artifact == chain[1])
        #expect(throws: DatasetStoreError.unknownArtifactID(chain[2].id)) {
            try fixture.store.softLabels(artifact: chain[2].id, as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.unknownArtifactID(chain[1].id)) {
            try fixture.store.labelMatrix(artifact: chain[1].id, as: fixture.owner)
        }
        // The same structure in JSON: snake_case keys and ISO 8601 times.
        let json = try FoundryJSON.string(tree)
        #expect(json.contains("\"derived_from\":\(chain[0].id)"))
        #expect(json.contains("\"created_at\":\"20"))
        #expect(!json.contains("createdAt"))
    }

    @Test("artifact files are read back byte for byte, listed with sizes and SHA-256, and checked on read")
    func files() throws {
        let fixture = try TemporaryStore()
        let (_, _, chain) = try Self.chain(fixture)
        let adapter = chain[2]
        #expect(adapter.files.map(\.name) == ["adapter_config.json", "adapter_model.safetensors", "training.json"])
        #expect(adapter.files.map(\.byteCount) == [23, 4096, 21])
        #expect(adapter.files[1].sha256 == Digest.sha256Hex(Self.adapterFiles["adapter_model.safetensors"] ?? Data()))
        #expect(try fixture.store.artifact(id: adapter.id, as: fixture.owner) == adapter)
        #expect(
            try fixture.store.artifact(
                kind: .adapter, name: "lora", dataset: "d", version: chain[0].version,
                as: fixture.owner) == adapter)
        #expect(try fixture.store.artifactFiles(artifact: adapter.id, as: fixture.owner) == Self.adapterFiles)
        #expect(try fixture.store.artifactFiles(artifact: chain[0].id, as: fixture.owner).isEmpty)
        // Read rights on the dataset are needed, and checked.
        let viewer = try fixture.principal("v", role: "viewer", dataset: "d")
        #expect(try fixture.store.artifactFiles(artifact: adapter.id, as: viewer).count == 3)
        try fixture.dataset("other")
        let outsider = try fixture.principal("o", role: "viewer", dataset: "other")
        // Refused with the same error as a missing artifact: the id reveals neither existence nor dataset.
        #expect(throws: DatasetStoreError.unknownArtifactID(adapter.id)) {
            try fixture.store.artifactFiles(artifact: adapter.id, as: outsider)
        }
        #expect(
            try fixture.store.auditLog(limit: 5, as: fixture.owner).contains {
                $0.principal == "o" && $0.operation == "read-artifact-files" && $0.outcome == .denied
            })
        #expect(throws: DatasetStoreError.unknownArtifactID(999)) {
            try fixture.store.artifactFiles(artifact: 999, as: fixture.owner)
        }
        // Bytes changed behind the store's back are refused, naming the file.
        try fixture.store.pool.write { db in
            try db.execute(
                sql: "UPDATE artifact_file SET bytes = X'00' WHERE artifactId = ? AND name = 'training.json'",
                arguments: [adapter.id])
        }
        #expect {
            try fixture.store.artifactFiles(artifact: adapter.id, as: fixture.owner)
        } throws: { error in
            guard case let DatasetStoreError.storage(message) = error else { return false }
            return message.contains("training.json") && message.contains("SHA-256")
        }
        let audit = try fixture.store.auditLog(limit: 100, as: fixture.owner)
        #expect(
            audit.contains { $0.operation == "read-artifact-files" && $0.outcome == .denied && $0.principal == "o" })
    }

    @Test("bad lineage and file names are refused: another dataset's parent, an unknown parent, path-like names")
    func badLineage() throws {
        let fixture = try TemporaryStore()
        let (_, _, chain) = try Self.chain(fixture)
        try fixture.dataset("other")
        #expect(
            throws: DatasetStoreError.invalidLineage(
                artifact: chain[0].id, reason: "it belongs to another dataset than 'other'")
        ) {
            try fixture.store.recordArtifact(
                kind: .labelModel, name: "lm", derivedFrom: chain[0].id, dataset: "other", version: nil,
                as: fixture.owner)
        }
        #expect(throws: DatasetStoreError.invalidLineage(artifact: 4242, reason: "there is no artifact 4242")) {
            try fixture.store.recordArtifact(
                kind: .labelModel, name: "lm", derivedFrom: 4242, dataset: "d", version: nil, as: fixture.owner)
        }
        for name in ["../escape.json", "a/b", "", ".."] {
            #expect(throws: DatasetStoreError.self) {
                try fixture.store.recordArtifact(
                    kind: .adapter, name: "bad", files: [name: Data()], dataset: "d", version: nil, as: fixture.owner)
            }
        }
        #expect(throws: DatasetStoreError.duplicateName(kind: "adapter", name: "lora")) {
            try fixture.store.recordArtifact(
                kind: .adapter, name: "lora", derivedFrom: chain[1].id, dataset: "d", version: nil, as: fixture.owner)
        }
        #expect(try fixture.store.lineage(of: "other", as: fixture.owner).isEmpty)
    }

    @Test("erasing an example marks what was built from its versions stale, and everything derived from that")
    func erasurePropagates() throws {
        let fixture = try TemporaryStore()
        let store = fixture.store
        let (v1, v2, chain) = try Self.chain(fixture)
        // Predicting on the newer version with the label matrix's model: derived across versions.
        let v2Labels = try store.storeSoftLabels(
            try UnitOfWorkTests.softLabels(rows: 6), name: "ds-v2", labelModelMethod: "dawid-skene",
            labelModelFile: "{}", dataset: "d", version: v2, derivedFrom: chain[0].id, as: fixture.owner)
        let unrelated = try store.recordArtifact(
            kind: .labelModel, name: "other", dataset: "d", version: v2,
            as: fixture.owner)
        // Both versions hold e4 (v2's rows are e0…e5 with another tag): everything on them becomes stale.
        let report = try store.eraseExample("e4", from: "d", as: fixture.owner)
        #expect(report.affectedVersions == [v1, v2])
        var staleIDs = Set(report.staleArtifacts.map(\.id))
        #expect(staleIDs == Set(chain.map(\.id) + [v2Labels.id, unrelated.id]))
        let adapter = try store.artifact(id: chain[2].id, as: fixture.owner)
        #expect(adapter.isStale)
        #expect(adapter.staleReason?.contains("e4") == true)
        #expect(adapter.staleAt == report.erasedAt)

        // Erase in a fresh store where only v1 holds the example: the derived v2 artifact is stale through its
        // parent, with a reason naming the parent.
        let second = try TemporaryStore()
        let w1 = try second.dataset("d", rows: 5)
        let w2 = try second.store.importVersion(
            [Example(id: "x0", text: "a"), Example(id: "x1", text: "b")], into: "d", as: second.owner
        ).version.id
        let matrix = try second.store.storeLabelMatrix(
            try UnitOfWorkTests.matrix(), name: "lfs", dataset: "d", version: w1, as: second.owner)
        let crossVersion = try second.store.storeSoftLabels(
            try UnitOfWorkTests.softLabels(rows: 2), name: "ds", labelModelMethod: "mv", labelModelFile: "{}",
            dataset: "d", version: w2, derivedFrom: matrix.id, as: second.owner)
        let untouched = try second.store.recordArtifact(
            kind: .labelModel, name: "lm", dataset: "d", version: w2, as: second.owner)
        let erased = try second.store.eraseExample("e1", from: "d", as: second.owner)
        #expect(erased.affectedVersions == [w1])
        staleIDs = Set(erased.staleArtifacts.map(\.id))
        #expect(staleIDs == [matrix.id, crossVersion.id])
        let derived = try second.store.artifact(id: crossVersion.id, as: second.owner)
        #expect(derived.staleReason?.contains("derived from label-matrix 'lfs'") == true)
        #expect(derived.staleReason?.contains("'e1'") == true)
        #expect(try !second.store.artifact(id: untouched.id, as: second.owner).isStale)
        // A new artifact derived from a stale one is born stale.
        let late = try second.store.recordArtifact(
            kind: .adapter, name: "late", derivedFrom: crossVersion.id, dataset: "d", version: nil, as: second.owner)
        #expect(late.isStale && late.staleReason?.contains("derived from stale soft-labels 'ds'") == true)
        // The stale-only tree keeps the chains that lead to stale artifacts.
        let staleTree = try second.store.lineageTree(of: "d", staleOnly: true, as: second.owner)
        #expect(staleTree.versions.map(\.version.id) == [w1])
        #expect(staleTree.artifacts.map(\.id) == [matrix.id, crossVersion.id, late.id])
        #expect(try second.store.verifyAuditLog(as: second.owner).ok)
    }
}
