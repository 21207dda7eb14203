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
        /// The size in bytes of each file the entry holds (paths relative to the entry), checked on every lookup: the
        /// files are written without a flush to disk, and an entry a power failure emptied is not an entry (nil in
        /// entries written before sizes were kept).
        public var files: [String: Int]?

        /// Creates a manifest.
        public init(
            formatVersion: Int, step: String, kind: String, key: String, figures: [String: Double], parts: Int,
            tableKey: String?, files: [String: Int]? = nil
        ) {
            self.formatVersion = formatVersion
            self.step = step
            self.kind = kind
            self.key = key
            self.figures = figures
            self.parts = parts
            self.tableKey = tableKey
            self.files = files
        }
    }

    /// The version of the entries' layout; part of every key, so a new layout never reads an old entry. (2: a table's
    /// per-row integers are comma-separated text in `table.json`.)
    public static let formatVersion = 2

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

    /// The manifest's file name in an entry (written last; not among the sizes it records).
    static let manifestName = "entry.json"

    /// The folder of the complete entry `key`, or nil when there is none (its manifest is unreadable, or a file is
    /// missing or not the size the manifest records).
    public func entry(_ key: String) -> URL? { completeEntry(key)?.folder }

    /// The folder and manifest of the complete entry `key` (see ``entry(_:)``), read once.
    public func completeEntry(_ key: String) -> (folder: URL, manifest: Manifest)? {
        let folder = directory.appendingPathComponent(key)
        guard let manifest = manifest(key), manifest.key == key else { return nil }
        for (path, size) in manifest.files ?? [:] {
            var status = stat()
            guard stat(folder.appendingPathComponent(path).path, &status) == 0, Int(status.st_size) == size else {
                return nil
            }
        }
        return (folder, manifest)
    }

    /// The sizes of the regular files under `folder`, by path relative to it.
    static func fileSizes(in folder: URL) -> [String: Int] {
        var sizes: [String: Int] = [:]
        let prefix = folder.standardizedFileURL.path + "/"
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return sizes }
        while let relative = walker.nextObject() as? String {
            var status = stat()
            guard relative != manifestName, stat(prefix + relative, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG
            else { continue }
            sizes[relative] = Int(status.st_size)
        }
        return sizes
    }

    /// The manifest of entry `key`, if it is complete and readable.
    public func manifest(_ key: String) -> Manifest? { Self.manifest(in: directory, key: key) }

    /// Writes entry `key`: `body` fills a temporary folder, then the manifest (with the files' sizes) is written and
    /// the folder renamed into place. A failure (or cancellation) inside `body` leaves no entry. Files are written
    /// without a flush to disk (``AtomicFile/Durability/unsynced``): an entry is rebuilt, not recovered.
    ///
    /// - Returns: the entry's folder.
    /// - Throws: `body`'s errors; ``FoundryCoreError/fileUnreadable(path:reason:)`` when the entry cannot be written.
    @discardableResult
    public func store(_ manifest: Manifest, _ body: (URL) throws -> Void) throws -> URL {
        let fileManager = FileManager.default
        let temporary = directory.appendingPathComponent(".tmp-\(UUID().uuidString)")
        let destination = directory.appendingPathComponent(manifest.key)
        do {
            // mkdir(2) itself: the cache folder exists (its initializer made it), and FileManager's intermediate-folder
            // walk costs several system calls per entry.
            if mkdir(temporary.path, 0o777) != 0 {
                try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
            }
            try AtomicFile.$durability.withValue(.staged) {
                try body(temporary)
                var manifest = manifest
                manifest.files = Self.fileSizes(in: temporary)
                try AtomicFile.write(
                    try PipelineJSON.encode(manifest), to: temporary.appendingPathComponent(Self.manifestName))
            }
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

    /// Caches one labeling function's votes. Written in place, without a temporary file and rename: a column
    /// interrupted mid-write is shorter than its rows, which ``column(_:rows:)`` reads as a miss, and rewrites equal
    /// bytes (the key is the content's).
    func storeColumn(_ key: String, votes: [Int16]) throws {
        let data = votes.map(\.littleEndian).withUnsafeBytes { Data($0) }
        try AtomicFile.$durability.withValue(.staged) {
            try AtomicFile.write(data, to: columnsDirectory.appendingPathComponent(key))
        }
    }
}
