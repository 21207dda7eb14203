import Foundation
import FoundryTestSupport
import Merging
import Tensors
import Testing

@testable import ModelRepository

@Suite struct HistoryOperationsTests {
    static let query = "encoder.layer.0.attention.self.query.weight"
    static let value = "encoder.layer.0.attention.self.value.weight"

    /// Base on main; `left` changes query by a rank-1 update, `right` changes value; both on their own branches.
    static func branches(_ fixture: RepositoryFixture, rightChangesQuery: Bool = false) throws -> (String, String) {
        let base = RepositoryFixture.baseTensors()
        _ = try fixture.repository.commit(
            directory: try fixture.writeModel("base", tensors: base), options: CommitOptions(message: "base"))
        try fixture.repository.createBranch("left")
        try fixture.repository.createBranch("right")
        var left = base
        var q = try #require(base[query]).scalars
        for i in 0..<8 { for j in 0..<8 { q[i * 8 + j] += Float(i + 1) * Float(j) * 0.01 } }
        left[query] = Tensor(shape: [8, 8], scalars: q)
        var options = CommitOptions(message: "left")
        options.branch = "left"
        let l = try fixture.repository.commit(
            directory: try fixture.writeModel("left", tensors: left), options: options)
        var right = base
        let target = rightChangesQuery ? query : value
        var v = try #require(base[target]).scalars
        for i in v.indices { v[i] *= 2 }
        right[target] = Tensor(shape: [8, 8], scalars: v)
        options.message = "right"
        options.branch = "right"
        let r = try fixture.repository.commit(
            directory: try fixture.writeModel("right", tensors: right), options: options)
        return (l.commit, r.commit)
    }

    @Test func diffMeasuresEachChange() throws {
        let fixture = try RepositoryFixture()
        let (left, _) = try Self.branches(fixture)
        let diff = try fixture.repository.diff("main", "left")
        #expect(diff.tensors.count == 1)
        let entry = try #require(diff.tensors.first)
        #expect(entry.key == "model.safetensors:\(Self.query)")
        #expect(entry.status == .changed)
        #expect(entry.effectiveRank == 1)
        // Δ[i][j] = (i+1)·j·0.01: ‖Δ‖² = 0.0001·Σ(i+1)²·Σj² = 0.0001·204·140.
        #expect(abs((entry.l2 ?? 0) - (0.0001 * 204 * 140).squareRoot()) < 1e-4)
        // Column j = 0 is unchanged: 56 of 64 entries changed.
        #expect(entry.fractionChanged == 56.0 / 64.0)
        #expect(diff.summary["unchanged"] == 3)
        #expect(try fixture.repository.diff(left, left).tensors.isEmpty)
    }

