/// The limits every spec file is read under, whatever its kind: they bound the memory and time a hostile or
/// mistaken file can cost before it is rejected with an error naming the file and the limit.
public struct SpecLimits: Sendable, Equatable {
    /// Largest accepted file, in bytes (default 4 MiB).
    public var maximumBytes: Int
    /// Deepest accepted nesting of lists and mappings (default 64; the top-level value is at depth 1).
    public var maximumDepth: Int
    /// Most values a document may hold once every alias is expanded: scalars, lists, mappings and mapping keys
    /// (default 100,000).
    public var maximumNodes: Int

    /// Creates limits.
    ///
    /// - Parameters:
    ///   - maximumBytes: largest accepted file, in bytes.
    ///   - maximumDepth: deepest accepted nesting of lists and mappings.
    ///   - maximumNodes: most values after alias expansion.
    public init(maximumBytes: Int = 4 << 20, maximumDepth: Int = 64, maximumNodes: Int = 100_000) {
        precondition(maximumBytes > 0 && maximumDepth > 0 && maximumNodes > 0, "limits must be positive")
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
    }

    /// The limits spec files are read under by default: 4 MiB, depth 64, 100,000 values.
    public static let standard = SpecLimits()

    func sizeExceeded(_ size: Int) -> String {
        "the file has \(size) bytes, more than the \(maximumBytes) a spec may have"
    }
}
