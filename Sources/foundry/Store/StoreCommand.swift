import ArgumentParser
import DatasetStore
import Foundation
import FoundryCore

/// `foundry store …`: the governed dataset store (datasets, versions, roles, audit, erasure, lineage).
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract:
            "A governed dataset store: immutable versions, roles and permissions, tamper-evident audit, erasure and lineage.",
        discussion: """
            The store is one SQLite file: --store PATH, else $FOUNDRY_STORE, else ./foundry.store.sqlite, with its \
            key beside it in PATH.key (or in $FOUNDRY_STORE_KEY): the audit log is chained under that key, so keep \
            a copy of it apart from the store. Both are created readable by their owner only (mode 0600).
            Every command but `init` authenticates with an API token from $FOUNDRY_TOKEN or --token-file.
            A dataset is named NAME, or NAME@VERSION where VERSION is `latest`, a version id or a unique prefix \
            of at least 4 hex digits. Roles are granted store-wide, on a dataset (--dataset) or on a served model \
            (--model: an adapter id that `foundry serve` authorizes requests against). Times are ISO 8601 (UTC); \
            --json prints one object with snake_case keys.
            """,
        subcommands: [
            StoreInitCommand.self, StoreImportCommand.self, StoreListCommand.self, StoreShowCommand.self,
            StoreDiffCommand.self, StoreGrantCommand.self, StoreRevokeCommand.self, StoreWhoamiCommand.self,
            StoreAuditCommand.self, StoreEraseCommand.self, StoreExportCommand.self, StoreLineageCommand.self,
            StoreConfigureCommand.self,
        ]
    )
}

/// Options shared by every `foundry store` subcommand.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $FOUNDRY_STORE or foundry.store.sqlite).")
    var store: String?

    @Option(name: .long, help: "A file holding the API token (default: $FOUNDRY_TOKEN).")
    var tokenFile: String?

    @Flag(name: .long, help: "Print one JSON object on stdout (snake_case keys, ISO 8601 times).")
    var json = false

    /// The store path after defaults.
    var storePath: String {
        store ?? ProcessInfo.processInfo.environment["FOUNDRY_STORE"] ?? "foundry.store.sqlite"
    }

    /// Opens an existing store (a missing file is an error: `init` creates stores).
    func open() throws -> SQLiteDatasetStore {
        guard FileManager.default.fileExists(atPath: storePath) else {
            throw CommandFailure("no store at \(storePath) (create one with `foundry store init`)")
        }
        return try SQLiteDatasetStore(path: storePath, create: false)
    }

    /// The caller's token (`--token-file`, else `$FOUNDRY_TOKEN`).
    func token() throws -> String { try readToken(tokenFile: tokenFile) }

    /// Opens the store and authenticates the caller's token.
    func session() throws -> (SQLiteDatasetStore, Principal) { try openStore(path: storePath, tokenFile: tokenFile) }

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

/// A name or value as text output prints it: control characters (line breaks, escape sequences, bidirectional
/// overrides) escaped, so stored data can never forge or hide lines of output.
func shown(_ text: String) -> String { DisplayText.escaped(text) }

/// A time as ISO 8601 in UTC with milliseconds, as in the JSON output.
func isoTime(_ date: Date) -> String { FoundryJSON.isoTimestamp(date) }

/// Parses a `--dataset NAME@VERSION` value (`@transform`-ready: the error names what was expected).
///
/// Use as `@Option(transform: parseDatasetReference) var dataset: DatasetReference`.
func parseDatasetReference(_ text: String) throws -> DatasetReference {
    do {
        return try DatasetReference(parsing: text)
    } catch let error as DatasetStoreError {
        throw ValidationError(error.description)
    }
}

/// The version to use when a command takes both `NAME@VERSION` and `--version`: they must not disagree.
func resolvedVersion(_ reference: DatasetReference, option: String?) throws -> String? {
    switch (reference.version, option) {
    case let (fromReference?, fromOption?) where fromReference != fromOption.lowercased():
        throw ValidationError(
            "the version is given twice: '\(reference)' and --version \(fromOption); give one")
    case let (fromReference?, _): return fromReference
    case let (nil, fromOption): return fromOption
    }
}

/// Writes a line to standard error (human progress; stdout stays for results).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

extension PrincipalKind: ExpressibleByArgument {}
