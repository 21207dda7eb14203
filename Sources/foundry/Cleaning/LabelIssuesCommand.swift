import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct LabelIssuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "label-issues", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry label-issues` is not implemented yet") }
}
