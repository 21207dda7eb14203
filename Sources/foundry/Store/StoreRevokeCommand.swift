import ArgumentParser
import DatasetStore

/// `foundry store revoke`: removes a role from a principal.
struct StoreRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a role from a principal.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The role.") var role: String
    @Argument(help: "The principal.") var principal: String

    @Option(name: .long, help: "The dataset (default: store-wide).")
    var dataset: String?

    @Flag(name: .long, help: "Also revoke every API token of the principal (needs admin).")
    var tokens = false

    struct Output: Encodable {
        let revoked: Bool
        let tokensRevoked: Int
    }

    func run() throws {
        let (store, actor) = try options.session()
        let revoked = try store.revoke(role: role, from: principal, dataset: dataset, as: actor)
        let tokenCount = tokens ? try store.revokeTokens(of: principal, as: actor) : 0
        try options.emit(Output(revoked: revoked, tokensRevoked: tokenCount)) {
            (revoked ? "revoked \(role) from '\(principal)'" : "'\(principal)' did not hold \(role) there")
                + (tokens ? "; \(tokenCount) tokens revoked" : "")
        }
    }
}
