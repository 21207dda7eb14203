import ArgumentParser
import DatasetStore

/// `foundry store grant`: gives a principal a role on a dataset, on a model or store-wide (optionally creating the
/// principal or a custom role), all in one unit of work.
struct StoreGrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grant a role (owner, maintainer, labeler, viewer or custom) on a dataset, a model or store-wide.",
        discussion: """
            Defining the role, creating the principal (and its token) and granting are one unit of work: if the \
            grant fails, no role, principal or token is left behind.
            A model is a served adapter, named by its id (`foundry serve` authorizes each request against it): \
            read on a model allows invoking it, admin registering and unregistering it, grant handing out roles on \
            it. Store-wide roles hold on every dataset and every model.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The role.") var role: String
    @Argument(help: "The principal.") var principal: String

    @Option(name: .long, help: "The dataset (default: store-wide).")
    var dataset: String?

    @Option(name: .long, help: "The model, a served adapter's id (default: store-wide; not with --dataset).")
    var model: String?

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
        try validateScope(dataset: dataset, model: model)
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
        let actions = try defineActions.map(Self.actions)
        let (grant, token, defined) = try store.write(as: actor) { unit in
            let defined = try actions.map { try unit.defineRole(name: role, actions: $0) }
            var token: String?
            if createPrincipal {
                _ = try unit.createPrincipal(name: principal, kind: kind)
                token = try unit.issueToken(for: principal).token
            }
            let granted = try unit.grantMany([
                GrantRequest(principal: principal, role: role, dataset: dataset, model: model)
            ])
            guard let grant = granted.first else { throw CommandFailure("the grant was not recorded") }
            return (grant, token, defined)
        }
        try options.emit(Output(grant: grant, token: token, role: defined)) {
            var text =
                "granted \(shown(grant.role)) to '\(shown(grant.principal))' " + scopeText(grant)
            if let token { text += "\ntoken for '\(shown(grant.principal))' (shown once, keep it secret): \(token)" }
            return text
        }
    }
}

/// Refuses `--dataset` together with `--model` and a `--model` that is not a model name (a usage error).
func validateScope(dataset: String?, model: String?) throws {
    if dataset != nil && model != nil {
        throw ValidationError("give --dataset or --model, not both: a grant is on a dataset, on a model or store-wide")
    }
    if let model {
        do {
            _ = try AccessPolicy.validatedModelName(model)
        } catch let error as DatasetStoreError {
            throw ValidationError("--model: \(error.description)")
        }
    }
}

/// A grant's scope as text output prints it: `on dataset 'D'`, `on model 'M'` or `store-wide`.
func scopeText(_ grant: Grant) -> String {
    if let dataset = grant.dataset { return "on dataset '\(shown(dataset))'" }
    if let model = grant.model { return "on model '\(shown(model))'" }
    return "store-wide"
}
