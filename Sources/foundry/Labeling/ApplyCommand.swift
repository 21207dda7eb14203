import ArgumentParser
import DatasetStore
import Flows
import Foundation
import FoundryCore
import Labeling
import Pipelines
import Tabular

/// `foundry apply`: apply declarative labeling functions to a table (a file, or a version in the dataset store) and
/// keep the label matrix (a `.npy` file, and/or an artifact in the store).
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract:
            "Apply labeling functions declared in a YAML/JSON spec to a CSV, TSV or JSONL file or a stored dataset version; write the label matrix.",
        discussion: """
            The spec lists keyword / regex / lexicon / threshold / similarity functions with the class each votes for; \
            every key is described in docs/reference/lf-spec.md. Similarity functions need the encoder: --model DIR, \
            or the spec's 'encoder' key. Functions without 'field' read --text-field. The summary printed \
            afterwards uses --gold-field for accuracies when given. With --dataset (and --store) the rows come from a \
            stored version (fields id, text and the imported ones) and the label matrix is stored on that version \
            (see `foundry store lineage`). A failed run writes nothing.
            """)

    @Option(help: "The input table (.csv, .tsv or .jsonl).")
    var input: String?

    @OptionGroup var storeFlow: StoreFlowOptions

    @Option(help: "The column holding the text, for functions that do not name a field (default with --dataset: text).")
    var textField: String?

    @Option(help: "The labeling-function spec (.yaml, .yml or .json).")
    var lfs: String

    @Option(help: "Where to write the label matrix (.npy, int8, -1 = abstain).")
    var out: String?

    @Option(help: "The label matrix's name in the store (default: the spec file's name).")
    var name: String?

    @Option(help: "Class names, comma-separated (default: the spec's 'classes').")
    var classes: String?

    @Option(help: "A column with gold class names or indices, for accuracies in the summary.")
    var goldField: String?

    @Option(help: "The encoder folder for similarity functions (default: the spec's 'encoder', relative to the spec).")
    var model: String?

    @Flag(help: "Stop at the first labeling-function error instead of abstaining on that row.")
    var failFast = false

    @Flag(help: "Print one JSON object (no progress bar).")
    var json = false

    func validate() throws {
        guard (input == nil) != (storeFlow.dataset == nil) else {
            throw ValidationError(
                "give the rows either as --input FILE or as --dataset NAME[@VERSION] (from the store)")
        }
        guard input == nil || textField != nil else { throw ValidationError("--input needs --text-field") }
        guard out != nil || storeFlow.isGiven else {
            throw ValidationError("nothing would be kept: pass --out L.npy (or --dataset to store it)")
        }
        guard name == nil || storeFlow.isGiven else { throw ValidationError("--name names the matrix in the store") }
    }

    /// What `--json` prints: the flow's report, where the matrix went.
    struct Output: Encodable {
        var report: TableLabeling.Report
        var out: String?
        var artifact: Artifact?

        func encode(to encoder: Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(out, forKey: .out)
            try container.encode(artifact, forKey: .artifact)
        }

        enum Keys: String, CodingKey { case out, artifact }
    }

    func run() async throws {
        let spec = try LFSpec.load(URL(fileURLWithPath: lfs))
        let options = TableLabeling.Options(
            textField: textField ?? "text", classNames: classes.map(splitList), goldColumn: goldField,
            failFast: failFast, embedder: try similarityEmbedder(for: spec))
        let bar = ProgressBar(
            label: "applying \(spec.labelingFunctions.count) LFs", enabled: !json && ProgressBar.standardErrorIsTerminal
        )
        let outcome: TableLabeling.Outcome
        var artifact: Artifact?
        if let session = try storeFlow.session() {
            let matrixName = name ?? URL(fileURLWithPath: lfs).deletingPathExtension().lastPathComponent
            (outcome, artifact) = try StoredFlows.label(
                session.dataset, spec: spec, options: options, name: matrixName, store: session.store,
                as: session.principal, progress: bar.handler)
        } else {
            let table = try TableFormat.read(URL(fileURLWithPath: input ?? ""))
            outcome = try TableLabeling.run(table: table, spec: spec, options: options, progress: bar.handler)
        }
        if let out { try outcome.labelMatrix.writeNumPy(to: URL(fileURLWithPath: out)) }
        if json {
            try printJSON(Output(report: outcome.report, out: out, artifact: artifact))
            return
        }
        let report = outcome.report
        var destinations: [String] = []
        if let out { destinations.append(out) }
        if let artifact {
            destinations.append("label matrix '\(artifact.name)' on \(artifact.dataset)@\(shortID(artifact.version))")
        }
        print(
            "\(report.rows) rows × \(report.lfs) LFs of \(report.input) in \(String(format: "%.2f", report.seconds)) s → "
                + destinations.joined(separator: " and "))
        print(report.summary.table())
        for fault in report.faults where fault.count > 0 {
            print(
                "! \(fault.lf): \(fault.count) faults (abstained); first on row \(fault.firstRow ?? 0) (0-based): \(fault.firstError ?? "")"
            )
        }
    }
}

extension ApplyCommand {
    /// The encoder for the spec's similarity functions: `--model`, else the first similarity function's `encoder`
    /// (relative to the spec file); nil when the spec has none (compiling then names the function that needs one).
    func similarityEmbedder(for spec: LFSpec) throws -> SentenceEmbedder? {
        guard spec.needsEmbeddings else { return nil }
        try requireBLAS()
        if let model { return try SentenceEmbedder(directory: URL(fileURLWithPath: model)) }
        guard let encoder = spec.labelingFunctions.lazy.compactMap(\.encoder).first else { return nil }
        let folder = URL(fileURLWithPath: lfs).deletingLastPathComponent()
        let directory = encoder.hasPrefix("/") ? URL(fileURLWithPath: encoder) : folder.appendingPathComponent(encoder)
        return try SentenceEmbedder(directory: directory)
    }
}

/// `a, b,c` → `["a", "b", "c"]`.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
