import Foundation
import FoundryTestSupport
import Testing

@testable import ModelRepository

@Suite struct BundleTests {
    @Test func aBundleCarriesARangeOfCommitsIntoAnotherRepository() throws {
        let fixture = try RepositoryFixture()
        _ = try HistoryOperationsTests.branches(fixture)
        let full = fixture.root.appendingPathComponent("full.bundle")
        let summary = try fixture.repository.createBundle(at: full, refs: ["main"])
        let other = try ModelRepository.create(at: fixture.root.appendingPathComponent("other"))
        #expect(try other.verifyBundle(full) == summary)
        _ = try other.unbundle(full)
        #expect(try other.branchCommit("main") == fixture.repository.branchCommit("main"))
        // A range: only what left adds beyond main (one tensor, a tree, a commit).
        let range = fixture.root.appendingPathComponent("left.bundle")
        let partial = try fixture.repository.createBundle(at: range, refs: ["left"], since: ["main"])
        #expect(partial.objects == 3)
        _ = try other.unbundle(range)
        #expect(try other.branchCommit("left") == fixture.repository.branchCommit("left"))
        #expect(try other.fsck().isClean)
        // Without its prerequisite, a range is refused.
        let empty = try ModelRepository.create(at: fixture.root.appendingPathComponent("empty"))
        #expect(throws: ModelRepositoryError.self) { _ = try empty.unbundle(range) }
        #expect(try empty.branches().isEmpty)
    }

    @Test func aTruncatedOrEditedBundleIsRejectedNamingTheObject() throws {
        let fixture = try RepositoryFixture()
        _ = try HistoryOperationsTests.branches(fixture)
        let url = fixture.root.appendingPathComponent("main.bundle")
        _ = try fixture.repository.createBundle(at: url, refs: ["main"])
        let original = try Data(contentsOf: url)
        let damaged = fixture.root.appendingPathComponent("damaged.bundle")
        // Cut anywhere: nothing is received.
        for length in stride(from: 0, to: original.count, by: max(1, original.count / 23)) {
            try original.prefix(length).write(to: damaged)
            let other = try ModelRepository.create(at: fixture.root.appendingPathComponent("cut-\(length)"))
            #expect(throws: ModelRepositoryError.self) { _ = try other.unbundle(damaged) }
            #expect(try other.branches().isEmpty)
        }
        // Flip a byte anywhere: rejected; inside an object, the message names it.
        for position in stride(from: 0, to: original.count, by: max(1, original.count / 31)) {
            var edited = original
            edited[position] ^= 0x20
            try edited.write(to: damaged)
            let other = try ModelRepository.create(at: fixture.root.appendingPathComponent("edit-\(position)"))
            #expect(throws: ModelRepositoryError.self) { _ = try other.unbundle(damaged) }
            #expect(try other.branches().isEmpty)
        }
        var edited = original
        edited[original.count - 100] ^= 0x01
        try edited.write(to: damaged)
        do {
            _ = try fixture.repository.verifyBundle(damaged)
            Issue.record("an edited object was accepted")
        } catch let error as ModelRepositoryError {
            #expect(error.description.contains("object "))
        }
    }
}
