import ArgumentParser
import DatasetStore

/// `foundry store revoke`: removes a role from a principal (and, with --tokens, its tokens) in one unit of work.
struct StoreRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a role from a principal.",
        discussion: """
            The role and, with --tokens, the tokens are revoked together or not at all. The last principal with \
            store-wide admin and a live token cannot be revoked, nor can its tokens.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The role.") var role: String
    @Argument(help: "The principal.") var principal: String

    @Option(name: .long, help: "The dataset (default: store-wide).")
    var dataset: String?

    @Option(name: .long, help: "The model, a served adapter's id (default: store-wide; not with --dataset).")
    var model: String?

    @Flag(name: .long, help: "Also revoke every API token of the principal (needs admin).")
    var tokens = false

    struct Output: Encodable {
        let revoked: Bool
        let tokensRevoked: Int
        let dataset: String?
        let model: String?
    }

    func validate() throws { try validateScope(dataset: dataset, model: model) }

    func run() throws {
        let (store, actor) = try options.session()
        let (revoked, tokenCount) = try store.write(as: actor) { unit in
            let revoked =
                try model.map { try unit.revoke(role: role, from: principal, model: $0) }
                ?? unit.revoke(role: role, from: principal, dataset: dataset)
            return (revoked, tokens ? try unit.revokeTokens(of: principal) : 0)
        }
        try options.emit(Output(revoked: revoked, tokensRevoked: tokenCount, dataset: dataset, model: model)) {
            let scope =
                model.map { " on model '\(shown($0))'" } ?? dataset.map { " on dataset '\(shown($0))'" }
                ?? " store-wide"
            return
                (revoked
                ? "revoked \(shown(role)) from '\(shown(principal))'\(scope)"
                : "'\(shown(principal))' did not hold \(shown(role))\(scope)")
                + (tokens ? "; \(tokenCount) tokens revoked" : "")
        }
    }
}
