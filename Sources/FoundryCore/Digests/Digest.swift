import Crypto
import Foundation

/// Message digests, all through swift-crypto: SHA-256 for content addresses and file checksums, and SHA-1 where an
/// existing tool's behaviour must be reproduced bit for bit (snorkel's and WRENCH's tie-break hashes the decimal row
/// index with SHA-1; see ``TieBreakPolicy/rowHash``). Neither SHA-1 use is a security boundary.
public enum Digest {
    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hex(hasher.finalize())
    }

    /// The SHA-256 of a file's bytes as 64 lowercase hex digits, read in 1 MiB blocks.
    ///
    /// - Throws: ``FoundryCoreError/fileUnreadable(path:reason:)`` when the file cannot be opened or read.
    public static func sha256Hex(ofFile url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw FoundryCoreError.fileUnreadable(path: url.path, reason: "cannot open the file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        } catch {
            throw FoundryCoreError.fileUnreadable(path: url.path, reason: error.localizedDescription)
        }
        return hex(hasher.finalize())
    }

    /// The 20-byte SHA-1 of `bytes`.
    public static func sha1<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        Array(Insecure.SHA1.hash(data: Array(bytes)))
    }

    /// The SHA-1 digest read as one 160-bit big-endian integer, reduced modulo `modulus` (> 0) — Python's
    /// `int(hashlib.sha1(b).hexdigest(), 16) % modulus`.
    public static func sha1Modulo<Bytes: Sequence>(_ bytes: Bytes, _ modulus: Int) -> Int where Bytes.Element == UInt8 {
        precondition(modulus > 0, "modulus must be positive")
        let m = UInt64(modulus)
        var remainder: UInt64 = 0
        for byte in Insecure.SHA1.hash(data: Array(bytes)) { remainder = (remainder << 8 | UInt64(byte)) % m }
        return Int(remainder)
    }

    /// Lowercase hex digits of a digest's bytes.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
