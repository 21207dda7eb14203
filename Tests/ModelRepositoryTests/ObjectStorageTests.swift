import Foundation
import FoundryTestSupport
import Testing
import Tensors

@testable import ModelRepository

@Suite struct ObjectStorageTests {
    @Test func commitAndCheckoutGiveBackTheSameBytes() throws {
        let fixture = try RepositoryFixture()
        let folder = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        let result = try fixture.repository.commit(directory: folder, options: CommitOptions(message: "base"))
        #expect(result.encodings["dense"] == 4)
        #expect(try fixture.repository.branchCommit("main") == result.commit)
        let output = fixture.root.appendingPathComponent("out")
        _ = try fixture.repository.checkout("main", to: output)
        #expect(try RepositoryFixture.contents(output) == RepositoryFixture.contents(folder))
        // The same model again is stored once: a second commit writes no tensor.
        var options = CommitOptions(message: "again")
        options.allowEmpty = true
        let again = try fixture.repository.commit(directory: folder, options: options)
        #expect(again.encodings["reused"] == 4)
        #expect(again.encodings["dense"] == nil)
    }

    @Test func aFewChangedEntriesAreStoredSparseAndReconstructExactly() throws {
        let fixture = try RepositoryFixture()
        var tensors = RepositoryFixture.baseTensors()
        let base = try fixture.writeModel("base", tensors: tensors)
        _ = try fixture.repository.commit(directory: base, options: CommitOptions(message: "base"))
        // Change 5 of 512 embedding entries (1 %) and one query entry by one ulp.
        let key = "embeddings.word_embeddings.weight"
        var embeddings = try #require(tensors[key]).scalars
        for index in [0, 100, 200, 300, 511] { embeddings[index] += 0.5 }
        tensors[key] = Tensor(shape: [64, 8], scalars: embeddings)
        var query = try #require(tensors["encoder.layer.0.attention.self.query.weight"]).scalars
        query[3] = query[3].nextUp
        tensors["encoder.layer.0.attention.self.query.weight"] = Tensor(shape: [8, 8], scalars: query)
        let tuned = try fixture.writeModel("tuned", tensors: tensors)
        let result = try fixture.repository.commit(directory: tuned, options: CommitOptions(message: "tune"))
        #expect(result.encodings["sparse"] == 2)
        #expect(result.encodings["reused"] == 2)
        let tree = try fixture.repository.tree(result.tree)
        let entry = try #require(tree.tensorsByKey["model.safetensors:\(key)"])
        let header = try fixture.repository.objects.header(entry.object)
        #expect(header.encoding == .sparse)
        #expect(header.count == 5)
        // The sparse object costs its 5 entries (4-byte index + 4-byte value), not the 2,048 dense bytes.
        let stored = try fixture.repository.objects.rawBytes(entry.object).count
        #expect(stored < 300)
        let output = fixture.root.appendingPathComponent("out")
        _ = try fixture.repository.checkout("main", to: output)
        #expect(try RepositoryFixture.contents(output) == RepositoryFixture.contents(tuned))
        let first = fixture.root.appendingPathComponent("first")
        _ = try fixture.repository.checkout("main~1", to: first)
        #expect(try RepositoryFixture.contents(first) == RepositoryFixture.contents(base))
    }

    @Test func adapterCommitsKeepFactorsAndMaterializeTheFullModel() throws {
        let fixture = try RepositoryFixture()
        let tensors = RepositoryFixture.baseTensors()
        let base = try fixture.writeModel("base", tensors: tensors)
        let baseCommit = try fixture.repository.commit(directory: base, options: CommitOptions(message: "base"))
        let adapter = try fixture.writeAdapter("adapter", seed: 5)
        let result = try fixture.repository.commit(directory: adapter, options: CommitOptions(message: "lora"))
        let commit = try fixture.repository.commit(result.commit)
        #expect(commit.base == baseCommit.commit)
        // Factors are stored as the adapter's tensors; query's and value's factors are equal here, so stored once.
        #expect(result.encodings["dense"] == 2)
        #expect(result.encodings["reused"] == 2)
        let peft = fixture.root.appendingPathComponent("peft")
        _ = try fixture.repository.checkout("main", to: peft, format: .peft)
        #expect(try RepositoryFixture.contents(peft) == RepositoryFixture.contents(adapter))
        let full = fixture.root.appendingPathComponent("full")
        let materialized = try fixture.repository.checkout("main", to: full, format: .hf)
        #expect(materialized.lowRankWeights == 2)
        let merged = try SafeTensors(contentsOf: full.appendingPathComponent("model.safetensors"))
        // Independent reference: W + (alpha / r)·B·A in Float64.
        let a = RepositoryFixture.values(16, seed: 5), b = RepositoryFixture.values(16, seed: 6)
        let w = try #require(tensors["encoder.layer.0.attention.self.query.weight"]).scalars
        let got = try #require(merged.tensors["encoder.layer.0.attention.self.query.weight"]).scalars
        for i in 0..<8 {
            for j in 0..<8 {
                var sum = 0.0
                for k in 0..<2 { sum += Double(b[i * 2 + k]) * Double(a[k * 8 + j]) }
                #expect(abs(Double(got[i * 8 + j]) - (Double(w[i * 8 + j]) + 2 * sum)) < 1e-5)
            }
        }
        #expect(merged.tensors["embeddings.word_embeddings.weight"] == tensors["embeddings.word_embeddings.weight"])
    }

