import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry apply` is not implemented yet") }
}
