/// Something a principal may be allowed to do, checked by the store's one authorization function.
///
/// | action | allows |
/// |---|---|
/// | `read` | list datasets, versions, examples (sensitive fields masked), labels, diffs, lineage |
/// | `read-sensitive` | see sensitive (PII) fields unmasked |
/// | `write` | create datasets (store-wide), import versions, store cleaning decisions, record artifacts and their files |
/// | `label` | store gold labels, label matrices and soft labels |
/// | `export` | export a version (license and attribution are recorded) |
/// | `grant` | grant and revoke roles on the scope (never more than the granter holds there) |
/// | `delete` | erase examples (right to be forgotten) |
/// | `admin` | manage principals, tokens and custom roles; read and verify the audit log |
public enum Action: String, CaseIterable, Sendable, Codable, Hashable {
    /// Read data (sensitive fields masked).
    case read
    /// Read sensitive (PII) fields unmasked.
    case readSensitive = "read-sensitive"
    /// Create datasets and versions, cleaning decisions, artifacts.
    case write
    /// Store gold labels, label matrices and soft labels.
    case label
    /// Export a version.
    case export
    /// Grant or revoke roles.
    case grant
    /// Erase examples.
    case delete
    /// Administer principals, tokens, roles and the audit log.
    case admin

    /// The bit of this action in an ``ActionSet``.
    var bit: UInt16 { UInt16(1) << UInt16(Action.allCases.firstIndex(of: self) ?? 0) }
}

/// A set of actions as a bit mask: the unit the authorization cache stores and tests in O(1).
public struct ActionSet: Sendable, Hashable {
    /// The bit mask; bit i is `Action.allCases[i]`.
    public var rawValue: UInt16

    /// Creates a set from actions.
    public init(_ actions: some Sequence<Action>) { rawValue = actions.reduce(0) { $0 | $1.bit } }

    /// Creates a set from its bit mask.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The empty set.
    public static let none = ActionSet(rawValue: 0)
    /// Every action.
    public static let all = ActionSet(Action.allCases)

    /// Whether `action` is in the set.
    @inline(__always) public func contains(_ action: Action) -> Bool { rawValue & action.bit != 0 }

    /// The union of two sets.
    public func union(_ other: ActionSet) -> ActionSet { ActionSet(rawValue: rawValue | other.rawValue) }

    /// The actions in the set, in `Action.allCases` order.
    public var actions: [Action] { Action.allCases.filter(contains) }
}
