import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store import`: imports a CSV, TSV or JSONL file as a new immutable version, creating the dataset in the
/// same unit of work when it is missing (a failed import leaves nothing behind, not even an empty dataset).
struct StoreImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV, TSV or JSONL file as a new version (creating the dataset if needed).",
        discussion: """
            The id column gives example ids, the text column the text, every other column a field. Creating the \
            dataset and importing the version are one unit of work: if the file fails validation (a duplicate or \
            missing id, a NUL character, an erased example), nothing is stored. --license, --attribution and \
            --sensitive apply when the dataset is created; if it exists with other settings, the import fails \
            (change them with `foundry store configure`). Sensitive columns are named exactly as in the file (the \
            text column under its own name, e.g. CONTENT); the id column cannot be sensitive.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The file (.csv, .tsv, .jsonl).")
    var file: String

    @Option(name: .long, help: "The dataset to import into.")
    var dataset: String

    @Option(name: .long, help: "The field holding example ids.")
    var idField: String = "id"

    @Option(name: .long, help: "The field holding the text.")
    var textField: String = "text"

    @Option(name: .long, help: "csv, tsv or jsonl (default: from the file extension).")
    var format: String?

    @Option(name: .long, help: "A note kept with the version.")
    var message: String = ""

    @Option(name: .long, help: "License recorded when the dataset is created (default: unspecified).")
    var license: String?

    @Option(name: .long, help: "Attribution recorded when the dataset is created.")
    var attribution: String?

    @Option(
        name: .long,
        help: "Comma-separated sensitive (PII) columns, named as in the file, when the dataset is created.")
    var sensitive: String?

    @Option(
        name: .long,
        help:
            "A field with gold labels (class names from --classes, or indices; empty = unknown), stored with the version: `foundry train --store` holds those rows out for early stopping."
    )
    var goldField: String?

    @Option(name: .long, help: "The class names of --gold-field, comma-separated, in class-index order.")
    var classes: String?

    func validate() throws {
        guard (goldField == nil) == (classes == nil) else {
            throw ValidationError("--gold-field and --classes go together")
        }
        if let classes, splitList(classes).count < 2 { throw ValidationError("--classes needs at least two names") }
    }

    /// Gold class indices by example id from `--gold-field` (rows with an empty value are left out).
    ///
    /// - Throws: ``CommandFailure`` naming the example and value that is not a class.
    func goldLabels(_ examples: [Example]) throws -> [String: Int] {
        guard let goldField, let classes else { return [:] }
        let names = splitList(classes)
        var labels: [String: Int] = [:]
        for example in examples {
            let value = (example.fields[goldField] ?? (goldField == textField ? example.text : "")).trimmingCharacters(
                in: .whitespaces)
            if value.isEmpty { continue }
            guard
                let index = names.firstIndex(of: value)
                    ?? Int(value).flatMap({ (0..<names.count).contains($0) ? $0 : nil })
            else {
                throw CommandFailure(
                    "\(file): example '\(example.id)': \(goldField) '\(value)' is not a class (\(names.joined(separator: ", ")) or 0…\(names.count - 1))"
                )
            }
            labels[example.id] = index
        }
        return labels
    }

    struct Output: Encodable {
        let dataset: String
        let version: DatasetVersion
        let created: Bool
        let datasetCreated: Bool
    }

    func run() throws {
        let url = URL(fileURLWithPath: file)
        let examples = try ExampleFileReader.read(
            url, format: ExampleFileReader.format(of: url, named: format), idField: idField, textField: textField)
        let (store, principal) = try options.session()
        let settings = NewDataset(
            license: license ?? "unspecified", attribution: attribution ?? "",
            sensitiveFields: sensitive.map(splitColumnList) ?? [], idColumn: idField, textColumn: textField,
            settingsRequired: license != nil || attribution != nil || sensitive != nil)
        let gold = try goldLabels(examples)
        printError("import: \(examples.count) rows from \(file) into '\(shown(dataset))'")
        // Creating the dataset, importing the version and storing its gold labels commit together or not at all.
        let result = try store.write(as: principal) { unit in
            let imported = try unit.importVersion(
                examples, into: dataset, message: message,
                createIfMissing: settings
            ) { progress in
                printError("import: \(progress.completed)/\(progress.total ?? 0) rows inserted")
            }
            if !gold.isEmpty { try unit.setGoldLabels(gold, dataset: dataset, version: imported.version.id) }
            return imported
        }
        if !gold.isEmpty { printError("import: \(gold.count) gold labels from \(goldField ?? "")") }
        try options.emit(
            Output(
                dataset: dataset, version: result.version, created: result.created,
                datasetCreated: result.datasetCreated)
        ) {
            (result.datasetCreated ? "created dataset '\(shown(dataset))'\n" : "")
                + (result.created ? "imported" : "unchanged (identical to an existing version):")
                + " \(shown(dataset))@\(shortID(result.version.id)) — \(result.version.rowCount) rows\n  version \(result.version.id)"
        }
    }
}
