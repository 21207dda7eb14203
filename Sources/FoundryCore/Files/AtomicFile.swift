import Foundation

/// Writes output files all or nothing: the content goes to a temporary file beside the destination, which is renamed
/// over it only when writing succeeded. A command that fails midway leaves no output file behind, and an existing
/// file is never left half-written.
public enum AtomicFile {
    /// Writes a file through `body`, which receives the temporary path to write; on success the temporary file
    /// replaces `url`, on failure it is removed and the error is rethrown.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the folder is missing or the rename fails, and
    ///   whatever `body` throws.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
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
        try write(to: url) { temporary in
            do {
                try data.write(to: temporary)
            } catch {
                throw FoundryCoreError.fileUnreadable(
                    path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
        }
    }
}
