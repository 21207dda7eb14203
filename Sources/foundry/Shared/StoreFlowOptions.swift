import ArgumentParser
import DatasetStore
import Foundation

/// `--dataset NAME[@VERSION]` (with `--store PATH`, else `$FOUNDRY_STORE`): run a flow against the dataset store,
/// reading its input from a stored version and writing its output back with lineage (token from `$FOUNDRY_TOKEN` or
/// `--token-file`).
struct StoreFlowOptions: ParsableArguments {
    @Option(
        help:
            "The dataset store file to read the input from and store the result in (default: $FOUNDRY_STORE or foundry.store.sqlite; token from $FOUNDRY_TOKEN)."
    )
    var store: String?

    @Option(
        help: "Run against the dataset store: the stored dataset, as NAME (latest version) or NAME@VERSION.",
        transform: parseDatasetReference)
    var dataset: DatasetReference?

    @Option(name: .customLong("token-file"), help: "A file holding the store's API token (default: $FOUNDRY_TOKEN).")
    var tokenFile: String?

    /// Whether the command runs against the store (`--dataset` is given).
    var isGiven: Bool { dataset != nil }

    /// The store path after defaults.
    var storePath: String {
        store ?? ProcessInfo.processInfo.environment["FOUNDRY_STORE"] ?? "foundry.store.sqlite"
    }

    func validate() throws {
        guard dataset != nil || (store == nil && tokenFile == nil) else {
            throw ValidationError("--store and --token-file go with --dataset NAME[@VERSION]")
        }
    }

    /// Opens the store and authenticates, or nil without `--dataset`.
    func session() throws -> (store: SQLiteDatasetStore, principal: Principal, dataset: DatasetReference)? {
        guard let dataset else { return nil }
        let (opened, principal) = try openStore(path: storePath, tokenFile: tokenFile)
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
    let store = try SQLiteDatasetStore(path: path, create: false)
    return (store, try store.authenticate(token: try readToken(tokenFile: tokenFile)))
}

/// The caller's API token: the contents of `tokenFile`, else `$FOUNDRY_TOKEN`, trimmed.
///
/// - Throws: ``CommandFailure`` when neither is there or the file cannot be read.
func readToken(tokenFile: String?) throws -> String {
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
    return token.trimmingCharacters(in: .whitespacesAndNewlines)
}
