/// One labeling function's output on one example: a class index, or abstain.
public struct Vote: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The class index, or -1 for abstain (the NumPy / WRENCH encoding).
    public let rawValue: Int

    /// The function declines to vote.
    public static let abstain = Vote(rawValue: -1)

    /// A vote for class `index` (0-based).
    public static func `class`(_ index: Int) -> Vote {
        precondition(index >= 0, "class indices are non-negative; use .abstain to abstain")
        return Vote(rawValue: index)
    }

    /// Creates a vote from its raw encoding (-1 = abstain).
    public init(rawValue: Int) {
        precondition(rawValue >= -1, "a vote is a class index or -1 (abstain)")
        self.rawValue = rawValue
    }

    /// Whether this is an abstention.
    public var isAbstain: Bool { rawValue < 0 }

    /// The class index, or `nil` for abstain.
    public var classIndex: Int? { rawValue >= 0 ? rawValue : nil }

    /// Orders abstain first, then classes by index.
    public static func < (lhs: Vote, rhs: Vote) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `abstain` or `class k`.
    public var description: String { isAbstain ? "abstain" : "class \(rawValue)" }
}
