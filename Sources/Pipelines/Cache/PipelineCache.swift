import Foundation
import FoundryCore

/// The content-addressed cache of a run directory: `cache/<key>/` holds one step's output, `cache/columns/<key>`
/// one labeling function's votes.
///
/// An entry is written into a temporary folder (`cache/.tmp-…`) and renamed into place once complete, with its
/// manifest `entry.json` written last; a folder without a manifest is not an entry. An interrupted run therefore
/// leaves only complete entries (and temporary folders, removed by the next run), and the next run resumes from them.
public struct PipelineCache: Sendable {
    /// The cache folder.
    public let directory: URL

    /// The manifest every entry holds.
    public struct Manifest: Codable, Sendable, Equatable {
        /// ``PipelineCache/formatVersion`` when written.
        public var formatVersion: Int
        /// The step that wrote it (for people; entries are shared by key).
        public var step: String
        /// Its kind.
        public var kind: String
        /// The key.
        public var key: String
        /// Figures the step measured.
        public var figures: [String: Double]
        /// Parts the step is made of (labeling-function columns).
        public var parts: Int
        /// The entry holding the table this output is about (nil: this entry holds it).
        public var tableKey: String?
    }

    /// The version of the entries' layout; part of every key, so a new layout never reads an old entry.
    public static let formatVersion = 1

    /// Opens (and creates) the cache folder, removing temporary folders an interrupted run left behind.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the folder cannot be created.
    public init(directory: URL) throws {
        self.directory = directory
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: columnsDirectory, withIntermediateDirectories: true)
        } catch {
            throw FoundryCoreError.fileUnreadable(path: directory.path, reason: "cannot create the cache folder")
        }
        for name in (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
        where name.hasPrefix(".tmp-") {
            try? fileManager.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    var columnsDirectory: URL { directory.appendingPathComponent("columns") }

    /// The folder of the complete entry `key`, or nil when there is none (or its manifest is unreadable).
    public func entry(_ key: String) -> URL? {
        let folder = directory.appendingPathComponent(key)
        guard let manifest = manifest(key), manifest.key == key else { return nil }
        return folder
    }

    /// The manifest of entry `key`, if it is complete and readable.
    public func manifest(_ key: String) -> Manifest? { Self.manifest(in: directory, key: key) }

    /// Writes entry `key`: `body` fills a temporary folder, then the manifest is written and the folder renamed
    /// into place. A failure (or cancellation) inside `body` leaves no entry.
    ///
    /// - Returns: the entry's folder.
    /// - Throws: `body`'s errors; ``FoundryCoreError/fileUnreadable(path:reason:)`` when the entry cannot be written.
    @discardableResult
    public func store(_ manifest: Manifest, _ body: (URL) throws -> Void) throws -> URL {
        let fileManager = FileManager.default
        let temporary = directory.appendingPathComponent(".tmp-\(UUID().uuidString)")
        let destination = directory.appendingPathComponent(manifest.key)
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
            try body(temporary)
            try AtomicFile.write(
                try PipelineJSON.encode(manifest), to: temporary.appendingPathComponent("entry.json"))
            if fileManager.fileExists(atPath: destination.path) { try fileManager.removeItem(at: destination) }
            try fileManager.moveItem(at: temporary, to: destination)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw error
        }
        return destination
    }

    /// The votes of one labeling function cached under `key` (one `Int16` per row, −1 = abstain), or nil.
    func column(_ key: String, rows: Int) -> [Int16]? {
        guard let data = try? Data(contentsOf: columnsDirectory.appendingPathComponent(key)),
            data.count == rows * 2
        else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<rows).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        }
    }

    /// Caches one labeling function's votes (atomically).
    func storeColumn(_ key: String, votes: [Int16]) throws {
        var data = Data(capacity: votes.count * 2)
        for vote in votes { withUnsafeBytes(of: vote.littleEndian) { data.append(contentsOf: $0) } }
        try AtomicFile.write(data, to: columnsDirectory.appendingPathComponent(key))
    }
}
