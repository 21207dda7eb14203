import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct PredictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry predict` is not implemented yet") }
}
