import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store import`: imports a CSV, TSV or JSONL file as a new immutable version, creating the dataset in the
/// same unit of work when it is missing (a failed import leaves nothing behind, not even an empty dataset).
struct StoreImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV, TSV or JSONL file as a content-addressed version (creating the dataset if needed).",
        discussion: """
            The id column gives example ids, the text column the text, every other column a field. Creating the \\
            dataset and importing the version are one unit of work: if the file fails validation (a duplicate or \\
            missing id, a NUL character, an erased example), nothing is stored.
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

    @Option(name: .long, help: "License recorded when the dataset is created.")
    var license: String = "unspecified"

    @Option(name: .long, help: "Attribution recorded when the dataset is created.")
    var attribution: String = ""

    @Option(name: .long, help: "Comma-separated sensitive (PII) fields, when the dataset is created.")
    var sensitive: String = ""

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
        let fields = sensitive.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        printError("import: \(examples.count) rows from \(file) into '\(dataset)'")
        let result = try store.importVersion(
            examples, into: dataset, message: message,
            createIfMissing: NewDataset(license: license, attribution: attribution, sensitiveFields: fields),
            as: principal
        ) { progress in
            printError("import: \(progress.completed)/\(progress.total ?? 0) rows inserted")
        }
        try options.emit(
            Output(
                dataset: dataset, version: result.version, created: result.created,
                datasetCreated: result.datasetCreated)
        ) {
            (result.datasetCreated ? "created dataset '\(dataset)'\n" : "")
                + (result.created ? "imported" : "unchanged (identical to an existing version):")
                + " \(dataset)@\(shortID(result.version.id)) — \(result.version.rowCount) rows\n  version \(result.version.id)"
        }
    }
}
