import Crypto
import Foundation
import Labeling
import Tabular

/// The byte encodings that hashes are computed over: version ids, audit entries and field JSON.
///
/// Every string is written as its UTF-8 length (UInt64, little-endian) followed by its bytes, so no
/// two different sequences of strings encode to the same bytes.
public enum CanonicalEncoding {
    /// Prefix hashed before a version's rows (domain separation, format version).
    static let versionDomain = "foundry.dataset-version.v1"
    /// Prefix hashed into every audit entry.
    static let auditDomain = "foundry.audit-entry.v1"

    /// The canonical JSON object for string fields: keys sorted by UTF-8 bytes, minimal escaping, no spaces.
    ///
    /// - Complexity: O(total length · log fields).
    public static func fieldsJSON(_ fields: [String: String]) -> String {
        if fields.isEmpty { return "{}" }
        var out = "{"
        for (index, key) in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if index > 0 { out += "," }
            JSONText.append(key, to: &out)
            out += ":"
            JSONText.append(fields[key] ?? "", to: &out)
        }
        return out + "}"
    }

    /// Parses a JSON object of strings written by ``fieldsJSON(_:)``.
    ///
    /// - Throws: ``DatasetStoreError/storage(_:)`` when the stored text is not such an object.
    static func parseFields(_ json: String) throws -> [String: String] {
        if json == "{}" { return [:] }
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
        } catch {
            throw DatasetStoreError.storage("stored fields are not a JSON object of strings: \(error)")
        }
    }

    /// Lowercase hex of bytes.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Streams length-prefixed strings into SHA-256 through a buffer (few, large `update` calls).
struct CanonicalHasher {
    private var hasher = SHA256()
    private var buffer: [UInt8] = []

    /// A hasher that has taken `domain`; `capacity` is the buffer reserved (large for version rows, small for
    /// audit entries).
    init(domain: String, capacity: Int = 1 << 16) {
        buffer.reserveCapacity(capacity)
        append(domain)
    }

    mutating func append(_ string: String) {
        var copy = string
        copy.withUTF8 { bytes in
            var length = UInt64(bytes.count).littleEndian
            withUnsafeBytes(of: &length) { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: bytes)
        }
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func append(_ bytes: [UInt8]) {
        var length = UInt64(bytes.count).littleEndian
        withUnsafeBytes(of: &length) { buffer.append(contentsOf: $0) }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    private mutating func flush() {
        hasher.update(data: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finalize() -> [UInt8] {
        flush()
        return Array(hasher.finalize())
    }
}
