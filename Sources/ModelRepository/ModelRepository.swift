import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// # ModelRepository
///
/// Git for models: a content-addressed repository of model and adapter checkpoints with commits, branches, tags, a
/// reflog, diffs, three-way merges of weights through ``Merging``, eval-gated checks, remotes and bundles.
///
/// - Objects (``ObjectStore``): tensors addressed by the SHA-256 of (dtype, shape, bytes), stored once across commits,
///   branches and models; dense or sparse against the parent's tensor (``TensorEncoding``); blobs for config files and
///   safetensors headers; trees and commits. Every read re-hashes what it reconstructs.
/// - Metadata in SQLite through GRDB (`repository.sqlite`): which objects are complete, commits, refs, the reflog and
///   remotes. A commit writes its object files first (each durable before it is renamed into place), then in one
///   transaction lists them, records the commit and moves the branch — only if the branch still points where it did,
///   so two processes committing to different branches lose nothing and a process killed midway leaves the previous
///   commit.
/// - A LoRA adapter commit keeps its update as the factors (``TensorEncoding/lowRank``); `checkout --format hf`
///   materializes base + scaling·B·A.
///
/// Layout of a repository folder: `repository.sqlite`, `objects/ab/cdef…`, `checks.yaml` (optional check suite) and
/// `lock` (shared by writers, exclusive for `gc`).
public final class ModelRepository: Sendable {
    /// The repository folder.
    public let root: URL
    /// The object files.
    public let objects: ObjectStore
    let database: DatabasePool

    /// The name of the metadata database inside the folder.
    public static let databaseName = "repository.sqlite"

    /// Creates an empty repository (folder created when missing) with a `main` branch that has no commit yet.
    /// - Throws: ``ModelRepositoryError/alreadyExists(path:)`` when the folder holds a repository,
    ///   ``ModelRepositoryError/io(path:reason:)`` when it cannot be created.
    @discardableResult
    public static func create(at root: URL) throws -> ModelRepository {
        let database = root.appendingPathComponent(databaseName)
        if FileManager.default.fileExists(atPath: database.path) {
            throw ModelRepositoryError.alreadyExists(path: root.path)
        }
        do {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent("objects"), withIntermediateDirectories: true)
        } catch {
            throw ModelRepositoryError.io(path: root.path, reason: error.localizedDescription)
        }
        let repository = try ModelRepository(root: root, creating: true)
        try repository.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO settings (key, value) VALUES ('HEAD', 'ref: refs/heads/main')")
        }
        return repository
    }

    /// Opens an existing repository.
    /// - Throws: ``ModelRepositoryError/notARepository(path:)`` when the folder holds none.
    public convenience init(root: URL) throws {
        try self.init(root: root, creating: false)
    }

    private init(root: URL, creating: Bool) throws {
        let path = root.appendingPathComponent(Self.databaseName).path
        guard creating || FileManager.default.fileExists(atPath: path) else {
            throw ModelRepositoryError.notARepository(path: root.path)
        }
        self.root = root
        objects = ObjectStore(root: root.appendingPathComponent("objects"))
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(60)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw ModelRepositoryError.storage("\(path): \(error.message ?? error.description)")
        } catch {
            throw ModelRepositoryError.storage("\(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE objects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, encoding TEXT, base TEXT,
                        depth INTEGER NOT NULL DEFAULT 0, size INTEGER NOT NULL, stored INTEGER NOT NULL);
                    CREATE TABLE commits (id TEXT PRIMARY KEY, tree TEXT NOT NULL, parents TEXT NOT NULL,
                        time TEXT NOT NULL, author TEXT NOT NULL, message TEXT NOT NULL);
                    CREATE TABLE refs (name TEXT PRIMARY KEY, target TEXT NOT NULL);
                    CREATE TABLE reflog (seq INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL, old TEXT,
                        new TEXT, action TEXT NOT NULL, time TEXT NOT NULL);
                    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE remotes (name TEXT PRIMARY KEY, url TEXT NOT NULL);
                    """)
        }
        return migrator
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as ModelRepositoryError { throw error } catch let error
            as DatabaseError
        {
            throw ModelRepositoryError.storage(error.message ?? error.description)
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as ModelRepositoryError { throw error } catch let error
            as DatabaseError
        {
            throw ModelRepositoryError.storage(error.message ?? error.description)
        }
    }

    /// Runs `body` holding the repository's lock: shared for writers (commits, merges, receiving objects), exclusive
    /// for `gc`, so that `gc` never removes an object a concurrent commit is about to list.
    func withLock<T>(exclusive: Bool, _ body: () throws -> T) throws -> T {
        let path = root.appendingPathComponent("lock").path
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw ModelRepositoryError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard flock(fd, exclusive ? LOCK_EX : LOCK_SH) == 0 else {
            throw ModelRepositoryError.io(path: path, reason: String(cString: strerror(errno)))
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// The current time as ISO 8601.
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
