import ArgumentParser
import DatasetStore
import Foundation

/// `foundry store configure`: changes a dataset's license, attribution or sensitive columns, audited.
struct StoreConfigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "configure",
        abstract: "Change a dataset's license, attribution or sensitive columns (needs write and read-sensitive).",
        discussion: """
            Sensitive columns are named exactly as in the data (the text column under its own name, such as \
            CONTENT); an unknown name is an error listing the columns, and the id column cannot be sensitive. \
            --sensitive "" makes no column sensitive. The change is audited with the old and new values.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset.") var dataset: String

    @Option(name: .long, help: "The new license.")
    var license: String?

    @Option(name: .long, help: "The new attribution.")
    var attribution: String?

    @Option(name: .long, help: "The sensitive columns, comma-separated (replacing the current list).")
    var sensitive: String?

    func validate() throws {
        if license == nil && attribution == nil && sensitive == nil {
            throw ValidationError("nothing to change: give --license, --attribution or --sensitive")
        }
    }

    func run() throws {
        let (store, principal) = try options.session()
        let updated = try store.configureDataset(
            dataset,
            change: DatasetSettings(
                license: license, attribution: attribution, sensitiveFields: sensitive.map(splitColumnList)),
            as: principal)
        try options.emit(updated) {
            "\(shown(updated.name)): license \(shown(updated.license)), attribution \(shown(updated.attribution)), sensitive: "
                + (updated.sensitiveFields.isEmpty
                    ? "none" : updated.sensitiveFields.map(shown).joined(separator: ", "))
        }
    }
}

/// `a, b,c` → `["a", "b", "c"]`: names separated by commas, whitespace around them dropped, empty items skipped.
func splitColumnList(_ list: String) -> [String] {
    list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
