import Foundation

/// Checks on names and text before they reach SQL (values are always bound as parameters; these
/// checks exist because SQLite's C text API stops at NUL, and so that names stay printable).
enum Validation {
    /// Longest accepted name, in UTF-8 bytes.
    static let maximumNameBytes = 1024

    static func name(_ name: String, kind: String) throws {
        if name.isEmpty { throw DatasetStoreError.invalidName(kind: kind, name: name, reason: "must not be empty") }
        if name.utf8.count > maximumNameBytes {
            throw DatasetStoreError.invalidName(
                kind: kind, name: name,
                reason: "is \(name.utf8.count) bytes long; at most \(maximumNameBytes) are allowed")
        }
        if name.utf8.contains(0) {
            throw DatasetStoreError.invalidName(kind: kind, name: name, reason: "contains a NUL character")
        }
    }

    /// Whether text can be stored as SQLite TEXT without loss (no NUL byte).
    static func storable(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
            return memchr(base, 0, bytes.count) == nil
        }
    }
}
