import Crypto
import Foundation

/// The store's secret: 32 random bytes kept outside the store file, under which the audit chain is authenticated,
/// checkpoints are signed and identical content is recognised.
///
/// It comes from `$FOUNDRY_STORE_KEY` (64 hex digits) when set, else from the key file beside the store (`PATH.key`,
/// mode 0600, created with the store). A thief of the store file alone can neither recompute the audit chain nor test
/// guesses against the store's digests; a holder of the key and the file can do both (see docs/SECURITY.md). Lose the
/// key and the audit log can no longer be verified or extended: back it up apart from the store.
public struct StoreKey: Sendable {
    /// The environment variable that holds a key as 64 hex digits (it takes precedence over the key file).
    public static let environmentVariable = "FOUNDRY_STORE_KEY"

    let bytes: [UInt8]
    /// The sub-keys used on every audit entry, derived once.
    private let auditKey: SymmetricKey
    private let headKey: SymmetricKey

    /// A key from its 32 bytes.
    ///
    /// - Throws: ``DatasetStoreError/invalidKey(source:reason:)`` when there are not 32 bytes.
    public init(bytes: [UInt8], source: String = "key") throws {
        guard bytes.count == 32 else {
            throw DatasetStoreError.invalidKey(source: source, reason: "expected 32 bytes, found \(bytes.count)")
        }
        self.init(unchecked: bytes)
    }

    /// A key from 64 hex digits (surrounding whitespace ignored).
    ///
    /// - Throws: ``DatasetStoreError/invalidKey(source:reason:)`` for anything else.
    public init(hex: String, source: String) throws {
        let trimmed = hex.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count == 64, let bytes = TokenHasher.bytes(fromHex: Substring(trimmed.lowercased())) else {
            throw DatasetStoreError.invalidKey(source: source, reason: "expected 64 hex digits")
        }
        try self.init(bytes: bytes, source: source)
    }

    /// A fresh random key.
    public static func generate() -> StoreKey {
        StoreKey(unchecked: TokenHasher.randomBytes(32))
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
        auditKey = Self.derive(bytes, SQLiteDatasetStore.auditPurpose)
        headKey = Self.derive(bytes, SQLiteDatasetStore.headPurpose)
    }

    private static func derive(_ bytes: [UInt8], _ purpose: String) -> SymmetricKey {
        SymmetricKey(
            data: Array(HMAC<SHA256>.authenticationCode(for: Data(purpose.utf8), using: SymmetricKey(data: bytes))))
    }

    /// The key file of the store at `path`: `path` + `.key`.
    public static func defaultFile(forStoreAt path: String) -> String { path + ".key" }

    /// The key as 64 hex digits (what the key file and the environment variable hold).
    public var hex: String { CanonicalEncoding.hex(bytes) }

    /// A sub-key for one purpose (HMAC-SHA256 of the purpose under the key), so that the audit chain, checkpoints and
    /// content digests never share a key.
    func derived(_ purpose: String) -> SymmetricKey {
        switch purpose {
        case SQLiteDatasetStore.auditPurpose: auditKey
        case SQLiteDatasetStore.headPurpose: headKey
        default: Self.derive(bytes, purpose)
        }
    }

    /// HMAC-SHA256 under the sub-key for `purpose`.
    func mac(_ purpose: String, _ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: derived(purpose)))
    }

    /// What the store records to recognise its key: a MAC of a fixed message (reveals nothing about the key).
    var check: [UInt8] { mac("foundry.key-check.v1", Array("foundry store key".utf8)) }

    /// Loads the key of the store at `path`: `$FOUNDRY_STORE_KEY`, else the key file; nil when neither exists.
    ///
    /// - Throws: ``DatasetStoreError/invalidKey(source:reason:)`` for an unreadable or malformed key, or a key file
    ///   that other users may read.
    static func load(forStoreAt path: String, environment: [String: String]) throws -> StoreKey? {
        if let value = environment[environmentVariable], !value.isEmpty {
            return try StoreKey(hex: value, source: "$\(environmentVariable)")
        }
        let file = defaultFile(forStoreAt: path)
        var info = stat()
        guard lstat(file, &info) == 0 else { return nil }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw DatasetStoreError.invalidKey(source: file, reason: "is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw DatasetStoreError.invalidKey(
                source: file,
                reason:
                    "other users may read it (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(file)`")
        }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw DatasetStoreError.invalidKey(source: file, reason: "cannot read it")
        }
        return try StoreKey(hex: text, source: file)
    }

    /// Creates the key file of the store at `path` (mode 0600, never overwriting one), or loads the one another
    /// process created first.
    static func create(forStoreAt path: String) throws -> StoreKey {
        let file = defaultFile(forStoreAt: path)
        let key = StoreKey.generate()
        do {
            try PrivateFile.createExclusive(file, contents: Data((key.hex + "\n").utf8))
            return key
        } catch let error as DatasetStoreError {
            if let existing = try load(forStoreAt: path, environment: [:]) { return existing }
            throw error
        }
    }
}