    @Test func diffOfAnAdapterCommitShowsEachLowRankUpdateWithItsRank() throws {
        let fixture = try RepositoryFixture()
        _ = try fixture.repository.commit(
            directory: try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors()),
            options: CommitOptions(message: "base"))
        _ = try fixture.repository.commit(
            directory: try fixture.writeAdapter("one", seed: 5, random: true), options: CommitOptions(message: "one"))
        _ = try fixture.repository.commit(
            directory: try fixture.writeAdapter("two", seed: 7, rank: 3, random: true),
            options: CommitOptions(message: "two"))
        // From the base, each update is new and has the adapter's rank.
        let first = try fixture.repository.diff("main~2", "main~1").tensors.filter { $0.key.hasPrefix("delta:") }
        #expect(first.map(\.status) == [.added, .added])
        #expect(first.map(\.effectiveRank) == [2, 2])
        let diff = try fixture.repository.diff("main~1", "main")
        let deltas = diff.tensors.filter { $0.key.hasPrefix("delta:") }
        #expect(
            deltas.map(\.key) == [
                "delta:encoder.layer.0.attention.self.query.weight",
                "delta:encoder.layer.0.attention.self.value.weight",
            ])
        for entry in deltas {
            #expect(entry.encoding == "low_rank")
            // The change of ΔW from a rank-2 to a rank-3 update has rank at most 5 (here exactly 5 of 8).
            #expect(entry.effectiveRank == 5)
            #expect((entry.l2 ?? 0) > 0)
        }
    }

    @Test func threeWayMergeTakesEachSidesChangeAndHasTwoParents() throws {
        let fixture = try RepositoryFixture()
        let (left, right) = try Self.branches(fixture)
        try fixture.repository.setHead("left")
        let merged = try fixture.repository.merge("right")
        let commit = try fixture.repository.commit(merged.result.commit)
        #expect(commit.parents == [left, right])
        #expect(merged.resolutions["model.safetensors:\(Self.value)"] == "theirs")
        let tree = try fixture.repository.tree(commit.tree).tensorsByKey
        let leftTree = try fixture.repository.tree(fixture.repository.commit(left).tree).tensorsByKey
        let rightTree = try fixture.repository.tree(fixture.repository.commit(right).tree).tensorsByKey
        #expect(tree["model.safetensors:\(Self.query)"] == leftTree["model.safetensors:\(Self.query)"])
        #expect(tree["model.safetensors:\(Self.value)"] == rightTree["model.safetensors:\(Self.value)"])
        #expect(try fixture.repository.fsck().isClean)
    }

    @Test func tensorsChangedOnBothSidesAreMergedOrResolvedByPattern() throws {
        let fixture = try RepositoryFixture()
        let (left, right) = try Self.branches(fixture, rightChangesQuery: true)
        try fixture.repository.setHead("left")
        var reported: ConflictReport?
        let merged = try fixture.repository.merge("right", options: MergeOptions(method: .linear)) { reported = $0 }
        #expect(reported?.tensors.map(\.tensor) == ["model.safetensors:\(Self.query)"])
        let key = "model.safetensors:\(Self.query)"
        let values = try fixture.repository.objects.tensor(
            try #require(
                fixture.repository.tree(fixture.repository.commit(merged.result.commit).tree).tensorsByKey[key]
            ).object
        ).floats
        let l = try fixture.repository.objects.tensor(
            try #require(fixture.repository.tree(fixture.repository.commit(left).tree).tensorsByKey[key]).object
        ).floats
        let r = try fixture.repository.objects.tensor(
            try #require(fixture.repository.tree(fixture.repository.commit(right).tree).tensorsByKey[key]).object
        ).floats
        let (got, a, b) = (try #require(values), try #require(l), try #require(r))
        for i in got.indices { #expect(got[i] == (a[i] + b[i]) / 2) }

        // With a pattern, theirs wins and nothing is merged.
        let other = try RepositoryFixture()
        _ = try Self.branches(other, rightChangesQuery: true)
        try other.repository.setHead("left")
        var options = MergeOptions()
        options.theirs = ["*query.weight"]
        let resolved = try other.repository.merge("right", options: options)
        #expect(resolved.resolutions[key] == "theirs (pattern)")
        #expect(resolved.conflicts == nil)
    }

    @Test func mergingDifferentShapesOrUnknownRefsChangesNothing() throws {
        let fixture = try RepositoryFixture()
        let (left, _) = try Self.branches(fixture)
        var wide = RepositoryFixture.baseTensors()
        wide[Self.value] = Tensor(shape: [8, 16], scalars: RepositoryFixture.values(128, seed: 9))
        var options = CommitOptions(message: "wide")
        options.branch = "right"
        _ = try fixture.repository.commit(directory: try fixture.writeModel("wide", tensors: wide), options: options)
        try fixture.repository.setHead("left")
        #expect(throws: ModelRepositoryError.self) { _ = try fixture.repository.merge("right") }
        #expect(throws: ModelRepositoryError.unknownRef("nowhere")) { _ = try fixture.repository.merge("nowhere") }
        #expect(try fixture.repository.branchCommit("left") == left)
        #expect(try fixture.repository.fsck().isClean)
    }

    @Test func aFailingGateLeavesTheBranchWhereItWas() throws {
        let fixture = try RepositoryFixture()
        let (left, _) = try Self.branches(fixture)
        try fixture.repository.setHead("left")
        #expect(throws: ModelRepositoryError.self) {
            _ = try fixture.repository.merge(
                "right",
                gate: { _, _, _ in
                    throw ModelRepositoryError.checkFailed(report: "accuracy 0.5 < 0.9")
                })
        }
        #expect(try fixture.repository.branchCommit("left") == left)
        #expect(try fixture.repository.fsck().isClean)
    }

    @Test func pushSendsOnlyMissingObjectsAndAnInterruptedPushMovesNoRef() throws {
        let fixture = try RepositoryFixture()
        _ = try Self.branches(fixture)
        let remoteURL = fixture.root.appendingPathComponent("remote")
        let remote = try ModelRepository.create(at: remoteURL)
        let first = try fixture.repository.push(to: remoteURL, branch: "main")
        #expect(try remote.branchCommit("main") == fixture.repository.branchCommit("main"))
        // left adds one tensor, one header blob? (no: same layout), a tree and a commit.
        #expect(throws: ModelRepositoryError.self) {
            _ = try fixture.repository.push(to: remoteURL, branch: "left", interruptAfter: 1)
        }
        #expect(try remote.branchCommit("left") == nil)
        #expect(try remote.fsck().isClean)
        let second = try fixture.repository.push(to: remoteURL, branch: "left")
        #expect(second.objects == 3)
        #expect(second.objects < first.objects)
        #expect(try remote.branchCommit("left") == fixture.repository.branchCommit("left"))
        #expect(try remote.fsck().isClean)
        // Fetch back into a clone.
        let clone = try ModelRepository.create(at: fixture.root.appendingPathComponent("clone"))
        _ = try clone.pull(from: remoteURL, name: "origin", branch: "left")
        #expect(try clone.branchCommit("main") == fixture.repository.branchCommit("left"))
    }

    @Test func concurrentCommitsToDifferentBranchesLoseNothing() async throws {
        let fixture = try RepositoryFixture()
        _ = try fixture.repository.commit(
            directory: try fixture.writeModel("base", tensors: RepositoryFixture.baseTensors()),
            options: CommitOptions(message: "base"))
        for name in ["a", "b"] { try fixture.repository.createBranch(name) }
        var folders: [String: URL] = [:]
        for name in ["a", "b"] {
            var tensors = RepositoryFixture.baseTensors()
            for round in 0..<5 {
                tensors["extra.\(name).\(round)"] = Tensor(shape: [4], scalars: [Float(round), 1, 2, 3])
                folders["\(name)\(round)"] = try fixture.writeModel("\(name)\(round)", tensors: tensors)
            }
        }
        let root = fixture.repository.root
        let snapshot = folders
        await withTaskGroup(of: Void.self) { group in
            for name in ["a", "b"] {
                group.addTask {
                    guard let repository = try? ModelRepository(root: root) else { return }
                    for round in 0..<5 {
                        guard let folder = snapshot["\(name)\(round)"] else { continue }
                        var options = CommitOptions(message: "\(name) \(round)")
                        options.branch = name
                        _ = try? repository.commit(directory: folder, options: options)
                    }
                }
            }
        }
        for name in ["a", "b"] {
            let tip = try #require(try fixture.repository.branchCommit(name))
            #expect(try fixture.repository.log(from: tip).count == 6)
        }
        #expect(try fixture.repository.fsck().isClean)
    }
}
