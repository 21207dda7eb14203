import ArgumentParser

/// `foundry synthesize …`: propose specs from data instead of writing them by hand.
struct SynthesizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Propose specs from data: constraints from a clean sample.",
        subcommands: [
            SynthesizeConstraintsCommand.self
        ]
    )
}
