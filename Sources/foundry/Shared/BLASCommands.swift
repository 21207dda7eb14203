import ArgumentParser
import FoundryCore

/// The commands that compute with BLAS or LAPACK (label models, the encoder, benchmarks): `Foundry.main` loads the
/// library before running one, so that a missing or unusable library is a clear error naming what was tried, not a
/// crash at the first product. The other commands (the store, cleaning, applying LFs) work without any BLAS installed.
let commandsComputingWithBLAS: [any ParsableCommand.Type] = [
    LabelModelEvaluateCommand.self, LabelModelFitCommand.self, LabelModelPredictCommand.self, TrainCommand.self,
    EmbedCommand.self, PredictCommand.self, BenchApplyCommand.self, BenchLabelModelsCommand.self,
    BenchLabelModelScaleCommand.self, BenchLabelModelRobustnessCommand.self, BenchCleanCommand.self,
    BenchStoreCommand.self, BenchTrainCommand.self, BenchEmbedCommand.self, ServeCommand.self, BenchServeCommand.self,
    BenchSynthesizeLFsCommand.self,
]

/// Whether `command` is one of ``commandsComputingWithBLAS``.
func computesWithBLAS(_ command: any ParsableCommand) -> Bool {
    let type = ObjectIdentifier(Swift.type(of: command))
    return commandsComputingWithBLAS.contains { ObjectIdentifier($0) == type }
}

/// Loads the BLAS library of this process, turning a failure into a ``CommandFailure``.
func requireBLAS() throws {
    do { _ = try BLASLibrary.shared() } catch { throw CommandFailure("\(error)") }
}

/// Prints a benchmark's record as one JSON object with the `machine` it ran on added (``ComputeEnvironment``: CPU,
/// BLAS library, version, core and why, threads), so that every figure says what produced it.
func printBenchJSON<Record: Encodable>(_ record: Record) throws {
    try printJSON(BenchOutput(record: record, machine: ComputeEnvironment.current()))
}

/// A record's own keys plus `machine`.
private struct BenchOutput<Record: Encodable>: Encodable {
    let record: Record
    let machine: ComputeEnvironment

    private enum CodingKeys: String, CodingKey { case machine }

    func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(machine, forKey: .machine)
    }
}
