import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store init`: creates a store, its key and its first owner, printing the owner's token once.
struct StoreInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a store (mode 0600), its key file and its first owner; prints the owner's API token once.")

    @OptionGroup var options: StoreOptions

    @Option(name: .long, help: "The first owner's name.")
    var owner: String = ProcessInfo.processInfo.environment["USER"] ?? "owner"

    @Option(name: .long, help: "person or service.")
    var kind: PrincipalKind = .person

    @Option(name: .long, help: "Also write the token to this new file (mode 0600; an existing file is refused).")
    var tokenOut: String?

    struct Output: Encodable {
        let store: String
        let keyFile: String?
        let owner: String
        let token: String
        let migrations: [String]
    }

    func run() throws {
        let store = try SQLiteDatasetStore(path: options.storePath)
        let issued = try store.bootstrapOwner(name: owner, kind: kind)
        if let tokenOut {
            do {
                try PrivateFile.createExclusive(tokenOut, contents: Data((issued.token + "\n").utf8))
            } catch {
                throw CommandFailure("cannot write the token to \(tokenOut) (\(error)); the token is: \(issued.token)")
            }
        }
        let keyFile =
            ProcessInfo.processInfo.environment[StoreKey.environmentVariable] == nil
            ? StoreKey.defaultFile(forStoreAt: options.storePath) : nil
        let output = Output(
            store: options.storePath, keyFile: keyFile, owner: issued.principal.name, token: issued.token,
            migrations: try store.appliedMigrations())
        try options.emit(output) {
            """
            created store \(options.storePath) with owner '\(shown(issued.principal.name))'
            """
                + (keyFile.map { "\nkey: \($0) (keep a copy apart from the store: the audit log needs it)" } ?? "")
                + "\ntoken (shown once, keep it secret): \(issued.token)"
        }
    }
}
