import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry store` is not implemented yet") }
}
