import ArgumentParser
import DatasetStore

/// `foundry store list`: the datasets you can read, or one dataset's versions.
struct StoreListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List readable datasets, or the versions of one dataset.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "A dataset: list its versions instead.")
    var dataset: String?

    struct DatasetsOutput: Encodable { let datasets: [Dataset] }
    struct VersionsOutput: Encodable {
        let dataset: String
        let versions: [DatasetVersion]
    }

    func run() throws {
        let (store, principal) = try options.session()
        if let dataset {
            let versions = try store.versions(of: dataset, as: principal)
            try options.emit(VersionsOutput(dataset: dataset, versions: versions)) {
                versions.map {
                    "\(shortID($0.id))  \($0.rowCount) rows\($0.erasedCount > 0 ? " (\($0.erasedCount) erased)" : "")  \(isoTime($0.createdAt))  \(shown($0.createdBy))  \(shown($0.message))"
                }.joined(separator: "\n")
            }
        } else {
            let datasets = try store.datasets(as: principal)
            try options.emit(DatasetsOutput(datasets: datasets)) {
                datasets.map {
                    "\(shown($0.name))  license: \(shown($0.license))"
                        + ($0.sensitiveFields.isEmpty
                            ? "" : "  sensitive: \($0.sensitiveFields.map(shown).joined(separator: ","))")
                }
                .joined(separator: "\n")
            }
        }
    }
}
