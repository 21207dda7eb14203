import ArgumentParser
import Foundation
import FoundryCore
import Labeling

/// `foundry analyze`: the LF summary of a WRENCH split, a ±1 LF-matrix CSV split, or a `.npy` label matrix.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Summarise labeling functions (polarity, coverage, overlaps, conflicts, accuracy) of a label matrix.",
        discussion: """
            The matrix is a split of a dataset folder (--wrench: a WRENCH folder, gold labels from the 'label' fields, or \
            a folder of ±1 LF-matrix CSVs, gold labels from the 'Label' column) or a .npy label matrix (--matrix with \
            --cardinality, gold labels from --gold, LF and class names from the --lfs spec that produced it). \
            Definitions are snorkel 0.10's LFAnalysis.lf_summary.
            """)

    @Option(
        help:
            "A WRENCH dataset folder (train.json, valid.json, test.json, label.json) or a folder of ±1 LF-matrix CSVs (*_lf_matrix_{train,val,test}.csv)."
    )
    var wrench: String?

    @Option(help: "The split to analyse: train, valid or test.")
    var split: WrenchDataset.Split = .train

    @Option(help: "A label matrix (.npy, integer, -1 = abstain), instead of --wrench.")
    var matrix: String?

    @Option(help: "Number of classes k of --matrix (may be left out when --lfs names the classes).")
    var cardinality: Int?

    @Option(help: "Gold labels of --matrix (.npy, integer, -1 = unknown).")
    var gold: String?

    @Option(help: "The LF spec (YAML/JSON) that produced --matrix: names its LFs (and classes) in the summary.")
    var lfs: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard (wrench == nil) != (matrix == nil) else {
            throw ValidationError("give either --wrench (a dataset folder) or --matrix (a .npy label matrix)")
        }
        if wrench != nil, cardinality != nil || gold != nil || lfs != nil {
            throw ValidationError("--cardinality, --gold and --lfs go with --matrix; a --wrench folder has its own")
        }
        if matrix != nil, cardinality == nil, lfs == nil {
            throw ValidationError("--matrix needs --cardinality (or an --lfs spec that names the classes)")
        }
        if let cardinality, cardinality < 2 { throw ValidationError("--cardinality must be at least 2") }
    }

    func run() async throws {
        let (title, labels, goldLabels) = try wrench.map(readFolder) ?? readMatrix()
        let analysis = try LFAnalysis(labels, goldLabels: goldLabels)
        if json {
            try printJSON(analysis)
        } else {
            print(
                "\(title): \(labels.rowCount) examples, classes \(labels.classNames.joined(separator: ", "))")
            print(analysis.table())
        }
    }

    /// A split of a WRENCH or ±1 LF-matrix CSV folder, with its gold labels when it has any.
    private func readFolder(_ path: String) throws -> (String, LabelMatrix, [Int]?) {
        let folder = URL(fileURLWithPath: path)
        let dataset = try WrenchDataset(directory: folder)
        let data: WrenchSplit
        if FileManager.default.fileExists(atPath: dataset.url(of: split).path) {
            data = try dataset.split(split).requiringExamples()
        } else if let file = SignedLFMatrixCSV.splitFiles(in: folder)[split] {
            data = try SignedLFMatrixCSV.read(file, split: split.rawValue).requiringExamples()
        } else {
            let suffix = split == .valid ? "val" : split.rawValue
            throw LabelingError.invalidWrench(
                path: folder.path,
                reason: "holds neither \(split.rawValue).json nor a ±1 LF-matrix CSV named *_lf_matrix_\(suffix).csv")
        }
        let hasGold = data.goldLabels.contains { $0 >= 0 }
        return (
            "\(folder.lastPathComponent) / \(split.rawValue) (\(data.file.lastPathComponent))", data.labelMatrix,
            hasGold ? data.goldLabels : nil
        )
    }

    /// The `--matrix` label matrix, named from `--lfs`, with `--gold` labels.
    private func readMatrix() throws -> (String, LabelMatrix, [Int]?) {
        guard let matrix else { throw CommandFailure("--matrix is missing") }
        let spec = try lfs.map { try LFSpec.load(URL(fileURLWithPath: $0)) }
        var classNames = spec?.classNames
        if let names = classNames, let cardinality, names.count != cardinality {
            throw CommandFailure(
                "--cardinality \(cardinality), but \(lfs ?? "the spec") names \(names.count) classes")
        }
        if classNames == nil, let cardinality { classNames = LabelMatrix.defaultClassNames(cardinality) }
        guard let classNames else {
            throw CommandFailure("--matrix needs --cardinality: \(lfs ?? "the spec") does not name its classes")
        }
        let array = try NumPyArray(contentsOf: URL(fileURLWithPath: matrix))
        let lfNames = try spec.map { spec in
            let names = spec.labelingFunctions.map(\.name)
            guard array.shape.count == 2, array.shape[1] == names.count else {
                throw LabelingError.invalidMatrix(
                    source: matrix,
                    reason:
                        "shape \(array.shape), but \(lfs ?? "the spec") has \(names.count) labeling functions (one column each)"
                )
            }
            return names
        }
        let labels = try LabelMatrix(numPy: array, lfNames: lfNames, classNames: classNames, source: matrix)
        guard labels.rowCount > 0 else {
            throw LabelingError.invalidMatrix(source: matrix, reason: "the label matrix has no rows")
        }
        let goldLabels = try gold.map { path in
            let array = try NumPyArray(contentsOf: URL(fileURLWithPath: path))
            guard array.elementType.isInteger, array.elementType != .bool, array.shape == [labels.rowCount] else {
                throw LabelingError.invalidMatrix(
                    source: path,
                    reason:
                        "expected \(labels.rowCount) integer gold labels (a 1-D int .npy, -1 = unknown), got \(array.elementType) with shape \(array.shape)"
                )
            }
            let values = array.integers()
            if let row = values.firstIndex(where: { $0 < -1 || $0 >= labels.cardinality }) {
                throw LabelingError.invalidMatrix(
                    source: path,
                    reason: "row \(row): gold label \(values[row]) is outside -1 (unknown) … \(labels.cardinality - 1)")
            }
            return values
        }
        return (matrix, labels, goldLabels)
    }
}

extension WrenchDataset.Split: ExpressibleByArgument {}
