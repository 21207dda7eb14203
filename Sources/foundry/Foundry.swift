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
            ModelCommand.self,
            ServeCommand.self,
            SynthesizeCommand.self,
            SelectCommand.self,
            BenchCommand.self,
            DoctorCommand.self,
            RunCommand.self,
        ]
    )

    /// Parses the arguments and runs the command; a command that computes with BLAS loads the library first, so
    /// that a missing one is an error message rather than a crash.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if computesWithBLAS(command) { try requireBLAS() }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
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
            BenchServeCommand.self,
            BenchModelRepositoryCommand.self,
            BenchSynthesizeLFsCommand.self,
            BenchSynthesizeConstraintsCommand.self,
            BenchPipelineCommand.self,
        ]
    )
}
