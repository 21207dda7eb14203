import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// `foundry labelmodel evaluate|fit|predict|analyze`.
struct LabelModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labelmodel",
        abstract: "Fit label models on weak labels, predict probabilistic labels, evaluate on WRENCH splits.",
        subcommands: [
            LabelModelEvaluateCommand.self, LabelModelFitCommand.self, LabelModelPredictCommand.self,
            LabelModelAnalyzeCommand.self,
        ])
}

/// `foundry labelmodel evaluate`: ``LabelModelEvaluation/evaluate(_:options:)`` on one folder.
struct LabelModelEvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Fit on a WRENCH train split's weak labels only; score on its test split.")

    @Option(
        help:
            "A WRENCH dataset folder (train.json, valid.json, test.json, label.json), or a folder of ±1 LF-matrix CSVs (*_lf_matrix_{train,val,test}.csv; 0 = abstain)."
    )
    var wrench: String
    @Option(help: "mv, wmv, ds, moments, triplet or auto.")
    var method: LabelModelMethod = .auto
    @Option(
        name: .customLong("class-balance"),
        help:
            "uniform (snorkel's default), valid (gold frequencies of the valid split), estimated (from the votes) or the prior as p0,p1,…."
    )
    var classBalance: LabelModelEvaluation.ClassBalanceChoice = .uniform
    @Option(help: "Seed for fitting and random tie-breaking.")
    var seed: UInt64 = 123
    @Option(name: .customLong("tie-break"), help: TieBreakOption.help)
    var tieBreak: TieBreakOption = .hash
    @Flag(help: "For a folder without train.json, fit on the test split's weak labels (never its gold labels).")
    var transductive = false
    @OptionGroup var moments: MomentOptions
    @Option(
        name: .customLong("save-model"),
        help: "Also write the model fitted on the train split here (JSON, as `labelmodel fit` writes it).")
    var saveModel: String?
    @Flag(
        help:
            "Use the valid split (weak and gold labels) as a dev set: auto keeps the model that scores best there (--dev-metric), wmv learns its weights there."
    )
    var dev = false
    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if dev, !method.usesDevSet { throw ValidationError("--dev applies to auto and wmv only") }
        if moments.devMetric != nil, !dev {
            throw ValidationError("--dev-metric ranks auto's models on a dev set: add --dev")
        }
    }

    func run() throws {
        let options = LabelModelEvaluation.Options(
            model: try moments.configuration(method), classBalance: classBalance, seed: seed,
            tieBreak: tieBreak.policy(seed: seed), transductive: transductive, useDevSet: dev)
        let evaluated = try withSplitHints {
            let splits = try EvaluationSplits.load(URL(fileURLWithPath: wrench), transductive: transductive)
            return try LabelModelEvaluation.evaluate(splits, options: options)
        }
        if let saveModel { try LabelModelFile(evaluated.model).write(to: URL(fileURLWithPath: saveModel)) }
        let result = evaluated.result
        if json {
            try printJSON(result)
            return
        }
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }
        print(
            """
            \(result.dataset) · \(result.method.rawValue)\(result.choice.map { " (\($0.rawValue))" } ?? "") · class balance \(result.classBalance)
              train \(result.trainRows) rows (\(result.trainSource)), test \(result.testRows) rows, \(result.lfCount) LFs, \(result.cardinality) classes
              test accuracy \(number(result.testAccuracy))   F1 \(number(result.testF1))   macro-F1 \(number(result.testMacroF1))   coverage \(number(result.coverage))
              expected accuracy over tie draws \(number(result.testAccuracyExpected))   (ties broken by \(result.tieBreak))
              fit \(String(format: "%.4f", result.fitSeconds)) s   predict \(String(format: "%.4f", result.predictSeconds)) s
            """)
        if let reason = result.reason { print("  auto: \(reason)") }
        if let rows = result.devRows {
            let metric = result.devMetric?.rawValue ?? "score"
            print(
                "  dev set: \(rows) valid rows"
                    + (result.devScore.map { ", chosen model's dev \(metric) \(number($0))" } ?? ""))
        }
        if let saveModel { print("  model → \(saveModel)") }
    }
}

/// Runs `body`, turning a missing split into a message that names the option that helps.
func withSplitHints<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let LabelModelsError.missingSplit(path, split) {
        switch split {
        case .train:
            throw CommandFailure(
                "\(path) is missing; pass --transductive to fit on the test split's weak labels (never its gold labels) instead"
            )
        case .valid:
            throw CommandFailure("\(path) is missing (needed by --class-balance valid and --dev)")
        case .test:
            throw LabelModelsError.missingSplit(path: path, split: split)
        }
    }
}
