import ArgumentParser
import Foundation
import LabelModels

/// `foundry bench labelmodels`: ``LabelModelEvaluation/evaluateAll(root:options:methods:repeats:progress:)``, every
/// method on every WRENCH folder under a directory.
struct BenchLabelModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodels",
        abstract: "Every label model on every WRENCH folder (with train.json and test.json) under --data.")

    @Option(help: "A folder whose subfolders are WRENCH datasets (default: $FOUNDRY_DATA or ../shared/datasets).")
    var data: String?
    @Option(name: .customLong("class-balance"), help: "uniform, valid, estimated, or a known prior as p0,p1,….")
    var classBalance: LabelModelEvaluation.ClassBalanceChoice = .uniform
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Option(name: .customLong("repeat"), help: "Repetitions per (dataset, method); timings are medians.")
    var repetitions: Int = 3
    @OptionGroup var moments: MomentOptions
    @Flag(help: "Give auto and wmv each folder's valid split as a dev set (the other methods run without gold labels).")
    var dev = false
    @Flag(help: "Print only the JSON object (otherwise progress also goes to stderr).")
    var json = false

    func validate() throws {
        if moments.devMetric != nil, !dev {
            throw ValidationError("--dev-metric ranks auto's models on a dev set: add --dev")
        }
    }

    func run() throws {
        let root = URL(
            fileURLWithPath: data ?? ProcessInfo.processInfo.environment["FOUNDRY_DATA"] ?? "../shared/datasets")
        // --l2, --dependencies and --prediction-floor configure moments and auto; the other methods run as they are.
        let options = LabelModelEvaluation.Options(
            model: try moments.configuration(.auto), classBalance: classBalance, seed: 123,
            tieBreak: tieBreak.policy(seed: 123), useDevSet: dev)
        let report = try withSplitHints {
            try LabelModelEvaluation.evaluateAll(root: root, options: options, repeats: repetitions) { result in
                guard !json else { return }
                let score = LabelModelEvaluation.benchmarkScore(result)
                printToStandardError(
                    "\(result.dataset) \(result.method.rawValue): \(String(format: "%.4f", score)) (fit \(String(format: "%.4f", result.fitSeconds)) s)"
                )
            }
        }
        try printBenchJSON(report)
    }
}
