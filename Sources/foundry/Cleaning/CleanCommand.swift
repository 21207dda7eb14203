import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry clean` is not implemented yet") }
}
