import ArgumentParser
import DatasetStore

/// `foundry store whoami`: the token's principal and its grants.
struct StoreWhoamiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Show who the token belongs to and what it may do.")

    @OptionGroup var options: StoreOptions

    struct Output: Encodable {
        let principal: Principal
        let grants: [Grant]
    }

    func run() throws {
        let (store, principal) = try options.session()
        let grants = try store.grants(of: principal.name, as: principal)
        try options.emit(Output(principal: principal, grants: grants)) {
            (["\(shown(principal.name)) (\(principal.kind.rawValue))"]
                + grants.map { "  \(shown($0.role)) " + scopeText($0) })
                .joined(
                    separator: "\n")
        }
    }
}
