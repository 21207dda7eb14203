import ArgumentParser
import DatasetStore
import Foundation
import FoundryCore

/// `foundry store export`: writes a version as JSONL plus a manifest with license and attribution, all or nothing.
struct StoreExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a version as JSONL with a manifest recording license and attribution.",
        discussion: """
            The export is recorded in the lineage and the audit log in the same unit of work as the files are \\
            written: if writing fails, no file is left behind and no export is recorded.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset: NAME or NAME@VERSION.", transform: parseDatasetReference)
    var dataset: DatasetReference

    @Option(name: .long, help: "A version id or prefix (default: latest).")
    var version: String?

    @Option(
        name: .customLong("out"),
        help: ArgumentHelp("The JSONL file to write; the manifest goes to FILE.manifest.json.", valueName: "file"))
    var out: String?

    // The name before `--out`; kept working, hidden from help (swift-argument-parser 1.8 hides options, not
    // single names of an option, so the alias is an option of its own).
    @Option(name: .customLong("output"), help: ArgumentHelp("Same as --out.", visibility: .hidden))
    var output: String?

    struct Manifest: Encodable {
        let dataset: String
        let version: String
        let rows: Int
        let license: String
        let attribution: String
        let maskedFields: [String]
        let exportedBy: String
        let exportedAt: Date
        let lineageArtifact: String
        let output: String
    }

    func validate() throws {
        switch (out, output) {
        case (nil, nil): throw ValidationError("missing --out FILE")
        case let (first?, second?) where first != second:
            throw ValidationError("--out and --output name different files; give one")
        default: break
        }
    }

    func run() throws {
        let path = out ?? output ?? ""
        let url = URL(fileURLWithPath: path)
        let manifestURL = URL(fileURLWithPath: path + ".manifest.json")
        let version = try resolvedVersion(dataset, option: self.version)
        let (store, principal) = try options.session()
        let manifest = try store.write(as: principal) { tx in
            let exported = try tx.export(dataset.dataset, version: version)
            var text = ""
            for example in exported.examples {
                var fields = example.fields
                fields["id"] = example.id
                fields["text"] = example.text
                text += CanonicalEncoding.fieldsJSON(fields) + "\n"
            }
            let manifest = Manifest(
                dataset: dataset.dataset, version: exported.version.id, rows: exported.examples.count,
                license: exported.dataset.license, attribution: exported.dataset.attribution,
                maskedFields: exported.maskedFields, exportedBy: principal.name,
                exportedAt: exported.artifact.createdAt,
                lineageArtifact: exported.artifact.name, output: path)
            let manifestText = try FoundryJSON.string(manifest, pretty: true) + "\n"
            let manifestExisted = FileManager.default.fileExists(atPath: manifestURL.path)
            do {
                try AtomicFile.write(to: url) { temporary in
                    try Self.write(Data(text.utf8), to: temporary, naming: url)
                    try AtomicFile.write(Data(manifestText.utf8), to: manifestURL)
                }
            } catch {
                // The rows could not be put in place after the manifest was: do not leave a manifest without rows.
                if !manifestExisted { try? FileManager.default.removeItem(at: manifestURL) }
                throw error
            }
            return manifest
        }
        try options.emit(manifest) {
            "exported \(manifest.rows) rows of \(manifest.dataset)@\(shortID(manifest.version)) to \(path)\n  license: \(manifest.license)\n  attribution: \(manifest.attribution)"
                + (manifest.maskedFields.isEmpty ? "" : "\n  masked: \(manifest.maskedFields.joined(separator: ", "))")
        }
    }

    private static func write(_ data: Data, to temporary: URL, naming url: URL) throws {
        do {
            try data.write(to: temporary)
        } catch {
            throw FoundryCoreError.fileUnreadable(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
