import ArgumentParser
import Foundation
import LabelModels
import Labeling

/// `foundry bench labelmodel-scale`: ``LabelModelScale/run(options:)``, fit and predict on a large generated problem
/// (many classes and LFs), with time and peak memory.
struct BenchLabelModelScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodel-scale",
        abstract:
            "Synthetic conditionally independent matrix (k classes, m LFs) → fit + predict; prints time, peak memory, accuracy."
    )

    @Option(help: "Rows n.") var rows: Int = 200_000
    @Option(help: "Labeling functions m.") var lfs: Int = 2_000
    @Option(help: "Classes k.") var classes: Int = 1_000
    @Option(help: "Probability that an LF votes on a row.") var coverage: Double = 0.02
    @Option(help: "mv, wmv, ds, moments, triplet or auto.") var method: LabelModelMethod = .auto
    @Option(help: "Seed.") var seed: UInt64 = 7
    @Flag(help: "Print one JSON object (always printed; the flag is accepted for symmetry).") var json = false

    var options: LabelModelScale.Options {
        LabelModelScale.Options(
            rows: rows, lfs: lfs, classes: classes, coverage: coverage, method: method, seed: seed)
    }

    func validate() throws {
        do { try options.validate() } catch let error as LabelModelsError { throw ValidationError(error.description) }
    }

    func run() throws {
        var record = try LabelModelScale.run(options: options)
        record.peakRSSMiB = peakResidentMiB()
        try printBenchJSON(record)
    }
}
