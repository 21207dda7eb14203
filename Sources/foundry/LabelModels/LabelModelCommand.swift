import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct LabelModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "labelmodel", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry labelmodel` is not implemented yet") }
}
