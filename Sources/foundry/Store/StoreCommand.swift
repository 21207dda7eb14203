import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store …`: the governed dataset store (datasets, versions, roles, audit, erasure, lineage).
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract:
            "A governed dataset store: immutable versions, roles and permissions, tamper-evident audit, erasure and lineage.",
        discussion: """
            The store is one SQLite file: --store PATH, else $FOUNDRY_STORE, else ./foundry.store.sqlite.
            Every command but `init` authenticates with an API token from $FOUNDRY_TOKEN or --token-file.
            """,
        subcommands: [
            StoreInitCommand.self, StoreImportCommand.self, StoreListCommand.self, StoreShowCommand.self,
            StoreDiffCommand.self, StoreGrantCommand.self, StoreRevokeCommand.self, StoreWhoamiCommand.self,
            StoreAuditCommand.self, StoreEraseCommand.self, StoreExportCommand.self, StoreLineageCommand.self,
        ]
    )
}

/// Options shared by every `foundry store` subcommand.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $FOUNDRY_STORE or foundry.store.sqlite).")
    var store: String?

    @Option(name: .long, help: "A file holding the API token (default: $FOUNDRY_TOKEN).")
    var tokenFile: String?

    @Flag(name: .long, help: "Print one JSON object on stdout.")
    var json = false

    /// The store path after defaults.
    var storePath: String {
        store ?? ProcessInfo.processInfo.environment["FOUNDRY_STORE"] ?? "foundry.store.sqlite"
    }

    /// Opens an existing store (a missing file is an error: `init` creates stores).
    func open() throws -> SQLiteDatasetStore {
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw ValidationError("no store at \(storePath) (create one with `foundry store init`)")
        }
        return try SQLiteDatasetStore(path: storePath)
    }

    /// Opens the store and authenticates the caller's token.
    func session() throws -> (SQLiteDatasetStore, Principal) {
        let store = try open()
        let token: String
        if let tokenFile {
            do {
                token = try String(contentsOfFile: tokenFile, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read the token file \(tokenFile): \(error.localizedDescription)")
            }
        } else if let environment = ProcessInfo.processInfo.environment["FOUNDRY_TOKEN"] {
            token = environment
        } else {
            throw ValidationError("no token: set FOUNDRY_TOKEN or pass --token-file")
        }
        return (store, try store.authenticate(token: token.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Prints `value` as JSON when --json is set, else `text()`.
    func emit<T: Encodable>(_ value: T, text: () -> String) throws {
        if json {
            try printJSON(value)
        } else {
            print(text())
        }
    }
}

/// Short form of a version id for tables.
func shortID(_ id: String) -> String { String(id.prefix(12)) }

/// Milliseconds since 1970 as ISO 8601.
func isoTime(_ milliseconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
}

/// Writes a line to standard error (human progress; stdout stays for results).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
