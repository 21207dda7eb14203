/// A dataset and optionally a version, written `NAME` or `NAME@VERSION` (as command-line options take them).
///
/// `VERSION` is `latest`, a full version id, or a unique prefix of at least 4 hex digits. The split is at the last
/// `@`, so a dataset whose name contains `@` is written with an explicit version: `team@home@latest`.
public struct DatasetReference: Sendable, Hashable, CustomStringConvertible {
    /// The dataset's name.
    public let dataset: String
    /// The version id or prefix; nil for the latest.
    public let version: String?

    /// A reference to `dataset` at `version` (nil = latest).
    public init(dataset: String, version: String? = nil) {
        self.dataset = dataset
        self.version = version
    }

    /// Parses `NAME` or `NAME@VERSION`.
    ///
    /// - Throws: ``DatasetStoreError/invalidReference(_:reason:)`` for an empty name, an empty version, or a
    ///   version that is neither `latest` nor at least 4 hex digits.
    public init(parsing text: String) throws {
        guard let at = text.lastIndex(of: "@") else {
            guard !text.isEmpty else { throw DatasetStoreError.invalidReference(text, reason: "the name is empty") }
            self.init(dataset: text)
            return
        }
        let name = String(text[..<at])
        let version = String(text[text.index(after: at)...])
        guard !name.isEmpty else {
            throw DatasetStoreError.invalidReference(text, reason: "the dataset name before '@' is empty")
        }
        guard !version.isEmpty else {
            throw DatasetStoreError.invalidReference(
                text, reason: "nothing after '@': give a version id or prefix, or 'latest'")
        }
        if version == "latest" {
            self.init(dataset: name)
            return
        }
        guard version.count >= 4, version.count <= 64, version.allSatisfy(\.isHexDigit) else {
            throw DatasetStoreError.invalidReference(
                text, reason: "the version '\(version)' is not 'latest' or a version id (4 to 64 hex digits)")
        }
        self.init(dataset: name, version: version.lowercased())
    }

    /// `NAME` or `NAME@VERSION`.
    public var description: String {
        version.map { "\(dataset)@\($0)" } ?? (dataset.contains("@") ? "\(dataset)@latest" : dataset)
    }
}
