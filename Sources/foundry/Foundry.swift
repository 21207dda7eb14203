import ArgumentParser
import FoundryCore

/// The `foundry` command-line tool: thin commands over the Foundry modules.
@main
struct Foundry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "foundry",
        abstract:
            "Program your training data: labeling functions, label models, cleaning, a governed store and adapters.",
        version: "foundry \(FoundryVersion.current)",
        subcommands: [
            AnalyzeCommand.self,
            ApplyCommand.self,
            LabelModelCommand.self,
            CleanCommand.self,
            LabelIssuesCommand.self,
            StoreCommand.self,
            EmbedCommand.self,
            TrainCommand.self,
            PredictCommand.self,
            MergeCommand.self,
            BenchCommand.self,
        ]
    )
}

/// `foundry bench …`: release-mode benchmark programs that print JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (build with -c release); each prints one JSON object.",
        subcommands: [
            BenchApplyCommand.self,
            BenchLabelModelsCommand.self,
            BenchLabelModelScaleCommand.self,
            BenchLabelModelRobustnessCommand.self,
            BenchCleanCommand.self,
            BenchStoreCommand.self,
            BenchTrainCommand.self,
            BenchEmbedCommand.self,
            BenchMergeCommand.self,
        ]
    )
}
