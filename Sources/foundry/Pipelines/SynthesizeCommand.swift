import ArgumentParser

/// `foundry synthesize …`: propose labeling functions (and constraints) from a few examples.
struct SynthesizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Propose labeling functions from exemplars, written in the existing spec formats.",
        subcommands: [
            SynthesizeLFsCommand.self
        ]
    )
}
