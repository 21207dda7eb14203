import Foundation

/// Errors thrown by the DatasetStore module. Each names the dataset, version, principal, row or field concerned.
public enum DatasetStoreError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The acting principal lacks `action` on the scope (`dataset` nil = store-wide). The denial is audited.
    case permissionDenied(principal: String, action: Action, dataset: String?)
    /// The acting principal may not do `operation` (`invoke-model`, `register-model`, `grant-model`, …) on the model
    /// called `model`. The denial is audited, naming the model.
    case modelPermissionDenied(principal: String, operation: String, model: String)
    /// A grant or revoke named both a dataset and a model: a grant is on a dataset, on a model, or store-wide.
    case conflictingScope(dataset: String, model: String)
    /// An operation name that is not a model operation of ``AccessPolicy/operations``.
    case unknownOperation(String)
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
    /// The store's key (`$FOUNDRY_STORE_KEY` or the key file) is malformed, unreadable or readable by others.
    case invalidKey(source: String, reason: String)
    /// The store is keyed but neither `$FOUNDRY_STORE_KEY` nor its key file is there.
    case missingKey(path: String, keyFile: String)
    /// The key given is not the store's.
    case wrongKey(path: String)
    /// The file exists but is not a Foundry store; it was not modified.
    case notAStore(path: String, reason: String)
    /// An output file was refused (a symbolic link, an existing file without `--force`, the store itself, a
    /// database) or could not be written.
    case unsafeOutput(path: String, reason: String)
    /// The change would leave no principal able to administer the store.
    case lockOut(reason: String)
    /// A column named as sensitive is not a column of the dataset's data, or may not be sensitive.
    case invalidSensitiveColumn(dataset: String, column: String, reason: String)
    /// An import asked for dataset settings (license, attribution, sensitive columns, id or text column) that differ
    /// from those of the existing dataset: settings change only through ``StoreTransaction/configureDataset(_:change:)``.
    case datasetSettingsDiffer(dataset: String, reason: String)
    /// An audit checkpoint file is malformed, not signed by this store's key, or from another store.
    case invalidCheckpoint(path: String, reason: String)

    /// A one-line message naming what is concerned and what went wrong.
    public var description: String {
        switch self {
        case let .permissionDenied(principal, action, dataset):
            // One message for a dataset that is missing and one that may not be touched: a principal without the
            // right cannot tell them apart.
            return "permission denied: '\(DisplayText.escaped(principal))' may not \(action.rawValue) "
                + (dataset.map { "dataset '\(DisplayText.escaped($0))' (or it does not exist)" } ?? "store-wide")
        case let .modelPermissionDenied(principal, operation, model):
            // The store keeps no registry of models: one message whether or not a server serves the model.
            return "permission denied: '\(DisplayText.escaped(principal))' may not \(DisplayText.escaped(operation)) "
                + "on model '\(DisplayText.escaped(model))'"
        case let .conflictingScope(dataset, model):
            return "a grant is on a dataset, on a model or store-wide: dataset '\(DisplayText.escaped(dataset))' and "
                + "model '\(DisplayText.escaped(model))' were both given"
        case let .unknownOperation(name):
            return "'\(DisplayText.escaped(name))' is not a model operation (known: "
                + ModelOperation.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case let .unauthenticated(reason): return "not authenticated: \(DisplayText.escaped(reason))"
        case let .alreadyInitialized(path): return "\(path): the store already has an owner"
        case let .notInitialized(path): return "\(path): the store has no principals yet (run `foundry store init`)"
        case let .unknownDataset(name): return "no dataset named '\(DisplayText.escaped(name))'"
        case let .unknownVersion(dataset, version):
            return "dataset '\(DisplayText.escaped(dataset))' has no version '\(DisplayText.escaped(version))'"
        case let .ambiguousVersion(dataset, prefix, matches):
            return "dataset '\(dataset)': version prefix '\(prefix)' matches \(matches) versions"
        case let .unknownPrincipal(name): return "no principal named '\(DisplayText.escaped(name))'"
        case let .unknownRole(name): return "no role named '\(DisplayText.escaped(name))'"
        case let .unknownArtifact(dataset, version, name):
            return "dataset '\(dataset)' version \(version.prefix(12)): nothing stored under the name '\(name)'"
        case let .unknownArtifactID(id): return "no artifact with id \(id)"
        case let .invalidLineage(artifact, reason): return "cannot derive from artifact \(artifact): \(reason)"
        case let .invalidReference(text, reason): return "invalid dataset reference '\(text.prefix(200))': \(reason)"
        case let .duplicateName(kind, name): return "a \(kind) named '\(DisplayText.escaped(name))' already exists"
        case let .invalidName(kind, name, reason):
            return "invalid \(kind) name '\(DisplayText.escaped(String(name.prefix(80))))': \(reason)"
        case let .invalidExample(row, id, field, reason):
            return "row \(row) (example '\(DisplayText.escaped(String(id.prefix(80)))))'), field '\(field)': \(reason)"
        case let .duplicateExampleID(row, id):
            return "row \(row): example id '\(DisplayText.escaped(String(id.prefix(80))))' appears twice"
        case let .erasedExample(dataset, id):
            return
                "dataset '\(DisplayText.escaped(dataset))': example '\(DisplayText.escaped(id))' was erased and may not be re-imported"
        case let .invalidLabels(dataset, version, reason):
            return "dataset '\(dataset)' version \(version.prefix(12)): \(reason)"
        case let .privilegeEscalation(principal, role, missing):
            return
                "'\(DisplayText.escaped(principal))' may not grant role '\(DisplayText.escaped(role))': it lacks \(missing.map(\.rawValue).joined(separator: ", ")) on that scope"
        case let .invalidFile(path, line, reason): return line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case let .storage(message): return "storage error: \(message)"
        case let .invalidKey(source, reason): return "the store key from \(source): \(reason)"
        case let .missingKey(path, keyFile):
            return
                "\(path): the store's key is missing: restore \(keyFile) (mode 0600) or set $\(StoreKey.environmentVariable)"
        case let .wrongKey(path): return "\(path): the key given is not this store's key"
        case let .notAStore(path, reason): return "\(path) is not a Foundry store (\(reason)); it was left untouched"
        case let .unsafeOutput(path, reason): return "refusing to write \(path): \(reason)"
        case let .lockOut(reason): return "refused: \(reason); grant store-wide owner to another principal first"
        case let .invalidSensitiveColumn(dataset, column, reason):
            return
                "dataset '\(DisplayText.escaped(dataset))': cannot make '\(DisplayText.escaped(column))' sensitive: \(reason)"
        case let .datasetSettingsDiffer(dataset, reason):
            return
                "dataset '\(DisplayText.escaped(dataset))' already exists \(reason); change settings with `foundry store configure`"
        case let .invalidCheckpoint(path, reason): return "audit checkpoint \(path): \(reason)"
        }
    }

    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
