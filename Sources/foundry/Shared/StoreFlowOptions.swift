import ArgumentParser
import DatasetStore
import Foundation

/// `--store PATH --dataset NAME[@VERSION]`: run a flow against the dataset store, reading its input from a stored
/// version and writing its output back with lineage (token from `$FOUNDRY_TOKEN` or `--token-file`).
struct StoreFlowOptions: ParsableArguments {
    @Option(
        help: "A dataset store file: read the input from it and store the result there (token from $FOUNDRY_TOKEN).")
    var store: String?

    @Option(
        help: "The stored dataset, as NAME (latest version) or NAME@VERSION (with --store).",
        transform: parseDatasetReference)
    var dataset: DatasetReference?

    @Option(name: .customLong("token-file"), help: "A file holding the store's API token (default: $FOUNDRY_TOKEN).")
    var tokenFile: String?

    /// Whether the command runs against the store.
    var isGiven: Bool { store != nil }

    func validate() throws {
        guard (store == nil) == (dataset == nil) else {
            throw ValidationError("--store and --dataset go together")
        }
        guard tokenFile == nil || store != nil else { throw ValidationError("--token-file goes with --store") }
    }

    /// Opens the store and authenticates, or nil without `--store`.
    func session() throws -> (store: SQLiteDatasetStore, principal: Principal, dataset: DatasetReference)? {
        guard let store, let dataset else { return nil }
        let (opened, principal) = try openStore(path: store, tokenFile: tokenFile)
        return (opened, principal, dataset)
    }
}

/// Opens an existing store and authenticates the caller's token (`tokenFile`, else `$FOUNDRY_TOKEN`).
///
/// - Throws: ``CommandFailure`` for a missing store or token; the store's errors for a bad token.
func openStore(path: String, tokenFile: String?) throws -> (SQLiteDatasetStore, Principal) {
    guard FileManager.default.fileExists(atPath: path) else {
        throw CommandFailure("no store at \(path) (create one with `foundry store init`)")
    }
    let store = try SQLiteDatasetStore(path: path)
    let token: String
    if let tokenFile {
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read the token file \(tokenFile): \(error.localizedDescription)")
        }
    } else if let environment = ProcessInfo.processInfo.environment["FOUNDRY_TOKEN"] {
        token = environment
    } else {
        throw CommandFailure("no token: set FOUNDRY_TOKEN or pass --token-file")
    }
    return (store, try store.authenticate(token: token.trimmingCharacters(in: .whitespacesAndNewlines)))
}