    @Test func aFlippedByteInAnyObjectIsFoundByFsckAndCheckout() throws {
        let fixture = try RepositoryFixture()
        let folder = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        let result = try fixture.repository.commit(directory: folder, options: CommitOptions(message: "base"))
        #expect(try fixture.repository.fsck().isClean)
        let tree = try fixture.repository.tree(result.tree)
        let targets = [result.commit, result.tree] + tree.objectIDs
        for (index, id) in targets.enumerated() {
            let url = fixture.repository.objects.url(id)
            let original = try Data(contentsOf: url)
            var damaged = original
            let position = damaged.count - 1 - (index % max(1, damaged.count / 2))
            damaged[position] ^= 0x01
            try damaged.write(to: url)
            let report = try fixture.repository.fsck()
            #expect(!report.isClean)
            #expect(report.problems.contains { $0.contains(id) })
            let output = fixture.root.appendingPathComponent("out-\(index)")
            #expect(throws: ModelRepositoryError.self) {
                _ = try fixture.repository.checkout(result.commit, to: output)
            }
            #expect(!FileManager.default.fileExists(atPath: output.path))
            try original.write(to: url)
        }
        #expect(try fixture.repository.fsck().isClean)
    }

    @Test func badInputIsRejectedWithNothingChanged() throws {
        let fixture = try RepositoryFixture()
        let folder = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        let first = try fixture.repository.commit(directory: folder, options: CommitOptions(message: "base"))
        #expect(throws: ModelRepositoryError.unknownRef("nope")) {
            _ = try fixture.repository.checkout("nope", to: fixture.root.appendingPathComponent("x"))
        }
        let broken = fixture.root.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        var bytes = try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))
        bytes.removeLast(10)
        try bytes.write(to: broken.appendingPathComponent("model.safetensors"))
        #expect(throws: ModelRepositoryError.self) {
            _ = try fixture.repository.commit(directory: broken, options: CommitOptions(message: "broken"))
        }
        #expect(try fixture.repository.branchCommit("main") == first.commit)
        #expect(throws: ModelRepositoryError.self) { _ = try ModelRepository(root: fixture.root) }
    }

    @Test func refsBranchesTagsAndReflog() throws {
        let fixture = try RepositoryFixture()
        let folder = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        let first = try fixture.repository.commit(directory: folder, options: CommitOptions(message: "base"))
        try fixture.repository.createBranch("feature")
        try fixture.repository.createTag("v1")
        #expect(throws: ModelRepositoryError.self) { try fixture.repository.createBranch("feature") }
        #expect(try fixture.repository.resolve("v1") == first.commit)
        #expect(try fixture.repository.resolve(String(first.commit.prefix(8))) == first.commit)
        try fixture.repository.setHead("feature")
        #expect(try fixture.repository.head() == .branch("feature"))
        let log = try fixture.repository.reflog("refs/heads/feature")
        #expect(log.first?.new == first.commit)
        #expect(log.first?.old == nil)
    }

    @Test func gcRemovesWhatNoRefReaches() throws {
        let fixture = try RepositoryFixture()
        let folder = try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors())
        _ = try fixture.repository.commit(directory: folder, options: CommitOptions(message: "base"))
        try fixture.repository.createBranch("scratch")
        var tensors = RepositoryFixture.baseTensors()
        tensors["extra.weight"] = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        let other = try fixture.writeModel("other", tensors: tensors)
        var options = CommitOptions(message: "scratch")
        options.branch = "scratch"
        _ = try fixture.repository.commit(directory: other, options: options)
        try fixture.repository.deleteBranch("scratch")
        let report = try fixture.repository.gc()
        // The scratch commit, its tree, its header blob and the extra tensor.
        #expect(report.objectsRemoved == 4)
        #expect(try fixture.repository.fsck().isClean)
    }
}
