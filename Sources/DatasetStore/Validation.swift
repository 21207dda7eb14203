import Foundation

/// Checks on names and text before they reach SQL (values are always bound as parameters; these
/// checks exist because SQLite's C text API stops at NUL, and so that names stay printable).
enum Validation {
    /// Longest accepted name, in UTF-8 bytes.
    static let maximumNameBytes = 1024

    /// The form a name is stored and looked up in: Unicode NFC, so that two spellings of one name are one name.
    ///
    /// ASCII text is its own NFC, so it is returned as is (the common case, and on a server's path per request).
    static func normalized(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return name }
        return name.precomposedStringWithCanonicalMapping
    }

    /// Longest accepted model name, in UTF-8 bytes (a folder name, the longest adapter id a directory can hold, is at
    /// most 255).
    static let maximumModelNameBytes = 256

    /// Checks a model name (a served adapter's id, as grants name it) and returns it in NFC: the rules of
    /// ``name(_:kind:)``, at most 256 bytes.
    ///
    /// - Throws: ``DatasetStoreError/invalidName(kind:name:reason:)`` with kind `model`.
    static func modelName(_ name: String) throws -> String {
        if name.utf8.count > maximumModelNameBytes {
            throw DatasetStoreError.invalidName(
                kind: "model", name: name,
                reason: "is \(name.utf8.count) bytes long; at most \(maximumModelNameBytes) are allowed")
        }
        return try self.name(name, kind: "model")
    }

    /// Checks a new name and returns it in NFC: names are identifiers, so no control characters (line breaks,
    /// escapes, bidirectional overrides), no leading or trailing whitespace, not empty, at most 1,024 bytes.
    ///
    /// - Throws: ``DatasetStoreError/invalidName(kind:name:reason:)`` saying which rule the name breaks.
    @discardableResult
    static func name(_ name: String, kind: String) throws -> String {
        if name.isEmpty { throw DatasetStoreError.invalidName(kind: kind, name: name, reason: "must not be empty") }
        if name.utf8.count > maximumNameBytes {
            throw DatasetStoreError.invalidName(
                kind: kind, name: name,
                reason: "is \(name.utf8.count) bytes long; at most \(maximumNameBytes) are allowed")
        }
        if name.utf8.contains(0) {
            throw DatasetStoreError.invalidName(kind: kind, name: name, reason: "contains a NUL character")
        }
        if let control = name.unicodeScalars.first(where: DisplayText.isControl) {
            throw DatasetStoreError.invalidName(
                kind: kind, name: name,
                reason: "contains the control character U+\(String(control.value, radix: 16, uppercase: true))")
        }
        if let first = name.unicodeScalars.first, let last = name.unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        {
            throw DatasetStoreError.invalidName(
                kind: kind, name: name, reason: "must not begin or end with whitespace")
        }
        return normalized(name)
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
