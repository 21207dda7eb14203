import ArgumentParser
import Foundation
import FoundryCore
import Labeling

/// `foundry analyze`: the LF summary of a WRENCH split, with gold accuracies.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Summarise labeling functions (polarity, coverage, overlaps, conflicts, accuracy) on a WRENCH split.",
        discussion:
            "Definitions are snorkel 0.10's LFAnalysis.lf_summary; gold labels come from the split's 'label' fields.")

    @Option(help: "A WRENCH dataset folder (train.json, valid.json, test.json, label.json).")
    var wrench: String

    @Option(help: "The split to analyse: train, valid or test.")
    var split: WrenchDataset.Split = .train

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() async throws {
        let dataset = try WrenchDataset(directory: URL(fileURLWithPath: wrench))
        let data = try dataset.split(split)
        let hasGold = data.goldLabels.contains { $0 >= 0 }
        let analysis = try LFAnalysis(data.labelMatrix, goldLabels: hasGold ? data.goldLabels : nil)
        if json {
            print(try analysis.json())
        } else {
            print(
                "\(dataset.directory.lastPathComponent) / \(split.rawValue): \(data.count) examples, classes \(data.labelMatrix.classNames.joined(separator: ", "))"
            )
            print(analysis.table())
        }
    }
}

extension WrenchDataset.Split: ExpressibleByArgument {}
