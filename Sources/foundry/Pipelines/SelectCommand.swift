import Adapters
import ArgumentParser
import Foundation
import FoundryCore
import Labeling
import Pipelines
import Tabular

/// `foundry select`: score several adapters of one base encoder on an evaluation set and pick the best, or route each
/// input to one of them with a router trained on exemplar embeddings (the `ModelSelection` and `ExpertRouter` of
/// Pipelines).
struct SelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Pick the best of several adapters on an evaluation set, or route each input to one of them.",
        discussion: """
            Every adapter (a folder as `foundry train` writes it) is loaded over the one base model and predicts \
            every evaluation text; the candidates are ranked by --metric (ties go to the earlier adapter in \
            --adapters). --eval is a .csv, .tsv or .jsonl table (--text-field, --label-field holding class names \
            or indices) or a WRENCH split (.json; its label.json names the classes). With --route, a router (logistic \
            regression on the base model's normalised embeddings) sends each text to one adapter: trained on \
            --exemplars (texts with the adapter's name in --task-field), or, without exemplars, on the evaluation \
            rows themselves (each labeled with the adapter most confident in its gold class), cross-fitted over \
            --folds so that no row is routed by a router that saw it. When the evaluation table has --task-field, \
            the routing accuracy (rows sent to the adapter their task names) is reported too.
            """)

    @OptionGroup var encoderOptions: EncoderOptions

    @Option(
        help: ArgumentHelp(
            "Comma-separated adapters, each DIR or NAME=DIR (the name defaults to the folder's name), or with --repo a REF or NAME=REF.",
            valueName: "A,B,…"))
    var adapters: String

    @Option(
        help:
            "A model repository (`foundry model init`): --adapters entries that are not folders are its refs (branch, tag, commit)."
    )
    var repo: String?

    @Option(help: "Evaluation set: .csv, .tsv or .jsonl table, or a WRENCH split (.json).")
    var eval: String

    @Option(help: "The column holding the text (tables).")
    var textField: String = "text"

    @Option(help: "The column holding the gold class name or index (tables).")
    var labelField: String = "label"

    @Option(
        help:
            "Class names, comma-separated (default: label.json for a WRENCH split, else the names the adapters record, else 0, 1, …)."
    )
    var classes: String?

    @Option(help: "The metric ranking the candidates: accuracy, f1 (binary, class 1) or f1_macro.")
    var metric: SelectionMetric = .accuracy

    @Flag(help: "Route each input to one adapter with a router on the base model's embeddings.")
    var route = false

    @Option(help: "Routing exemplars (.csv, .tsv or .jsonl): texts in --text-field, adapter names in --task-field.")
    var exemplars: String?

    @Option(help: "The column naming the adapter a text belongs to (in --exemplars and, optionally, in --eval).")
    var taskField: String = "task"

    @Option(help: "Write the trained router (JSON: candidates and the gate's weights) to this file (with --route).")
    var routerOut: String?

    @Option(help: "Folds for cross-fitted routing on the evaluation rows (without --exemplars).")
    var folds = 5

    @Option(help: "Seed of the cross-fitting folds.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func validate() throws {
        let entries = Self.splitList(adapters)
        guard !entries.isEmpty else { throw ValidationError("--adapters needs at least one adapter folder") }
        if entries.contains(where: { $0.hasSuffix("=") || $0.hasPrefix("=") }) {
            throw ValidationError("--adapters entries are DIR or NAME=DIR, each part non-empty")
        }
        if exemplars != nil && !route { throw ValidationError("--exemplars trains the router: add --route") }
        if routerOut != nil && !route { throw ValidationError("--router-out saves the router: add --route") }
        if route && entries.count < 2 { throw ValidationError("--route needs at least two adapters") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
        if let classes, Self.splitList(classes).count < 2 {
            throw ValidationError("--classes needs at least two comma-separated names")
        }
    }

    /// What `--json` prints: the library's result plus where the inputs came from.
    struct Record: Encodable {
        var eval: String
        var model: String
        var result: SelectionResult

        private enum CodingKeys: String, CodingKey { case eval, model }

        func encode(to encoder: Encoder) throws {
            try result.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(eval, forKey: .eval)
            try container.encode(model, forKey: .model)
        }
    }

    func run() throws {
        try requireBLAS()
        let checkouts = FileManager.default.temporaryDirectory.appendingPathComponent(
            "foundry-select-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: checkouts) }
        var candidates: [SelectionCandidate] = []
        for entry in Self.splitList(adapters) {
            var name: String?
            var location = entry
            if let equals = entry.firstIndex(of: "=") {
                name = String(entry[..<equals])
                location = String(entry[entry.index(after: equals)...])
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory), isDirectory.boolValue {
                let folder = URL(fileURLWithPath: location)
                candidates.append(
                    name.map { SelectionCandidate(name: $0, adapterDirectory: folder) }
                        ?? SelectionCandidate(adapterDirectory: folder))
            } else if let repo {
                do {
                    try FileManager.default.createDirectory(at: checkouts, withIntermediateDirectories: true)
                    candidates.append(
                        try SelectionCandidate.committed(
                            ref: location, name: name, repository: URL(fileURLWithPath: repo),
                            checkoutDirectory: checkouts))
                } catch let error as PipelinesError {
                    throw CommandFailure(error.description)
                }
            } else {
                throw CommandFailure("--adapters: '\(name ?? location)': no adapter folder at \(location)")
            }
        }
        let encoder = try encoderOptions.load(defaultLength: 256)
        let evaluation = try readEvaluation(candidates: candidates, model: encoder.model)
        let routing: RouterTraining? =
            route
            ? (try exemplars.map { .exemplars(try readExemplars($0)) } ?? .crossFitted(folds: folds, seed: seed)) : nil
        let result: SelectionResult
        do {
            result = try ModelSelection.evaluate(
                candidates: candidates, encoder: encoder, texts: evaluation.texts, gold: evaluation.gold,
                classes: evaluation.classes, metric: metric, routing: routing,
                expectedCandidates: route ? evaluation.tasks : nil)
        } catch let error as PipelinesError {
            throw CommandFailure(error.description)
        }
        if let routerOut, let router = result.router {
            do { try router.write(to: URL(fileURLWithPath: routerOut)) } catch {
                throw CommandFailure("--router-out \(routerOut): \(error)")
            }
        }
        if json {
            try printJSON(Record(eval: eval, model: encoderOptions.model, result: result))
        } else {
            printTable(result)
        }
    }

    /// The evaluation rows: texts, gold class indices (-1 for unknown), class names and, when the table has
    /// `--task-field`, each row's adapter.
    private func readEvaluation(
        candidates: [SelectionCandidate], model: BertModel
    ) throws -> (texts: [String], gold: [Int], classes: [String], tasks: [String?]?) {
        let url = URL(fileURLWithPath: eval)
        let given = classes.map(Self.splitList)
        if url.pathExtension.lowercased() == "json" {
            let labelFile = url.deletingLastPathComponent().appendingPathComponent("label.json")
            let wrenchNames =
                FileManager.default.fileExists(atPath: labelFile.path)
                ? try WrenchDataset(directory: url.deletingLastPathComponent()).classNames : nil
            let split = try WrenchDataset.readSplit(url, classNames: given ?? wrenchNames)
            let names =
                try given ?? wrenchNames
                ?? recordedNames(candidates) ?? (0..<split.labelMatrix.cardinality).map(String.init)
            return (split.texts, split.goldLabels, names, nil)
        }
        let table = try TableFormat.read(url)
        let texts = try table.column(textField)
        let names = try given ?? recordedNames(candidates) ?? defaultNames(candidates, model: model)
        let gold: [Int]
        do {
            gold = try table.classIndices(column: labelField, classNames: names)
        } catch let error as TabularError where given == nil {
            throw CommandFailure("\(error) (the adapters record no class names: give them with --classes)")
        }
        var tasks: [String?]?
        if table.columnNames.contains(taskField) {
            tasks = try table.column(taskField).map { $0.isEmpty ? nil : $0 }
        }
        return (texts, gold, names, tasks)
    }

    /// The class names the first adapter that records them gives.
    private func recordedNames(_ candidates: [SelectionCandidate]) throws -> [String]? {
        for candidate in candidates {
            if let names = try ModelSelection.recordedClassNames(
                in: candidate.adapterDirectory, candidate: candidate.name)
            {
                return names
            }
        }
        return nil
    }

    /// `0`, `1`, … for as many classes as the first adapter's head has.
    private func defaultNames(_ candidates: [SelectionCandidate], model: BertModel) throws -> [String] {
        guard let first = candidates.first else { return [] }
        let adapter: LoRAAdapter
        do {
            adapter = try LoRAAdapter(peftDirectory: first.adapterDirectory, model: model)
        } catch {
            throw CommandFailure(
                "--adapters: '\(first.name)' (\(first.adapterDirectory.path)) cannot be loaded: \(error)")
        }
        return (0..<adapter.head.classCount).map(String.init)
    }

    private func readExemplars(_ path: String) throws -> [RoutingExemplar] {
        let table = try TableFormat.read(URL(fileURLWithPath: path))
        let texts = try table.column(textField)
        let tasks = try table.column(taskField)
        return try zip(texts, tasks).enumerated().map { row, pair in
            guard !pair.1.isEmpty else {
                throw CommandFailure(
                    "\(path) (line \(table.lineNumbers[row])): empty '\(taskField)': every exemplar names its adapter")
            }
            return RoutingExemplar(text: pair.0, candidate: pair.1)
        }
    }

    private func printTable(_ result: SelectionResult) {
        print("candidate\t\(result.metric.rawValue)\taccuracy\tf1_macro")
        for candidate in result.candidates {
            let mark = candidate.name == result.chosen ? " *" : ""
            print(
                "\(candidate.name)\(mark)\t\(Self.format(candidate.scores.score))\t"
                    + "\(Self.format(candidate.scores.accuracy))\t\(Self.format(candidate.scores.f1Macro))")
        }
        print(
            "chosen: \(result.chosen) (\(result.metric.rawValue) \(Self.format(result.chosenScore)), \(result.rows) rows)"
        )
        if let routing = result.routing {
            let counts = result.candidates.map { "\($0.name) \(routing.routed[$0.name] ?? 0)" }.joined(separator: ", ")
            print(
                "routed (\(routing.training)): \(result.metric.rawValue) \(Self.format(routing.scores.score)) "
                    + "vs best single \(routing.bestSingle) \(Self.format(routing.bestSingleScore)); "
                    + "oracle \(Self.format(routing.oracleScore))")
            print("routed rows: \(counts)")
            if let accuracy = routing.routingAccuracy {
                print("routing accuracy (rows sent to their task's adapter): \(Self.format(accuracy))")
            }
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.4f", value) }

    static func splitList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

extension SelectionMetric: ExpressibleByArgument {}
