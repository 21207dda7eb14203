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
            The export is recorded in the lineage and the audit log in the same unit of work as the files are \
            written: if writing fails, no file is left behind and the audit log records a failed export. Files are \
            written to a temporary file and renamed into place, readable by their owner only (mode 0600). The \
            target may not be a symbolic link, the store's own files or any SQLite database, and an existing file \
            is replaced only with --force. Each line holds the row's columns under their names in the data (the \
            manifest names the id and text columns).
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

    @Flag(name: .long, help: "Replace existing output files (never a symbolic link, the store or a database).")
    var force = false

    struct Manifest: Encodable {
        let dataset: String
        let version: String
        let rows: Int
        let license: String
        let attribution: String
        let maskedFields: [String]
        let idField: String
        let textField: String
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
        let storeFiles = [
            store.path, store.path + "-wal", store.path + "-shm", StoreKey.defaultFile(forStoreAt: store.path),
        ]
        for target in [url.path, manifestURL.path] {
            try PrivateFile.checkOutputTarget(target, force: force, protecting: storeFiles)
        }
        let manifest = try store.write(as: principal) { tx in
            let exported = try tx.export(dataset.dataset, version: version, destination: url.path)
            let (idField, textField) = Self.recordNames(exported)
            var text = ""
            for example in exported.examples {
                var fields = example.fields
                fields[idField] = example.id
                fields[textField] = example.text
                text += CanonicalEncoding.fieldsJSON(fields) + "\n"
            }
            let manifest = Manifest(
                dataset: exported.dataset.name, version: exported.version.id, rows: exported.examples.count,
                license: exported.dataset.license, attribution: exported.dataset.attribution,
                maskedFields: exported.maskedFields, idField: idField, textField: textField,
                exportedBy: principal.name, exportedAt: exported.artifact.createdAt,
                lineageArtifact: exported.artifact.name, output: path)
            let manifestText = try FoundryJSON.string(manifest, pretty: true) + "\n"
            let manifestExisted = FileManager.default.fileExists(atPath: manifestURL.path)
            do {
                try PrivateFile.write(Data(manifestText.utf8), to: manifestURL.path)
                try PrivateFile.write(Data(text.utf8), to: url.path)
            } catch {
                // The rows could not be put in place after the manifest was: do not leave a manifest without rows.
                if !manifestExisted { try? FileManager.default.removeItem(at: manifestURL) }
                throw error
            }
            return manifest
        }
        try options.emit(manifest) {
            "exported \(manifest.rows) rows of \(shown(manifest.dataset))@\(shortID(manifest.version)) to \(shown(path))\n  license: \(shown(manifest.license))\n  attribution: \(shown(manifest.attribution))"
                + (manifest.maskedFields.isEmpty
                    ? "" : "\n  masked: \(manifest.maskedFields.map(shown).joined(separator: ", "))")
        }
    }

    /// The keys of the id and text in the exported records: the data's own column names, or — for a dataset from
    /// before column names were recorded whose fields use those names — `foundry:id` and `foundry:text`, so that no
    /// field of the data is overwritten.
    static func recordNames(_ exported: ExportedDataset) -> (id: String, text: String) {
        let idColumn = exported.dataset.idColumn
        let textColumn = exported.dataset.textColumn
        let collides = exported.examples.contains { $0.fields[idColumn] != nil || $0.fields[textColumn] != nil }
        return collides ? ("foundry:id", "foundry:text") : (idColumn, textColumn)
    }
}
