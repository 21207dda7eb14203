import ArgumentParser

// PLACEHOLDER: replaced by the module owner; unregistered before anything lands if still here.
struct BenchTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "(not implemented yet)")
    func run() async throws { throw ValidationError("`foundry train` is not implemented yet") }
}
