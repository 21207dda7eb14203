import ArgumentParser
import DatasetStore

/// `foundry store grant`: gives a principal a role on a dataset or store-wide (optionally creating the principal or a custom role).
struct StoreGrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grant a role (owner, maintainer, labeler, viewer or custom) on a dataset or store-wide.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The role.") var role: String
    @Argument(help: "The principal.") var principal: String

    @Option(name: .long, help: "The dataset (default: store-wide).")
    var dataset: String?

    @Flag(name: .long, help: "Create the principal first and print a new API token for it (needs admin).")
    var createPrincipal = false

    @Option(name: .long, help: "With --create-principal: person or service.")
    var kind: PrincipalKind = .person

    @Option(name: .long, help: "Define ROLE as a custom role with these comma-separated actions first (needs admin).")
    var defineActions: String?

    struct Output: Encodable {
        let grant: Grant
        let token: String?
        let role: Role?
    }

    func validate() throws {
        if let defineActions { _ = try Self.actions(defineActions) }
    }

    /// `read,label` → the actions, or a usage error naming the unknown one.
    static func actions(_ list: String) throws -> [Action] {
        try list.split(separator: ",").map { name in
            guard let action = Action(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError(
                    "unknown action '\(name)' (known: \(Action.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return action
        }
    }

    func run() throws {
        let (store, actor) = try options.session()
        var token: String?
        var defined: Role?
        if let defineActions {
            let actions = try Self.actions(defineActions)
            defined = try store.defineRole(name: role, actions: actions, as: actor)
        }
        if createPrincipal {
            _ = try store.createPrincipal(name: principal, kind: kind, as: actor)
            token = try store.issueToken(for: principal, as: actor).token
        }
        let grant = try store.grant(role: role, to: principal, dataset: dataset, as: actor)
        try options.emit(Output(grant: grant, token: token, role: defined)) {
            var text = "granted \(role) to '\(principal)' " + (dataset.map { "on dataset '\($0)'" } ?? "store-wide")
            if let token { text += "\ntoken for '\(principal)' (shown once, keep it secret): \(token)" }
            return text
        }
    }
}
