/// One file stored with an artifact, without its contents.
public struct ArtifactFileInfo: Sendable, Hashable, Codable {
    /// The file name (`adapter_config.json`, …).
    public let name: String
    /// Its size in bytes.
    public let byteCount: Int
    /// The SHA-256 of its contents, 64 lowercase hex digits (checked whenever the file is read back).
    public let sha256: String
}
