import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct BenchLabelModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "labelmodels", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry labelmodels` is not implemented yet") }
}
