import ArgumentParser

/// `foundry synthesize …`: propose specs from data instead of writing them by hand.
struct SynthesizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract:
            "Propose specs from data: labeling functions from exemplars, constraints from a clean sample, both in the existing spec formats.",
        subcommands: [
            SynthesizeLFsCommand.self,
            SynthesizeConstraintsCommand.self,
        ]
    )
}
