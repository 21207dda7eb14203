/// What one store operation requires: the actions the principal must hold, on the dataset, on the model or store-wide.
///
/// ``AccessPolicy/operations`` lists every operation; the role × operation matrix test is generated from it, so the
/// table and the store's behaviour cannot drift apart.
public struct OperationRequirement: Sendable, Hashable {
    /// Where the actions must be held.
    public enum Scope: String, Sendable, Hashable {
        /// On the dataset the operation names (a store-wide grant counts too).
        case dataset
        /// Store-wide.
        case store
        /// On the model (a served adapter, by name) the operation names (a store-wide grant counts too; a dataset
        /// grant does not).
        case model
    }

    /// The operation's name, as the audit log records it.
    public let operation: String
    /// Every action required (all of them).
    public let actions: [Action]
    /// Where they must be held.
    public let scope: Scope
    /// Further conditions, said in words (for the documentation and the matrix test).
    public let note: String
    /// Whether an allowed call appends an audit entry. Every operation audits its refusals; only a check a server
    /// makes on every request (invoking a model) leaves allowed calls out, so that answering thousands of requests a
    /// second does not write the log thousands of times a second.
    public let auditsAllowed: Bool

    /// Creates a requirement.
    public init(_ operation: String, _ actions: [Action], _ scope: Scope, note: String = "", auditsAllowed: Bool = true)
    {
        self.operation = operation
        self.actions = actions
        self.scope = scope
        self.note = note
        self.auditsAllowed = auditsAllowed
    }

    /// Whether a role's actions satisfy the requirement.
    public func isSatisfied(by actions: [Action]) -> Bool { self.actions.allSatisfy(actions.contains) }
}
