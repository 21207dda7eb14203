import ArgumentParser
import DatasetStore

/// `foundry store show`: a version's metadata and its first rows (sensitive fields masked unless you may read them).
struct StoreShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a dataset version and its first rows.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset: NAME or NAME@VERSION.", transform: parseDatasetReference)
    var dataset: DatasetReference

    @Option(name: .long, help: "A version id or unique prefix (default: latest).")
    var version: String?

    @Option(name: .long, help: "How many rows to show.")
    var limit: Int = 10

    struct Output: Encodable {
        let dataset: Dataset
        let version: DatasetVersion
        let examples: [Example]
    }

    func run() throws {
        let version = try resolvedVersion(dataset, option: self.version)
        let (store, principal) = try options.session()
        let info = try store.dataset(named: dataset.dataset, as: principal)
        var rows: [Example] = []
        let limit = max(0, self.limit)
        let read = try store.forEachExample(of: dataset.dataset, version: version, as: principal) { example in
            if rows.count < limit { rows.append(example) }
        }
        try options.emit(Output(dataset: info, version: read, examples: rows)) {
            var lines = [
                "\(shown(info.name))@\(read.id)",
                "  rows: \(read.rowCount) (\(read.erasedCount) erased)  by \(shown(read.createdBy)) at \(isoTime(read.createdAt))",
                "  license: \(shown(info.license))  attribution: \(shown(info.attribution))",
            ]
            if let parent = read.parent { lines.append("  parent: \(parent)") }
            for example in rows {
                let fields = example.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " ")
                let text = shown(String(example.text.prefix(100)))
                let rest = fields.isEmpty ? "" : "  {\(shown(String(fields.prefix(100))))}"
                lines.append("  [\(shown(example.id))] \(text)\(rest)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
