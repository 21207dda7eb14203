import ArgumentParser
import Foundation
import FoundryCore
import LabelModels
import Labeling

/// `foundry bench labelmodel-scale`: fit and predict on a large synthetic problem (many classes and LFs); time and memory.
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

    struct Record: Codable {
        var rows: Int, lfs: Int, classes: Int, votes: Int, method: String, choice: String?
        var generate_seconds: Double, fit_seconds: Double, predict_seconds: Double
        var accuracy_vs_hidden: Double?, mean_abs_lf_accuracy_error: Double?, peak_rss_mib: Double?
    }

    func validate() throws {
        guard rows > 0, lfs >= 3, classes >= 2, classes <= LabelMatrix.maximumDimension,
            lfs <= LabelMatrix.maximumDimension
        else {
            throw ValidationError("need rows > 0, 3…65535 LFs and 2…65535 classes")
        }
        guard coverage > 0, coverage < 1 else { throw ValidationError("--coverage must lie in (0, 1)") }
    }

    func run() throws {
        let start = monotonicSeconds()
        var generator = SeededGenerator(seed: seed)
        let accuracies = (0..<lfs).map { _ in 0.3 + 0.6 * generator.nextUnitDouble() }
        var builder = LabelMatrix.Builder(
            lfNames: LabelMatrix.defaultLFNames(lfs), classNames: LabelMatrix.defaultClassNames(classes),
            expectedVotes: Int(Double(rows * lfs) * coverage * 1.1))
        var truth = [Int](repeating: 0, count: rows)
        let logSkip = log(1 - coverage)
        for row in 0..<rows {
            let y = Int(generator.next() % UInt64(classes))
            truth[row] = y
            // Geometric skipping: the next voting LF, so generation costs O(votes), not O(n·m).
            var lf = Int(log(max(generator.nextUnitDouble(), 1e-300)) / logSkip)
            while lf < lfs {
                if generator.nextUnitDouble() < accuracies[lf] {
                    builder.appendVote(lf: lf, classIndex: y)
                } else {
                    let wrong = Int(generator.next() % UInt64(classes - 1))
                    builder.appendVote(lf: lf, classIndex: wrong >= y ? wrong + 1 : wrong)
                }
                lf += 1 + Int(log(max(generator.nextUnitDouble(), 1e-300)) / logSkip)
            }
            builder.finishRow()
        }
        let matrix = builder.build()
        let generateSeconds = monotonicSeconds() - start
        var model = try LabelModelFile.makeModel(method: method.rawValue)
        let fitStart = monotonicSeconds()
        try model.fit(matrix, options: FitOptions(seed: seed))
        let fitSeconds = monotonicSeconds() - fitStart
        let predictStart = monotonicSeconds()
        let probabilities = try model.predictProbabilities(matrix)
        let predictSeconds = monotonicSeconds() - predictStart
        let predicted = type(of: model).hardLabels(probabilities, tieBreak: .rowHash, prior: model.classBalance)
        let accuracy = ClassificationScore(gold: truth, predicted: predicted.map(\.rawValue), cardinality: classes)
            .accuracy
        let estimated = model.lfParameters.map(\.accuracy)
        var errors: [Double] = []
        for (index, value) in estimated.enumerated() { if let value { errors.append(abs(value - accuracies[index])) } }
        let record = Record(
            rows: rows, lfs: lfs, classes: classes, votes: matrix.voteCount, method: method.rawValue,
            choice: (model as? AutoLabelModel)?.choice?.rawValue, generate_seconds: generateSeconds,
            fit_seconds: fitSeconds,
            predict_seconds: predictSeconds, accuracy_vs_hidden: accuracy,
            mean_abs_lf_accuracy_error: errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count),
            peak_rss_mib: peakResidentMiB())
        try printJSON(record)
    }
}
