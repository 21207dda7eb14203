import Foundation

/// Errors thrown by the DatasetStore module. Each names the dataset, version, principal, row or field concerned.
public enum DatasetStoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The acting principal lacks `action` on the scope (`dataset` nil = store-wide). The denial is audited.
    case permissionDenied(principal: String, action: Action, dataset: String?)
    /// A token was missing, malformed, unknown or revoked.
    case unauthenticated(reason: String)
    /// `bootstrapOwner` was called on a store that already has principals.
    case alreadyInitialized(path: String)
    /// The store has no principals yet; run `foundry store init` first.
    case notInitialized(path: String)
    /// No dataset with this name.
    case unknownDataset(String)
    /// No version of the dataset matches this id or prefix.
    case unknownVersion(dataset: String, version: String)
    /// A version prefix matches more than one version.
    case ambiguousVersion(dataset: String, prefix: String, matches: Int)
    /// No principal with this name.
    case unknownPrincipal(String)
    /// No built-in or custom role with this name.
    case unknownRole(String)
    /// No stored artifact (label matrix, soft labels, …) with this name on the version.
    case unknownArtifact(dataset: String, version: String, name: String)
    /// No artifact with this id.
    case unknownArtifactID(Int64)
    /// An artifact cannot be derived from artifact `artifact` (another dataset, or another version than the one
    /// asked for).
    case invalidLineage(artifact: Int64, reason: String)
    /// A `NAME@VERSION` reference is malformed.
    case invalidReference(String, reason: String)
    /// A dataset, principal, role or artifact with this name already exists.
    case duplicateName(kind: String, name: String)
    /// A name is empty, too long or contains a NUL character.
    case invalidName(kind: String, name: String, reason: String)
    /// An example (0-based `row` of the import) has a bad field.
    case invalidExample(row: Int, exampleID: String, field: String, reason: String)
    /// Two rows of one import share an example id.
    case duplicateExampleID(row: Int, exampleID: String)
    /// The example was erased from the dataset (right to be forgotten) and may not be re-imported.
    case erasedExample(dataset: String, exampleID: String)
    /// Labels do not fit the version they are attached to.
    case invalidLabels(dataset: String, version: String, reason: String)
    /// A role grant that would hand out actions the granter does not hold on that scope.
    case privilegeEscalation(principal: String, role: String, missing: [Action])
    /// An input file is malformed; `line` is 1-based (0 when the whole file is concerned).
    case invalidFile(path: String, line: Int, reason: String)
    /// SQLite reported an error (message included); the transaction was rolled back.
    case storage(String)

    /// A one-line message naming what is concerned and what went wrong.
    public var description: String {
        switch self {
        case let .permissionDenied(principal, action, dataset):
            return "permission denied: '\(principal)' may not \(action.rawValue) "
                + (dataset.map { "dataset '\($0)'" } ?? "store-wide")
        case let .unauthenticated(reason): return "not authenticated: \(reason)"
        case let .alreadyInitialized(path): return "\(path): the store already has an owner"
        case let .notInitialized(path): return "\(path): the store has no principals yet (run `foundry store init`)"
        case let .unknownDataset(name): return "no dataset named '\(name)'"
        case let .unknownVersion(dataset, version): return "dataset '\(dataset)' has no version '\(version)'"
        case let .ambiguousVersion(dataset, prefix, matches):
            return "dataset '\(dataset)': version prefix '\(prefix)' matches \(matches) versions"
        case let .unknownPrincipal(name): return "no principal named '\(name)'"
        case let .unknownRole(name): return "no role named '\(name)'"
        case let .unknownArtifact(dataset, version, name):
            return "dataset '\(dataset)' version \(version.prefix(12)): nothing stored under the name '\(name)'"
        case let .unknownArtifactID(id): return "no artifact with id \(id)"
        case let .invalidLineage(artifact, reason): return "cannot derive from artifact \(artifact): \(reason)"
        case let .invalidReference(text, reason): return "invalid dataset reference '\(text.prefix(200))': \(reason)"
        case let .duplicateName(kind, name): return "a \(kind) named '\(name)' already exists"
        case let .invalidName(kind, name, reason): return "invalid \(kind) name '\(name.prefix(80))': \(reason)"
        case let .invalidExample(row, id, field, reason):
            return "row \(row) (example '\(id.prefix(80))'), field '\(field)': \(reason)"
        case let .duplicateExampleID(row, id): return "row \(row): example id '\(id.prefix(80))' appears twice"
        case let .erasedExample(dataset, id):
            return "dataset '\(dataset)': example '\(id)' was erased and may not be re-imported"
        case let .invalidLabels(dataset, version, reason):
            return "dataset '\(dataset)' version \(version.prefix(12)): \(reason)"
        case let .privilegeEscalation(principal, role, missing):
            return
                "'\(principal)' may not grant role '\(role)': it lacks \(missing.map(\.rawValue).joined(separator: ", ")) on that scope"
        case let .invalidFile(path, line, reason): return line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case let .storage(message): return "storage error: \(message)"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
