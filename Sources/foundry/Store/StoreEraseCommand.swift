import ArgumentParser
import DatasetStore

/// `foundry store erase`: right to be forgotten for one example.
struct StoreEraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase an example from every version; artifacts built from them become stale.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset.") var dataset: String
    @Argument(help: "The example id.") var exampleID: String

    func run() throws {
        let (store, principal) = try options.session()
        let report = try store.eraseExample(exampleID, from: dataset, as: principal)
        try options.emit(report) {
            ([
                "erased '\(shown(exampleID))' from \(report.affectedVersions.count) versions of '\(shown(dataset))' at \(isoTime(report.erasedAt))"
            ]
                + report.staleArtifacts.map {
                    "  stale: \($0.kind) '\(shown($0.name))' #\($0.id) (\(shortID($0.version)))"
                        + ($0.derivedFrom.map { ", derived from #\($0)" } ?? "")
                })
                .joined(separator: "\n")
        }
    }
}
