import Foundation

/// Files only their owner may read: the store, its key and exports are created with mode 0600, exclusively (never
/// through a symbolic link), and written to a temporary file that is renamed into place.
public enum PrivateFile {
    /// Creates `path` with mode 0600 holding `contents`; fails if anything (a file or a symbolic link) is there.
    ///
    /// - Throws: ``DatasetStoreError/unsafeOutput(path:reason:)`` naming the path and the system's reason.
    public static func createExclusive(_ path: String, contents: Data) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DatasetStoreError.unsafeOutput(path: path, reason: systemReason()) }
        defer { close(descriptor) }
        // The mode given to open is filtered by the umask; 0600 is what we mean whatever the umask.
        guard fchmod(descriptor, 0o600) == 0 else {
            throw DatasetStoreError.unsafeOutput(path: path, reason: systemReason())
        }
        try contents.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base.advanced(by: offset), buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw DatasetStoreError.unsafeOutput(path: path, reason: systemReason())
                }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw DatasetStoreError.unsafeOutput(path: path, reason: systemReason()) }
    }

    /// Writes `contents` to `path` all or nothing with mode 0600: a fresh temporary file beside it, renamed over it.
    ///
    /// The caller has checked the target (see ``checkOutputTarget(_:force:protecting:)``); rename(2) replaces a
    /// symbolic link at the target itself, never the file it points to.
    /// - Throws: ``DatasetStoreError/unsafeOutput(path:reason:)``.
    public static func write(_ contents: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).partial-\(UUID().uuidString)"
        ).path
        do {
            try createExclusive(temporary, contents: contents)
        } catch {
            unlink(temporary)
            throw DatasetStoreError.unsafeOutput(path: path, reason: reason(of: error))
        }
        guard rename(temporary, path) == 0 else {
            let why = systemReason()
            unlink(temporary)
            throw DatasetStoreError.unsafeOutput(path: path, reason: why)
        }
    }

    /// Refuses an output path that would be unsafe to write: a symbolic link, an existing file without `force`,
    /// something that is not a regular file, one of `protecting` (the store's own files, even through another name),
    /// or any SQLite database.
    ///
    /// - Throws: ``DatasetStoreError/unsafeOutput(path:reason:)`` saying which.
    public static func checkOutputTarget(_ path: String, force: Bool, protecting: [String]) throws {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw DatasetStoreError.unsafeOutput(path: path, reason: systemReason()) }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var folderInfo = stat()
            guard stat(folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
                throw DatasetStoreError.unsafeOutput(path: path, reason: "the folder \(folder) does not exist")
            }
            return
        }
        if info.st_mode & S_IFMT == S_IFLNK {
            throw DatasetStoreError.unsafeOutput(path: path, reason: "it is a symbolic link (give the real path)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw DatasetStoreError.unsafeOutput(path: path, reason: "it exists and is not a regular file")
        }
        for protected in protecting {
            var other = stat()
            if stat(protected, &other) == 0, other.st_dev == info.st_dev, other.st_ino == info.st_ino {
                throw DatasetStoreError.unsafeOutput(path: path, reason: "it is the store's own file \(protected)")
            }
        }
        if isSQLiteDatabase(path) {
            throw DatasetStoreError.unsafeOutput(path: path, reason: "it is an SQLite database; export elsewhere")
        }
        if !force {
            throw DatasetStoreError.unsafeOutput(path: path, reason: "it already exists (use --force to replace it)")
        }
    }

    /// Whether the file starts with SQLite's header.
    static func isSQLiteDatabase(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        return header == Data("SQLite format 3\0".utf8)
    }

    /// Restricts an existing file to its owner (mode 0600) when others may read it and we own it.
    static func restrict(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 != 0,
            info.st_uid == geteuid()
        else { return }
        chmod(path, 0o600)
    }

    static func systemReason() -> String { String(cString: strerror(errno)) }

    private static func reason(of error: any Error) -> String {
        if case let .unsafeOutput(_, reason)? = error as? DatasetStoreError { return reason }
        return String(describing: error)
    }
}
