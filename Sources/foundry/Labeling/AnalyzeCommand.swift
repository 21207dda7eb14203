import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analyze", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry analyze` is not implemented yet") }
}
