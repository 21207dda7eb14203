import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store export`: writes a version as JSONL plus a manifest with license and attribution.
struct StoreExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a version as JSONL with a manifest recording license and attribution.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset.") var dataset: String

    @Option(name: .long, help: "A version id or prefix (default: latest).")
    var version: String?

    @Option(name: .long, help: "The JSONL file to write; the manifest goes to <output>.manifest.json.")
    var output: String

    struct Manifest: Encodable {
        let dataset: String
        let version: String
        let rows: Int
        let license: String
        let attribution: String
        let maskedFields: [String]
        let exportedBy: String
        let lineageArtifact: String
        let output: String
    }

    func run() throws {
        let (store, principal) = try options.session()
        let exported = try store.export(dataset, version: version, as: principal)
        var text = ""
        for example in exported.examples {
            var fields = example.fields
            fields["id"] = example.id
            fields["text"] = example.text
            text += CanonicalEncoding.fieldsJSON(fields) + "\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: output))
        let manifest = Manifest(
            dataset: dataset, version: exported.version.id, rows: exported.examples.count,
            license: exported.dataset.license,
            attribution: exported.dataset.attribution, maskedFields: exported.maskedFields, exportedBy: principal.name,
            lineageArtifact: exported.artifact.name, output: output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: output + ".manifest.json"))
        try options.emit(manifest) {
            "exported \(manifest.rows) rows of \(dataset)@\(shortID(manifest.version)) to \(output)\n  license: \(manifest.license)\n  attribution: \(manifest.attribution)"
                + (manifest.maskedFields.isEmpty ? "" : "\n  masked: \(manifest.maskedFields.joined(separator: ", "))")
        }
    }
}
