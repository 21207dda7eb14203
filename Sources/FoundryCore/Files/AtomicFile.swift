import Foundation

/// Writes output files all or nothing: the content goes to a temporary file beside the destination, which is renamed
/// over it only when writing succeeded. A command that fails midway leaves no output file behind, and an existing
/// file is never left half-written.
public enum AtomicFile {
    /// Whether a write waits for the disk.
    public enum Durability: Sendable {
        /// The content is flushed to the disk (`fsync`) before the rename: the file survives a power failure. The
        /// default.
        case synced
        /// The system writes the content back when it chooses. A crashed or killed process still never leaves a
        /// half-written file; a power failure can leave an empty one. For caches and other outputs that can be
        /// rebuilt, where a flush per file would cost more than the work (a pipeline's re-run writes about twenty small
        /// files; each flush took 0.3–1.3 ms here).
        case unsynced
        /// The file is written in place: no temporary file, flush or rename. Only for a staging folder that is itself
        /// renamed into place whole (a pipeline's cache entry), where a rename per file would repeat the folder's
        /// atomicity at the cost of four system calls per file, and for cache files whose readers recognize a partial
        /// write by its size. A failed write leaves a partial file, which its owner removes or ignores.
        case staged
    }

    /// The durability of the writes made inside `AtomicFile.$durability.withValue(.unsynced) { … }` (on that task or
    /// thread); ``Durability/synced`` elsewhere.
    @TaskLocal public static var durability: Durability = .synced

    /// Writes a file through `body`, which receives the temporary path to write; on success the temporary file
    /// replaces `url`, on failure it is removed and the error is rethrown.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the folder is missing or the rename fails, and
    ///   whatever `body` throws.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        if Self.durability == .staged { return try body(url) }
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw FoundryCoreError.fileUnreadable(
                path: url.path, reason: "cannot write: the folder \(folder.path) does not exist")
        }
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try body(temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        // rename(2) replaces an existing file atomically. (FileManager.replaceItemAt, used before, removed the existing
        // file and then failed on Linux, losing it.)
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw FoundryCoreError.fileUnreadable(path: url.path, reason: "cannot write: \(reason)")
        }
    }

    /// Writes `data` to `url` all or nothing.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the file cannot be written.
    public static func write(_ data: Data, to url: URL) throws {
        let durability = Self.durability
        try write(to: url) { temporary in
            do {
                switch durability {
                case .synced: try data.write(to: temporary)  // Foundation flushes the file before closing it.
                case .unsynced, .staged: try writeUnsynced(data, to: temporary)
                }
            } catch {
                throw FoundryCoreError.fileUnreadable(
                    path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
        }
    }

    /// Writes `data` to a new file with `open`/`write`/`close` and no flush.
    private static func writeUnsynced(_ data: Data, to url: URL) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, let base = raw.baseAddress {
                let written = Foundation.write(descriptor, base + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if close(descriptor) != 0, failure == 0 { failure = errno }
        if failure != 0 { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
    }
}
