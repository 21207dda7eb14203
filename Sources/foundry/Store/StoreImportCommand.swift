import ArgumentParser
import DatasetStore
import Foundation
import Labeling
import Tabular

/// `foundry store import`: imports a CSV or JSONL file as a new immutable version.
struct StoreImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a CSV or JSONL file as a content-addressed version (creating the dataset if needed).")

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
        let kind = (format ?? url.pathExtension).lowercased()
        let examples: [Example]
        switch kind {
        case "jsonl", "ndjson", "json":
            examples = try ExampleFileReader.readJSONL(url, idField: idField, textField: textField)
        case "csv", "tsv":
            examples = try Self.readDelimited(
                url, delimiter: kind == "tsv" ? UInt8(ascii: "\t") : UInt8(ascii: ","), idField: idField,
                textField: textField)
        default:
            throw ValidationError("cannot tell the format of \(file): pass --format csv|tsv|jsonl")
        }
        let (store, principal) = try options.session()
        var datasetCreated = false
        var creationRefused: DatasetStoreError?
        if !(try store.datasets(as: principal).contains { $0.name == dataset }) {
            let fields = sensitive.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            do {
                _ = try store.createDataset(
                    name: dataset, license: license, attribution: attribution, sensitiveFields: fields, as: principal)
                datasetCreated = true
            } catch DatasetStoreError.duplicateName {
                // Exists but is not readable by the caller; the import below decides.
            } catch let error as DatasetStoreError {
                guard case .permissionDenied = error else { throw error }
                creationRefused = error  // may still hold write on an existing dataset it cannot list
            }
        }
        printError("import: \(examples.count) rows from \(file) into '\(dataset)'")
        let result: ImportResult
        do {
            result = try store.importVersion(examples, into: dataset, message: message, as: principal) { progress in
                printError("import: \(progress.completed)/\(progress.total ?? 0) rows inserted")
            }
        } catch DatasetStoreError.unknownDataset(let name) {
            throw creationRefused ?? DatasetStoreError.unknownDataset(name)
        }
        try options.emit(
            Output(dataset: dataset, version: result.version, created: result.created, datasetCreated: datasetCreated)
        ) {
            (result.created ? "imported" : "unchanged (identical to an existing version):")
                + " \(dataset)@\(shortID(result.version.id)) — \(result.version.rowCount) rows\n  version \(result.version.id)"
        }
    }

    /// Reads a CSV/TSV file through Labeling's reader: the id and text columns, every other column a field.
    static func readDelimited(_ url: URL, delimiter: UInt8, idField: String, textField: String) throws -> [Example] {
        let table = try CSVReader.read(url, delimiter: delimiter)
        let idColumn = try table.columnIndex(idField)
        let textColumn = try table.columnIndex(textField)
        return table.rows.map { row in
            var fields: [String: String] = [:]
            for (index, name) in table.columnNames.enumerated() where index != idColumn && index != textColumn {
                fields[name] = row[index]
            }
            return Example(id: row[idColumn], text: row[textColumn], fields: fields)
        }
    }
}
