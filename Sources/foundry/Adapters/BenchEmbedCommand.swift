import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct BenchEmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry embed` is not implemented yet") }
}
