import Foundation
import FoundryCore

/// Content hashes of the files a step reads, remembered by (path, size, modification time) so an unchanged
/// multi-megabyte encoder is not hashed again on every run.
struct FileHashes: Codable, Sendable {
    struct Entry: Codable, Sendable {
        var size: Int
        var modified: Double
        var hash: String
    }
    var entries: [String: Entry] = [:]

    /// SHA-256 of a file, or of a folder's files (relative path, size and hash of each, in sorted order).
    mutating func hash(_ url: URL) throws -> String {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw FoundryCoreError.fileUnreadable(path: url.path, reason: "no such file or folder")
        }
        if !isDirectory.boolValue { return try fileHash(url) }
        let resolved = url.resolvingSymlinksInPath()
        guard let enumerator = fileManager.enumerator(atPath: resolved.path) else {
            throw FoundryCoreError.fileUnreadable(path: url.path, reason: "cannot list the folder")
        }
        var lines: [String] = []
        for case let relative as String in enumerator {
            let file = resolved.appendingPathComponent(relative)
            var isFolder: ObjCBool = false
            guard fileManager.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue else {
                continue
            }
            lines.append("\(relative)\t\(try fileHash(file))")
        }
        return Digest.sha256Hex(Array(lines.sorted().joined(separator: "\n").utf8))
    }

    private mutating func fileHash(_ url: URL) throws -> String {
        // stat(2) itself: FileManager's attributes also look up the owner's and group's names (reading /etc/passwd
        // and /etc/group) and the extended attributes, several times the cost of the check for each file, every run.
        var status = stat()
        let known = stat(url.path, &status) == 0
        let size = known ? Int(status.st_size) : -1
        #if canImport(Darwin)
            let time = status.st_mtimespec
        #else
            let time = status.st_mtim
        #endif
        let modified = known ? Double(time.tv_sec) + Double(time.tv_nsec) / 1e9 : -1
        if let known = entries[url.path], known.size == size, known.modified == modified, size >= 0 {
            return known.hash
        }
        let hash = "\(size):" + (try Digest.sha256Hex(ofFile: url))
        entries[url.path] = Entry(size: size, modified: modified, hash: hash)
        return hash
    }
}
