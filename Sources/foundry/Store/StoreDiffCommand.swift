import ArgumentParser
import DatasetStore

/// `foundry store diff`: added, removed and changed example ids between two versions.
struct StoreDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Added, removed and changed rows between two versions.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset.") var dataset: String
    @Argument(help: "The older version (id or prefix).") var from: String
    @Argument(help: "The newer version (id or prefix; default: latest).") var to: String = "latest"

    func run() throws {
        let (store, principal) = try options.session()
        let diff = try store.diff(dataset, from: from, to: to, as: principal)
        try options.emit(diff) {
            var lines = [
                "\(shown(dataset)): \(shortID(diff.from)) → \(shortID(diff.to)): +\(diff.added.count) -\(diff.removed.count) ~\(diff.changed.count)"
            ]
            lines += diff.added.prefix(20).map { "  + \(shown($0))" }
            lines += diff.removed.prefix(20).map { "  - \(shown($0))" }
            lines += diff.changed.prefix(20).map { "  ~ \(shown($0))" }
            return lines.joined(separator: "\n")
        }
    }
}
