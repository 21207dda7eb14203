import Foundation
import FoundryCore
import FoundryTestSupport
import Testing

@Suite("Atomic file writes")
struct AtomicFileTests {
    /// The names in `folder` (hidden temporary files included).
    func names(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }

    @Test("a write replaces the file whole, in both durabilities, and leaves no temporary file")
    func replaces() throws {
        let directory = TemporaryDirectory()
        let url = directory.file("out.json")
        try AtomicFile.write(Data("first".utf8), to: url)
        #expect(try Data(contentsOf: url) == Data("first".utf8))
        let big = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try AtomicFile.$durability.withValue(.unsynced) {
            #expect(AtomicFile.durability == .unsynced)
            try AtomicFile.write(big, to: url)
        }
        #expect(AtomicFile.durability == .synced)
        #expect(try Data(contentsOf: url) == big)
        #expect(try names(directory.url) == ["out.json"])
    }

    @Test("a failing write leaves the existing file as it was and no temporary file")
    func failureKeepsTheOldFile() throws {
        let directory = TemporaryDirectory()
        let url = directory.file("labels.csv")
        try AtomicFile.write(Data("kept".utf8), to: url)
        struct Failed: Error {}
        #expect(throws: Failed.self) {
            try AtomicFile.write(to: url) { temporary in
                try Data("half".utf8).write(to: temporary)
                throw Failed()
            }
        }
        #expect(try Data(contentsOf: url) == Data("kept".utf8))
        #expect(try names(directory.url) == ["labels.csv"])
    }

    @Test("writing into a missing folder is an error naming the file, in both durabilities")
    func missingFolder() {
        let directory = TemporaryDirectory()
        let url = directory.file("no/such/folder/out.json")
        for durability in [AtomicFile.Durability.synced, .unsynced] {
            #expect {
                try AtomicFile.$durability.withValue(durability) { try AtomicFile.write(Data("x".utf8), to: url) }
            } throws: { error in
                "\(error)".contains(url.path)
            }
        }
    }
}
