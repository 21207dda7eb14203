import ArgumentParser
import Foundation
import FoundryCore
import Labeling
import Tabular

/// `foundry apply`: apply declarative labeling functions to a CSV or JSONL file and write the label matrix.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract:
            "Apply labeling functions declared in a YAML/JSON spec to a CSV or JSONL file; write the label matrix as .npy.",
        discussion: """
            The spec lists keyword / regex / lexicon / threshold functions with the class each votes for \
            (see LabelingFunctionSpec). Functions without 'field' read --text-field. The summary printed \
            afterwards uses --gold-field for accuracies when given. Every key of the spec, its default and the \
            limits a spec file is read under are described in docs/reference/lf-spec.md.
            """)

    @Option(help: "The input file (.csv or .jsonl).")
    var input: String

    @Option(help: "The column holding the text, for functions that do not name a field.")
    var textField: String

    @Option(help: "The labeling-function spec (.yaml, .yml or .json).")
    var lfs: String

    @Option(help: "Where to write the label matrix (.npy, int8, -1 = abstain).")
    var out: String

    @Option(help: "Class names, comma-separated (default: the spec's 'classes').")
    var classes: String?

    @Option(help: "A column with gold class names or indices, for accuracies in the summary.")
    var goldField: String?

    @Flag(help: "Stop at the first labeling-function error instead of abstaining on that row.")
    var failFast = false

    @Flag(help: "Print one JSON object (no progress bar).")
    var json = false

    func run() async throws {
        let inputURL = URL(fileURLWithPath: input)
        let table: TextTable
        switch inputURL.pathExtension.lowercased() {
        case "jsonl", "ndjson": table = try JSONLReader.read(inputURL)
        case "tsv": table = try CSVReader.read(inputURL, delimiter: 0x09)
        default: table = try CSVReader.read(inputURL)
        }
        _ = try table.columnIndex(textField)
        let spec = try LFSpec.load(URL(fileURLWithPath: lfs))
        let classNames =
            classes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? spec.classNames
        guard let classNames, classNames.count >= 2 else {
            throw ValidationError("no class names: add 'classes: [...]' to \(lfs) or pass --classes A,B")
        }
        let functions = try spec.compile(classNames: classNames, defaultField: textField, columns: table.columnNames)
        let applier = LFApplier(functions, classNames: classNames, configuration: .init(failFast: failFast))
        let bar = ProgressBar(
            label: "applying \(functions.count) LFs", enabled: !json && ProgressBar.standardErrorIsTerminal)
        let start = Date()
        let result = try applier.apply(table.records, progress: bar.handler)
        let seconds = Date().timeIntervalSince(start)
        try result.labelMatrix.writeNumPy(to: URL(fileURLWithPath: out))

        var gold: [Int]?
        if let goldField {
            gold = try table.column(goldField).enumerated().map { row, value in
                if value.isEmpty { return -1 }
                if let index = classNames.firstIndex(of: value)
                    ?? Int(value).flatMap({ $0 >= 0 && $0 < classNames.count ? $0 : nil })
                {
                    return index
                }
                throw LabelingError.invalidValue(
                    field: goldField, value: value,
                    reason: "on line \(table.lineNumbers[row]) is not a class (\(classNames.joined(separator: ", ")))")
            }
        }
        let analysis = try LFAnalysis(result.labelMatrix, goldLabels: gold)
        if json {
            let report = ApplyReport(
                input: inputURL.path, out: out, rows: table.rowCount, lfs: functions.count, seconds: seconds,
                summary: analysis, faults: result.faults)
            try printJSON(report)
        } else {
            print("\(table.rowCount) rows × \(functions.count) LFs in \(String(format: "%.2f", seconds)) s → \(out)")
            print(analysis.table())
            for fault in result.faults where fault.count > 0 {
                print(
                    "! \(fault.lf): \(fault.count) faults (abstained); first on row \(fault.firstRow ?? 0): \(fault.firstError ?? "")"
                )
            }
        }
    }
}

struct ApplyReport: Encodable {
    let input: String
    let out: String
    let rows: Int
    let lfs: Int
    let seconds: Double
    let summary: LFAnalysis
    let faults: [LFFaultReport]
}
