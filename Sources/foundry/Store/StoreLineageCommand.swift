import ArgumentParser
import DatasetStore

/// `foundry store lineage`: artifacts built from a dataset's versions, with stale flags.
struct StoreLineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage", abstract: "List artifacts built from a dataset's versions (stale ones need a rebuild).")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset.") var dataset: String

    @Flag(name: .long, help: "Only stale artifacts.")
    var stale = false

    struct Output: Encodable {
        let dataset: String
        let artifacts: [Artifact]
    }

    func run() throws {
        let (store, principal) = try options.session()
        let artifacts = try store.lineage(of: dataset, staleOnly: stale, as: principal)
        try options.emit(Output(dataset: dataset, artifacts: artifacts)) {
            artifacts.map {
                "\($0.isStale ? "STALE " : "")\($0.kind) '\($0.name)' ← \(dataset)@\(shortID($0.version)) by \($0.createdBy)"
                    + ($0.staleReason.map { " — \($0)" } ?? "")
            }.joined(separator: "\n")
        }
    }
}
