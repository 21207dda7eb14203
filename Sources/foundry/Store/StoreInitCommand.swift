import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store init`: creates a store and its first owner, printing the owner's token once.
struct StoreInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a store and its first owner; prints the owner's API token once.")

    @OptionGroup var options: StoreOptions

    @Option(name: .long, help: "The first owner's name.")
    var owner: String = ProcessInfo.processInfo.environment["USER"] ?? "owner"

    @Option(name: .long, help: "person or service.")
    var kind: PrincipalKind = .person

    @Option(name: .long, help: "Also write the token to this file (mode 0600).")
    var tokenOut: String?

    struct Output: Encodable {
        let store: String
        let owner: String
        let token: String
        let migrations: [String]
    }

    func run() throws {
        let store = try SQLiteDatasetStore(path: options.storePath)
        let issued = try store.bootstrapOwner(name: owner, kind: kind)
        if let tokenOut {
            guard
                FileManager.default.createFile(
                    atPath: tokenOut, contents: Data((issued.token + "\n").utf8), attributes: [.posixPermissions: 0o600]
                )
            else { throw CommandFailure("cannot write the token to \(tokenOut); the token is: \(issued.token)") }
        }
        let output = Output(
            store: options.storePath, owner: owner, token: issued.token, migrations: try store.appliedMigrations())
        try options.emit(output) {
            """
            created store \(options.storePath) with owner '\(owner)'
            token (shown once, keep it secret): \(issued.token)
            """
        }
    }
}
